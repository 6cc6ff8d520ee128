package org.cairndb.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.cairndb.io.FileIO;
import org.cairndb.log.SegmentFiles;
import org.cairndb.util.Counted;

/**
 * The archive's side of a point-in-time recovery. The recovery cuts the log at the target and goes
 * on from there with a new history, whose segments take the names the old history's had: the one
 * holding the cut and every later one. The archive still holds the old history's copies under those
 * names, so without this continuous archiving would stop at the first segment the new history
 * finishes (an archived segment is never overwritten), and a later catastrophic recovery given the
 * archive would meet two histories and refuse. Like the log, the archive keeps the old history out
 * of the way without deleting it: those segments move into {@code <archive>/after-<time>-at-<lsn>/},
 * the name of the log's own directory of the same recovery.
 *
 * Only the home that archives there may do this (see {@link ArchiveOwner}): a copy restored beside
 * its still-running original and taken back in time must not move the original's archive away.
 */
public final class ArchiveFork {

    private ArchiveFork() {
    }

    /**
     * Moves the archived segments that hold log after {@code cut} (every later segment) or that the
     * new history goes on in (the one holding the cut) into {@code archiveDir/asideName}; returns
     * what it did (or why it left them) for the recovery report, or null when the archive holds none.
     * Called before the log is cut, so that a rerun of a recovery interrupted after its cut, which no
     * longer reaches the target, finds nothing of this left to do.
     */
    public static String moveAside(FileIO io, Path archiveDir, UUID environment, Path home, long cut, String asideName)
            throws IOException {
        long cutSegment = org.cairndb.log.Lsn.segment(cut);
        List<Long> old = new ArrayList<>();
        for (long seg : SegmentFiles.list(io, archiveDir)) {
            // The segment holding the cut too when its copy here has no bytes from the cut on (the
            // cut at the end of its records: a target that is the segment's last commit): the new
            // history goes on in that segment after the cut, so the log's copy no longer matches
            // this one when it is finished, and archiving, which never overwrites a copy, refused it
            // ("already exists and differs") and stopped for good. Moved aside, it is archived again
            // from the log, which holds it (the replay read it there).
            if (seg >= cutSegment) {
                old.add(seg);
            }
        }
        if (old.isEmpty()) {
            return null;
        }
        String held = "the archive " + archiveDir + " holds " + Counted.of(old.size(), "segment") + " of the history"
                + " after the target (from " + SegmentFiles.name(old.get(0)) + " on)";
        try {
            ArchiveOwner.claim(io, archiveDir, environment, home);
        } catch (ArchiveOwnedException e) {
            // Not the owner's advice alone: a take-over by this home would leave the old history's
            // segments under the names its new log takes next, and its archiving would stop at the
            // first of them ("already exists and differs").
            ArchiveOwner.Claim owner = ArchiveOwner.read(io, archiveDir);
            if (owner == null || !owner.environment().equals(environment)) {
                return held + ", left as they are: " + e.getMessage();
            }
            return held + ", left as they are: " + archiveDir + " is written by " + owner.home() + ", which still"
                    + " holds this environment. Before this home is opened for writing, point its cairn.archive.dir"
                    + " elsewhere; or, if it replaces " + owner.home() + " for good, stop that one, run cairn archive -h "
                    + org.cairndb.util.RealPaths.of(home) + " --take-over and move those segments ("
                    + SegmentFiles.name(old.get(0)) + " on) out of the archive, into " + archiveDir.resolve(asideName)
                    + " for instance";
        }
        Path aside = archiveDir.resolve(asideName);
        io.createDirectories(aside);
        for (long seg : old) {
            io.rename(archiveDir.resolve(SegmentFiles.name(seg)), aside.resolve(SegmentFiles.name(seg)));
        }
        io.syncDirectory(aside);
        io.syncDirectory(archiveDir);
        return held + "; moved them aside into " + aside + " (kept), so that archiving goes on there with the new"
                + " history";
    }
}
