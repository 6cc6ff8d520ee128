package org.cairndb.cli;

import java.io.BufferedWriter;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code cairn} command line: one executable whose subcommands mirror the Berkeley DB
 * utilities. Every subcommand takes {@code -h HOME} and {@code --help}, exits 0 on success, 1 when
 * the operation failed (with a one-line reason on stderr) and 2 for a usage error.
 */
@Command(name = "cairn", versionProvider = CairnCli.VersionProvider.class, sortOptions = false,
        description = "Administer a Cairn environment (a home directory of databases and their log).",
        footer = {"", "Run 'cairn COMMAND --help' for a command's options. Exit status: 0 success, 1 failure,"
                + " 2 usage error."},
        subcommands = {CheckpointCommand.class, RecoverCommand.class, VerifyCommand.class, StatCommand.class,
                PrintlogCommand.class, DumpCommand.class, LoadCommand.class, BenchCommand.class, ArchiveCommand.class,
                HotbackupCommand.class, FailoverCommand.class, VerifybackupCommand.class})
public final class CairnCli implements Callable<Integer> {

    @Option(names = "--version", versionHelp = true, description = "Print the version and exit.")
    boolean version;

    @Option(names = "--help", usageHelp = true, description = "Show this help and exit.")
    boolean help;

    private final InputStream stdin;

    CairnCli(InputStream stdin) {
        this.stdin = stdin;
    }

    /** Standard input, as the subcommands should read it (tests substitute their own). */
    InputStream stdin() {
        return stdin;
    }

    public static void main(String[] args) {
        ConsoleLogging.configure();
        // Not System.out, which keeps write errors (a full disk, a closed pipe) to itself.
        StandardOutput stdout = new StandardOutput(new FileOutputStream(FileDescriptor.out));
        PrintWriter out = new PrintWriter(new BufferedWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8)),
                true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        int status = run(args, out, err, System.in); // flushes out
        if (stdout.failed() && status == ExitCodes.OK) {
            err.println("cairn: " + StandardOutput.FAILED);
            status = ExitCodes.FAILED;
        }
        err.flush();
        System.exit(status);
    }

    /** Runs one command line in this process and returns its exit status. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, InputStream in) {
        int status = commandLine(out, err, in).execute(args);
        // A PrintWriter keeps write errors to itself: without this check a dump redirected to a full
        // disk would end with status 0 and a truncated file.
        out.flush();
        if (out.checkError()) {
            err.println("cairn: " + StandardOutput.FAILED);
            err.flush();
            return status == ExitCodes.OK ? ExitCodes.FAILED : status;
        }
        return status;
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err, InputStream in) {
        CommandLine cmd = new CommandLine(new CairnCli(in));
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setSeparator(" "); // usage shows "-h HOME", as the Berkeley DB utilities do
        // An empty path is what an unset shell variable gives (-h "$STORE"): taken as the current
        // directory, it could create an environment or a backup there. Registered before any
        // command runs, it applies to every path of every subcommand.
        cmd.registerConverter(java.nio.file.Path.class, s -> {
            if (s.isEmpty()) {
                throw new CommandLine.TypeConversionException("an empty path (an unset shell variable?)");
            }
            return java.nio.file.Path.of(s);
        });
        cmd.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + Errors.oneLine(ex));
            if (Errors.debug()) {
                ex.printStackTrace(commandLine.getErr());
            }
            commandLine.getErr().flush();
            return ex instanceof CommandFailedException f ? f.exitCode() : ExitCodes.FAILED;
        });
        cmd.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            String name = c.getCommandSpec().qualifiedName();
            c.getErr().println(name + ": " + Errors.oneLine(usageProblem(ex)) + " (see " + name + " --help)");
            c.getErr().flush();
            return ExitCodes.USAGE;
        });
        return cmd;
    }

    /**
     * The first thing wrong with a command line. Picocli reports a missing required option before an
     * unknown one; the unknown one (a typo, usually) is what the user needs to hear about first.
     */
    private static String usageProblem(CommandLine.ParameterException ex) {
        CommandLine.ParseResult parsed = ex.getCommandLine().getParseResult();
        boolean topLevel = ex.getCommandLine().getCommandSpec().userObject() instanceof CairnCli;
        if (topLevel && parsed != null && !parsed.unmatched().isEmpty()) {
            // No command was recognised: the first word is a mistyped command, or options came first.
            String first = parsed.unmatched().get(0);
            return first.startsWith("-") ? "options come after the command: cairn COMMAND " + first + " ..."
                    : "unknown command '" + first + "'; the commands are " + String.join(", ",
                            ex.getCommandLine().getSubcommands().keySet());
        }
        CommandLine root = ex.getCommandLine().getParent();
        if (root != null && root.getParseResult() != null && !root.getParseResult().unmatched().isEmpty()
                && root.getParseResult().unmatched().get(0).startsWith("-")) {
            // The command was found, but options came before it (cairn -h HOME stat, Berkeley DB's
            // order): the command then misses them, and saying so would point at the wrong thing.
            return "options come after the command: cairn " + ex.getCommandLine().getCommandName() + " "
                    + root.getParseResult().unmatched().get(0) + " ...";
        }
        if (ex.getCommandLine().getCommandSpec().userObject() instanceof VerifybackupCommand
                && ex.getCommandLine().getParseResult() != null
                && ex.getCommandLine().getParseResult().originalArgs().contains("-h")) {
            // Every other command takes -h HOME; this one alone its directory as an argument.
            return "the backup directory is the argument, without -h: cairn verifybackup DIR";
        }
        if (!(ex instanceof CommandLine.UnmatchedArgumentException)) {
            CommandLine.ParseResult partial = ex.getCommandLine().getParseResult();
            if (partial != null && !partial.unmatched().isEmpty()) {
                String first = partial.unmatched().get(0);
                return (first.startsWith("-") ? "Unknown option: '" : "Unexpected argument: '") + first + "'";
            }
        }
        return ex.getMessage();
    }

    @Override
    public Integer call() {
        throw new CommandFailedException(ExitCodes.USAGE, "give a command: checkpoint, recover, verify, stat, printlog,"
                + " dump, load, bench, archive, hotbackup, failover or verifybackup (see cairn --help)");
    }

    /** The version from the jar (its manifest, or the pom.properties Maven puts into it). */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"cairn " + version(), "Java " + System.getProperty("java.version")};
        }

        static String version() {
            String v = CairnCli.class.getPackage().getImplementationVersion();
            if (v != null) {
                return v;
            }
            try (InputStream in = CairnCli.class.getResourceAsStream(
                    "/META-INF/maven/org.cairndb/cairn-engine/pom.properties")) {
                if (in != null) {
                    Properties p = new Properties();
                    p.load(in);
                    return p.getProperty("version", "unknown");
                }
            } catch (java.io.IOException e) {
                // fall through: a development build has no jar metadata
            }
            return "(development build)";
        }
    }
}
