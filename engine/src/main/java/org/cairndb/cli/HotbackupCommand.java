package org.cairndb.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.cairndb.CairnException;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.backup.BackupManifest;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.BackupProgress;
import org.cairndb.backup.BackupResult;
import org.cairndb.backup.HotBackup;
import org.cairndb.backup.UpdateRefusedException;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.io.FileIO;
import org.cairndb.util.Counted;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn hotbackup}, like {@code db_hotbackup}. */
@Command(name = "hotbackup", sortOptions = false,
        description = {"Take a backup of the environment into DIR, like db_hotbackup: the data files, then every log"
                + " segment from where their recovery starts, then catastrophic recovery of the copy so that it opens"
                + " as an environment, then backup.manifest (every file with its size and SHA-256; check it with"
                + " cairn verifybackup). A backup without a manifest is incomplete.",
                "",
                "DIR must be new or empty, unless -u updates a backup already there with the log written since."
                        + " By default data files and segments go side by side in DIR (like db_hotbackup); -D keeps"
                        + " data/ and log/.",
                "",
                "The environment is opened (normal recovery), so it must not be open elsewhere; a running server"
                        + " takes hot backups through the adapter's MBean. Progress is printed every few seconds."})
final class HotbackupCommand extends CairnCommand {

    /** The file layer the backup commands open environments with; tests put a fault-injecting one here. */
    static volatile FileIO fileIOForTests;

    @Mixin
    HomeOption home;

    @Option(names = "-b", paramLabel = "DIR", required = true, description = "The backup directory.")
    Path target;

    @Option(names = "-c", description = "Checkpoint first, so that the backup needs less log.")
    boolean checkpointFirst;

    @Option(names = "-u", description = "Update the backup in DIR: copy only the log written since (the last segment"
            + " it holds again), then recover it again.")
    boolean update;

    @Option(names = "-D", description = "Keep the data/ and log/ directories in DIR (default: all files side by side).")
    boolean split;

    @Option(names = "--no-recover", description = "Do not run catastrophic recovery on the copy (then run"
            + " cairn recover -c on it when restoring).")
    boolean noRecover;

    @Mixin
    MaxRateOption rate;

    @Override
    public Integer call() throws IOException {
        target = target.toAbsolutePath().normalize(); // every message names it so, whatever the current directory
        double maxRate = rate.mbPerSecond();
        HotBackup.checkTarget(EnvironmentHome.detect(home.home), archiveDirectoryBeforeOpening(home.home), target, update,
                false);
        BackupOptions options = new BackupOptions(checkpointFirst, update, split, !noRecover, maxRate, this::progress);
        if (update && split) {
            BackupManifest m = readManifest(target);
            if (m != null && !"split".equals(m.layout())) {
                note("-D ignored: an update keeps the backup's " + m.layout() + " layout");
            }
        }
        try (Environment env = open(home.home)) {
            BackupResult r;
            try {
                r = HotBackup.run(env.internals(), target, options);
            } catch (IOException | CairnException e) {
                throw failed(e, env.home());
            }
            summary(env.home(), r);
        }
        return ExitCodes.OK;
    }

    private CommandFailedException failed(Exception e, Path envHome) {
        if (e instanceof UpdateRefusedException) {
            // Refused before the backup changed: "stopped half-way, run the update again" would send
            // the admin round the same refusal.
            return new CommandFailedException("cannot update " + target + ": " + Errors.oneLine(e)
                    + "; the environment is unharmed");
        }
        if (update && damagedInCopy(e, target)) {
            return new CommandFailedException("hot backup of " + envHome + " to " + target + " failed: " + Errors.oneLine(e)
                    + "; the environment is unharmed; " + DAMAGED_COPY + "take a new backup into an empty or new"
                    + " directory (keep this one until then: its manifest describes the backup before the update)");
        }
        String what = update ? "the update of the backup in " + target + " stopped half-way: its manifest describes the"
                + " backup before the update, so run the update again (or take a new backup) before relying on it"
                : !java.nio.file.Files.exists(target) ? "nothing was created"
                : target + " holds an incomplete backup (no " + BackupManifest.FILE_NAME + "): remove it and try again";
        return new CommandFailedException("hot backup of " + envHome + " to " + target + " failed: " + Errors.oneLine(e)
                + "; the environment is unharmed; " + what);
    }

    /** What an update that met damage in the copy's own files says before its advice. */
    static final String DAMAGED_COPY = "the damaged file is the copy's own, which running the update again meets again: ";

    /**
     * Whether {@code e} is damage found in a file of the copy in {@code target} (its recovery read a
     * page whose checksum does not match): the copy was damaged before or under the update, and an
     * update run again meets it again, so "run the update again" is no advice for it.
     */
    static boolean damagedInCopy(Exception e, Path target) {
        return e instanceof org.cairndb.CorruptionException c && c.file() != null
                && c.file().toAbsolutePath().normalize().startsWith(target);
    }

    private void progress(BackupProgress p) {
        if (!"done".equals(p.phase())) {
            out().println("hotbackup: " + p);
            out().flush();
        }
    }

    private void summary(Path envHome, BackupResult r) {
        BackupManifest m = r.manifest();
        out().printf(Locale.ROOT, "%s %s to %s: %s, %.1f MB copied in %.1f s (%.1f MB/s); log %s .. %s; %s layout%n",
                update ? "updated the backup of" : "backed up", envHome, target, Counted.of(r.filesCopied(), "file"),
                r.bytesCopied() / 1e6, r.durationMillis() / 1000.0,
                r.durationMillis() == 0 ? 0.0 : r.bytesCopied() / 1e6 / (r.durationMillis() / 1000.0), m.startLsn(),
                m.endLsn(), m.layout());
        printRecovery(out(), r);
        out().println("manifest: " + target.resolve(BackupManifest.FILE_NAME) + " ("
                + Counted.of(m.files().size(), "file") + (m.preparedTransactions().isEmpty() ? ""
                : ", " + m.preparedTransactions().size() + " prepared transactions in doubt") + ")");
        out().flush();
    }

    static void printRecovery(java.io.PrintWriter out, BackupResult r) {
        if (r.recovery() == null) {
            out.println("not recovered (--no-recover): restore it with cairn recover -c");
            return;
        }
        var rep = r.recovery();
        out.println("recovered the copy: replayed the log from " + rep.startLsn() + " to " + rep.endLsn() + ", "
                + Counted.of(rep.transactionsRedone(), "transaction") + " redone, " + rep.preparedRestored() + " prepared (in doubt)"
                + (rep.lastCommitTime() != null ? "; last commit: transaction " + rep.lastCommitTxnId() + " at "
                + rep.lastCommitTime() : ""));
    }

    static BackupManifest readManifest(Path dir) {
        try {
            return BackupManifest.read(dir);
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The archive directory of the environment in {@code home}, read from its configuration without
     * opening it: a target is checked before the open, since opening runs recovery and rewrites the
     * lock file, which a command refused for a mistyped -b should not do to the home. The backup
     * checks the target again once the environment is open (and then also that an updated backup is
     * of this environment).
     */
    static Path archiveDirectoryBeforeOpening(Path home) {
        Homes.requireEnvironment(home);
        return Homes.config().withPropertiesFrom(home).archiveDirectory(home.toAbsolutePath().normalize());
    }

    /** Opens an existing environment for a backup command, with the test file layer if one is set. */
    static Environment open(Path home) {
        FileIO io = fileIOForTests;
        if (io == null) {
            return Homes.openExisting(home);
        }
        Homes.requireEnvironment(home);
        return Environment.open(home, Homes.config().allowCreate(false).fileIO(io));
    }
}
