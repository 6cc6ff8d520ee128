package org.cairndb.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryReport;
import org.cairndb.RecoveryTarget;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.log.Lsn;
import org.cairndb.util.Counted;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn recover}, like {@code db_recover}: normal, catastrophic ({@code -c}), or to a point in time. */
@Command(name = "recover", sortOptions = false,
        description = {"Run recovery, like db_recover, and close the environment checkpointed.",
                "",
                "Without -c: normal recovery. Opening an environment always recovers it (replays the log from the last"
                        + " checkpoint, cuts off a torn tail, restores prepared transactions); this command does it"
                        + " without an application.",
                "",
                "With -c: catastrophic recovery, for an environment restored from backups or when normal recovery"
                        + " fails. Log segments are gathered from HOME's log/ (or a flat backup directory), its"
                        + " archive directory and every --logs DIR, the most complete copy of each segment winning"
                        + " (copies of two histories, such as the log from before a point-in-time recovery and the log"
                        + " after it, are refused: give only the directories of one); then the log is replayed onto the"
                        + " data files to its last valid record, or to the target given by -t, --to-lsn or --to-txn"
                        + " (which imply -c). A missing segment is named and stops recovery. After a target, the rest"
                        + " of the log is moved aside into log/after-*/ (kept, never replayed by a later open), and with"
                        + " continuous archiving the archive's copies of it into <archive>/after-*/, so that archiving"
                        + " goes on there with the new history.",
                "",
                "TIME is ISO-8601 (2026-11-22T03:15:00 in local time, or with a zone: 2026-11-22T03:15:00Z,"
                        + " 2026-11-22T04:15:00+01:00) or Berkeley DB's [[CC]YY]MMDDhhmm[.SS] in local time. Commit"
                        + " times have millisecond precision: --inclusive (the default) keeps commits at or before TIME,"
                        + " --exclusive those before it."})
final class RecoverCommand extends CairnCommand {

    @Mixin
    HomeOption home;

    @Option(names = "-c", description = "Catastrophic recovery (from restored backups and archived segments).")
    boolean catastrophic;

    @Option(names = "-t", paramLabel = "TIME", description = "Recover to this time (implies -c).")
    String time;

    @Option(names = "--to-lsn", paramLabel = "LSN", description = "Recover to this log position, segment/offset as"
            + " cairn printlog shows it (implies -c).")
    String toLsn;

    @Option(names = "--to-txn", paramLabel = "ID", description = "Recover to the commit of this transaction (implies -c).")
    Long toTxn;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Inclusion inclusion;

    /** Whether the commit at the target is kept. */
    static final class Inclusion {
        @Option(names = "--inclusive", required = true, description = "Keep the commit at the target (default).")
        boolean inclusive;

        @Option(names = "--exclusive", required = true, description = "Stop just before the commit at the target.")
        boolean exclusive;
    }

    @Option(names = "--logs", paramLabel = "DIR", arity = "1..*", description = "More directories holding log segments"
            + " (restored archives, backups, the failed environment's surviving log/); needs -c.")
    List<Path> logs = new ArrayList<>();

    @Option(names = "-v", description = "Print what recovery did in full.")
    boolean verbose;

    @Override
    public Integer call() {
        RecoveryTarget target = target();
        boolean fatal = catastrophic || target != null;
        if (!fatal && !logs.isEmpty()) {
            throw new CommandFailedException(ExitCodes.USAGE, "--logs is for catastrophic recovery: add -c");
        }
        for (Path d : logs) {
            if (!Files.exists(d)) {
                throw new CommandFailedException("--logs " + d + " does not exist: correct the path, or leave the option"
                        + " out if nothing survived there (a lost home's log/, say); nothing was changed");
            }
            if (!Files.isDirectory(d)) {
                throw new CommandFailedException("--logs " + d + " is not a directory");
            }
        }
        if (!fatal) {
            try (Environment env = Homes.openExisting(home.home)) {
                if (verbose) {
                    out().println(env.recoveryReport());
                    out().flush();
                }
            }
            return ExitCodes.OK;
        }
        Path h = home.home;
        Homes.requireDirectory(h);
        if (!EnvironmentHome.detect(h).flat()) {
            Homes.requireEnvironment(h);
        }
        EnvironmentConfig config = Homes.config().allowCreate(false).catastrophicRecovery(true)
                .recoveryTarget(target).logSources(logs);
        try (Environment env = Environment.open(h, config)) {
            print(env.home(), env.recoveryReport(), target);
        }
        return ExitCodes.OK;
    }

    private RecoveryTarget target() {
        int given = (time != null ? 1 : 0) + (toLsn != null ? 1 : 0) + (toTxn != null ? 1 : 0);
        if (given > 1) {
            throw new CommandFailedException(ExitCodes.USAGE, "give at most one of -t, --to-lsn and --to-txn");
        }
        if (given == 0) {
            if (inclusion != null) {
                throw new CommandFailedException(ExitCodes.USAGE, "--inclusive and --exclusive go with -t, --to-lsn or"
                        + " --to-txn");
            }
            return null;
        }
        boolean inclusive = inclusion == null || inclusion.inclusive;
        try {
            if (time != null) {
                return RecoveryTarget.time(RecoveryTimes.parse(time, ZoneId.systemDefault(), Instant.now()), inclusive);
            }
        } catch (IllegalArgumentException e) {
            throw new CommandFailedException(ExitCodes.USAGE, e.getMessage());
        }
        if (toLsn != null) {
            try {
                return RecoveryTarget.lsn(Lsn.parse(toLsn), inclusive);
            } catch (IllegalArgumentException e) {
                throw new CommandFailedException(ExitCodes.USAGE, "--to-lsn: " + e.getMessage());
            }
        }
        if (toTxn <= 0) {
            throw new CommandFailedException(ExitCodes.USAGE, "--to-txn takes a transaction id (a positive number), not "
                    + toTxn);
        }
        return RecoveryTarget.transaction(toTxn, inclusive);
    }

    private void print(Path h, RecoveryReport r, RecoveryTarget target) {
        out().println("catastrophic recovery of " + h + (target != null ? " to " + target : "") + ": replayed the log from "
                + r.startLsn() + " to " + r.endLsn() + ", " + Counted.of(r.transactionsRedone(), "transaction") + " redone, "
                + r.preparedRestored() + " prepared (in doubt) restored, " + Counted.of(r.databases(), "database") + "; "
                + Counted.of(r.recordsScanned(), "log record") + " in " + String.format(java.util.Locale.ROOT, "%.2f s",
                        r.durationMillis() / 1000.0));
        if (r.lastCommitTime() != null) {
            out().println("last commit: transaction " + r.lastCommitTxnId() + " at " + r.lastCommitTime() + " ("
                    + DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(r.lastCommitTime().atZone(ZoneId.systemDefault()))
                    + " local time)" + (r.lastCommitReplayed() ? "" : ", which the data files' checkpoint holds"));
        } else {
            out().println("last commit: none known (the replayed log holds none, and the data files' checkpoint names"
                    + " none)");
        }
        if (r.truncatedTail() != null) {
            out().println(r.truncatedTail());
        }
        for (String n : r.notes()) {
            out().println(n);
        }
        if (verbose) {
            out().println(r);
        }
        out().flush();
    }
}
