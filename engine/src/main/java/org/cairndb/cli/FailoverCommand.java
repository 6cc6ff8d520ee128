package org.cairndb.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cairndb.CairnException;
import org.cairndb.Environment;
import org.cairndb.backup.BackupManifest;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.BackupProgress;
import org.cairndb.backup.BackupResult;
import org.cairndb.backup.Failover;
import org.cairndb.backup.UpdateRefusedException;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.log.SegmentFiles;
import org.cairndb.util.Counted;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn failover}: Berkeley DB's hot failover, steps 2 to 5 (step 1 the first time). */
@Command(name = "failover", sortOptions = false,
        description = {"Bring the failover copy in DIR up to date, as Berkeley DB's hot failover procedure does: the"
                + " first time, copy the data files; every time, move the log segments the environment no longer"
                + " needs into DIR (they leave the environment), copy the segments still in use, and run catastrophic"
                + " recovery on DIR. DIR keeps data/ and log/ (a flat cairn hotbackup directory given as DIR stays flat)"
                + " and opens as an environment whenever no update is running (an update holds its lock).",
                "",
                "Repeat it as often as wanted (cron, or the adapter's MBean in a running server). To fail over: stop"
                        + " the applications, optionally run it once more (or copy the remaining segments into DIR's"
                        + " log/ and run cairn recover -c -h DIR), then open DIR instead of the environment.",
                "",
                "The environment is opened (normal recovery), so it must not be open elsewhere."})
final class FailoverCommand extends CairnCommand {

    @Mixin
    HomeOption home;

    @Option(names = "-b", paramLabel = "DIR", required = true, description = "The failover directory.")
    Path target;

    @Mixin
    MaxRateOption rate;

    @Override
    public Integer call() throws IOException {
        target = target.toAbsolutePath().normalize(); // every message names it so, whatever the current directory
        double maxRate = rate.mbPerSecond();
        boolean first = HotbackupCommand.readManifest(target) == null;
        Failover.checkTarget(EnvironmentHome.detect(home.home), HotbackupCommand.archiveDirectoryBeforeOpening(home.home),
                target);
        try (Environment env = HotbackupCommand.open(home.home)) {
            Path logDir = env.internals().home().logDir();
            List<Long> before = SegmentFiles.list(env.internals().io(), logDir);
            BackupResult r;
            try {
                r = Failover.update(env.internals(), target,
                        BackupOptions.defaults().withMaxRate(maxRate).withProgress(this::progress));
            } catch (UpdateRefusedException e) {
                // Refused before the copy changed: "run the update again" would only meet the same refusal.
                throw new CommandFailedException("cannot update the failover copy " + target + ": " + Errors.oneLine(e)
                        + "; the environment is unharmed");
            } catch (IOException | CairnException e) {
                if (!first && HotbackupCommand.damagedInCopy(e, target)) {
                    throw new CommandFailedException("failover update of " + target + " from " + env.home() + " failed: "
                            + Errors.oneLine(e) + "; the environment is unharmed; " + HotbackupCommand.DAMAGED_COPY
                            + "update into a new, empty directory (keep this one until then: it holds the log segments"
                            + " the environment gave away)");
                }
                throw new CommandFailedException("failover update of " + target + " from " + env.home() + " failed: "
                        + Errors.oneLine(e) + "; the environment is unharmed; " + (first ? target + " is not a usable"
                        + " failover copy yet (no " + BackupManifest.FILE_NAME + "): remove it and try again"
                        : "the copy in " + target + " still holds the previous update, recovered; run the update again"));
            }
            List<Long> moved = new ArrayList<>(before);
            moved.removeAll(SegmentFiles.list(env.internals().io(), logDir));
            out().printf(Locale.ROOT, "%s failover copy %s of %s: %s, %.1f MB copied in %.1f s; %s; log %s .. %s%n",
                    first ? "created the" : "updated the", target, env.home(), Counted.of(r.filesCopied(), "file"),
                    r.bytesCopied() / 1e6, r.durationMillis() / 1000.0, moved.isEmpty()
                            ? "no segment was unneeded in the environment"
                            : "moved " + Counted.of(moved.size(), "segment") + " the environment no longer needs into it ("
                                    + SegmentFiles.name(moved.get(0)) + (moved.size() > 1 ? " .. "
                                    + SegmentFiles.name(moved.get(moved.size() - 1)) : "") + ")",
                    r.manifest().startLsn(), r.manifest().endLsn());
            HotbackupCommand.printRecovery(out(), r);
            out().flush();
        }
        return ExitCodes.OK;
    }

    private void progress(BackupProgress p) {
        if (!"done".equals(p.phase())) {
            out().println("failover: " + p);
            out().flush();
        }
    }
}
