package org.cairndb.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.cairndb.tools.BackupVerifier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cairn verifybackup DIR}: checks a backup against its manifest without opening it. */
@Command(name = "verifybackup", sortOptions = false,
        description = {"Check a backup or failover copy (from cairn hotbackup or cairn failover) against its"
                + " backup.manifest, without opening it as an environment: every listed file's size and SHA-256, no"
                + " unlisted data file or segment, the log chain (segment order and continuity, the environment of"
                + " every segment, every record's CRC-32C, the segment recovery starts in, the end the backup"
                + " copied it to), and each data file's header.",
                "It only reads, so it runs on the backup host at any time. Opening or recovering a backup changes its"
                        + " files; verify it before that, or take a new backup.",
                "Each problem is printed as one line naming the file; the exit status is 1 if any."})
final class VerifybackupCommand extends CairnCommand {

    @Parameters(paramLabel = "DIR", arity = "1", description = "The backup directory (holding backup.manifest).")
    Path directory;

    @Override
    public Integer call() throws IOException {
        BackupVerifier.Report r = new BackupVerifier(Homes.io(), directory).verify();
        if (r.manifest() != null) {
            out().printf(Locale.ROOT, "backup of environment %s (from %s), %s layout, taken %s .. %s, log %s .. %s%s%n",
                    r.manifest().environmentId(), r.manifest().source(), r.manifest().layout(), r.manifest().startedAt(),
                    r.manifest().finishedAt(), r.manifest().startLsn(), r.manifest().endLsn(),
                    r.manifest().recovered() ? ", recovered" : ", not recovered (restore it with cairn recover -c)");
            if (r.manifest().lastCommit() != null) {
                out().printf(Locale.ROOT, "last commit: transaction %d at %s%n", r.manifest().lastCommit().txnId(),
                        r.manifest().lastCommit().committedAt());
            }
            // A hand-edited manifest may have no file list: BackupVerifier reports that as a problem.
            out().printf(Locale.ROOT, "files: %d of %d match the manifest (%.1f MB)%n", r.filesChecked(),
                    r.manifest().files() == null ? 0 : r.manifest().files().size(), r.bytesChecked() / 1e6);
        }
        if (r.log() != null) {
            out().printf(Locale.ROOT, "log: segments %d..%d, %d records, valid to %s%n", r.log().firstSegment(),
                    r.log().lastSegment(), r.log().records(), r.log().endLsn());
        }
        for (String n : r.notes()) {
            out().println("note: " + n);
        }
        for (BackupVerifier.Problem p : r.problems()) {
            out().println("PROBLEM: " + p);
        }
        out().flush();
        if (!r.ok()) {
            int n = r.problems().size();
            throw new CommandFailedException(n + (n == 1 ? " problem" : " problems") + " found in backup "
                    + r.directory() + "; the first: " + r.problems().get(0));
        }
        out().println("verified backup " + r.directory() + ": no problems");
        out().flush();
        return ExitCodes.OK;
    }
}
