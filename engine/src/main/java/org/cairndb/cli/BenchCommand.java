package org.cairndb.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.tools.Bench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn bench}: a pgbench-style load generator and self-check. */
@Command(name = "bench", sortOptions = false,
        description = {"A bank benchmark in the style of pgbench, and a check that no committed money was lost.",
                "Steps:",
                "  --init [--accounts N]           N accounts of balance 1000, an empty history",
                "  --seconds S | --transactions M  transfers by --threads T clients, then",
                "                                  commits/s and latency p50/p99/max",
                "  --check                         balances sum to N x 1000, agree with history",
                "  --check-acks F                  every id acknowledged in F is in the history",
                "Steps given together run in that order; an option of a step not given is refused. Without -h the"
                        + " environment is target/bench-env."})
final class BenchCommand extends CairnCommand {

    /** Set by bin/cairn so that the default environment is the repository's, whatever the current directory. */
    static final String DEFAULT_HOME_PROPERTY = "cairn.bench.home";

    @Option(names = "-h", paramLabel = "HOME", description = "The environment's home (default: target/bench-env).")
    Path home;

    @Option(names = "--init", description = "Create the accounts (replacing earlier ones) and an empty history.")
    boolean init;

    @Option(names = "--accounts", paramLabel = "N", description = "Accounts created by --init (default: ${DEFAULT-VALUE}).")
    int accounts = 100_000;

    @Option(names = "--threads", paramLabel = "T", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int threads = 1;

    @Option(names = "--seconds", paramLabel = "S", description = "Run transfers for S seconds.")
    Long seconds; // null when not given, so that a 0 given is named as not positive

    @Option(names = "--transactions", paramLabel = "M", description = "Run M transfers in all.")
    Long transactions;

    @Option(names = "--durability", paramLabel = "D",
            description = "Commit durability: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Durability durability = Durability.SYNC;

    @Option(names = "--ack-file", paramLabel = "F", description = "Append each committed transfer's id to F, flushed"
            + " after each commit returns.")
    Path ackFile;

    @Option(names = "--progress", paramLabel = "S", description = "Seconds between progress lines (default: ${DEFAULT-VALUE}).")
    long progressSeconds = 5;

    @Option(names = "--check", description = "Check that the balances agree with the history.")
    boolean check;

    @Option(names = "--check-acks", paramLabel = "F", description = "Check that every transfer id in F is in the history.")
    Path checkAcks;

    @Override
    public Integer call() throws IOException, InterruptedException {
        boolean run = seconds != null || transactions != null;
        requireSteps(run);
        Bench.RunConfig config = null;
        if (run) {
            config = new Bench.RunConfig(threads, seconds == null ? 0 : seconds, transactions == null ? 0 : transactions,
                    durability, ackFile, progressSeconds * 1000);
        }
        Path h = home != null ? home : Path.of(System.getProperty(DEFAULT_HOME_PROPERTY, "target/bench-env"));
        if (run && ackFile != null) {
            // Found out before the environment is opened and a run begins, not from the first commit.
            if (Files.isDirectory(ackFile)) {
                throw new CommandFailedException("cannot write the acknowledgement file " + ackFile + ": it is a directory");
            }
            Path parent = ackFile.toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw new CommandFailedException("cannot write the acknowledgement file " + ackFile + ": its directory "
                        + parent + " does not exist");
            }
            if (Files.isDirectory(h)) {
                Homes.requireOutsideEnvironmentFiles(h, ackFile, "acknowledgement file");
            }
        }
        if (init) {
            if (accounts < 2 || accounts > Bench.MAX_ACCOUNTS) {
                throw new CommandFailedException(ExitCodes.USAGE, "--accounts must be from 2 to " + Bench.MAX_ACCOUNTS
                        + ", not " + accounts);
            }
            if (Files.exists(h) && !Files.isDirectory(h)) {
                // createDirectories would say only "already exists"
                throw new CommandFailedException("environment home " + h + " is not a directory");
            }
            Files.createDirectories(h);
        } else {
            Homes.requireEnvironment(h);
        }
        String failure = null;
        // --check alone only reads: it opens the environment only to look (read-only media too)
        EnvironmentConfig envConfig = init || run ? Homes.config().allowCreate(init) : Homes.inspectConfig();
        try (StopSignal stop = new StopSignal(); Environment env = Environment.open(h, envConfig)) {
            // Once open: a home the open refuses gets its one-line error and no header before it.
            out().println("environment " + h.toAbsolutePath().normalize());
            if (init) {
                Bench.init(env, accounts, out());
            }
            if (run) {
                Bench.RunResult r = Bench.run(env, config, out(), elapsed -> stop.requested());
                if (r.interrupted()) {
                    throw new CommandFailedException("interrupted after " + r.commits() + " commits");
                }
            }
            if (check) {
                failure = report(Bench.check(env), failure);
            }
            if (checkAcks != null) {
                failure = report(Bench.checkAcks(env, checkAcks), failure);
            }
        }
        if (failure != null) {
            throw new CommandFailedException("check failed: " + failure);
        }
        return ExitCodes.OK;
    }

    /**
     * Refuses a command line that asks for nothing, or whose values cannot be used, before anything
     * is opened. An option given without the step it belongs to (--accounts without --init,
     * --threads without a run) would be ignored in silence, so that a user who meant 5 accounts
     * or 16 clients would measure something else: it is named instead.
     */
    private void requireSteps(boolean run) {
        if (!init && !run && !check && checkAcks == null) {
            throw new CommandFailedException(ExitCodes.USAGE, "nothing to do: give --init, --seconds or --transactions,"
                    + " --check or --check-acks");
        }
        if (!init && given("--accounts")) {
            throw usage("--accounts goes with --init (the accounts of a run or check are those --init created)");
        }
        if (!run) {
            for (String option : new String[] {"--threads", "--durability", "--ack-file", "--progress"}) {
                if (given(option)) {
                    throw usage(option + " goes with a run: give --seconds S or --transactions M too");
                }
            }
            return;
        }
        if (seconds != null && transactions != null) {
            throw usage("give one of --seconds S and --transactions M, not both");
        }
        if (seconds != null && seconds <= 0) {
            throw usage("--seconds takes a positive number of seconds, not " + seconds);
        }
        if (transactions != null && transactions <= 0) {
            throw usage("--transactions takes a positive number of transfers, not " + transactions);
        }
        if (threads < 1) {
            throw usage("--threads takes a positive number of clients, not " + threads);
        }
        if (progressSeconds < 1) {
            throw usage("--progress takes a positive number of seconds, not " + progressSeconds);
        }
    }

    private boolean given(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    private static CommandFailedException usage(String message) {
        return new CommandFailedException(ExitCodes.USAGE, message);
    }

    /** Prints a check's outcome; returns the first failure so far. */
    private String report(Bench.CheckResult r, String firstFailure) {
        out().println((r.ok() ? "check " : "CHECK FAILED: ") + r.message());
        out().flush();
        return firstFailure != null || r.ok() ? firstFailure : r.message();
    }
}
