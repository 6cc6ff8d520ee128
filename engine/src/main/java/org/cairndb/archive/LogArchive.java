package org.cairndb.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.env.DatabaseImpl;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.cairndb.txn.Txn;

/**
 * Which files an environment still needs, like Berkeley DB's {@code db_archive}: a log segment can
 * be moved to backup media and removed once no recovery, transaction, backup or archiver needs it.
 *
 * <p>A segment is kept while any of these holds, and {@link SegmentStatus#reasons()} says which:
 * <ul>
 * <li>it is the segment being written;</li>
 * <li>recovery would need it: it holds or follows the LSN a data file's last checkpoint needs the
 * log from (which is also at or before every PREPARE still in doubt and every commit not yet
 * applied);</li>
 * <li>a prepared (in-doubt) transaction's PREPARE record is in it or after it;</li>
 * <li>a running hot backup or failover update needs it: it is at or after the recovery start the
 * copy began with, or, for an update, the last segment the copy already held if that is earlier,
 * or, for a failover update, any segment that was in the log directory when it began (it moves
 * those into its copy, and they leave the environment when it is complete);</li>
 * <li>continuous archiving is on and has not archived it yet.</li>
 * </ul>
 */
public final class LogArchive {

    /** One segment and why it is kept (empty when it is archivable). */
    public record SegmentStatus(long segment, Path path, long size, List<String> reasons) {
        public boolean archivable() {
            return reasons.isEmpty();
        }
    }

    private final EnvironmentImpl env;

    public LogArchive(EnvironmentImpl env) {
        this.env = env;
    }

    /** Every segment in the log directory, oldest first, with the reasons it is kept. */
    public List<SegmentStatus> segments() throws IOException {
        return segments(null);
    }

    /** {@link #segments()}, leaving out what {@code own} pins (may be null). */
    private List<SegmentStatus> segments(BackupPins.Pin own) throws IOException {
        long current = env.log().currentSegment();
        long recoveryStart = recoveryStartLsn();
        long oldestPrepare = Long.MAX_VALUE;
        long oldestPrepareTxn = 0;
        for (Txn t : env.txns().preparedTransactions()) {
            if (t.prepareLsn() < oldestPrepare) {
                oldestPrepare = t.prepareLsn();
                oldestPrepareTxn = t.id();
            }
        }
        long backupFloor = env.backupPins().oldestSegmentBesides(own);
        ContinuousArchiver archiver = env.archiver();
        List<SegmentStatus> list = new ArrayList<>();
        for (long seg : SegmentFiles.list(env.io(), env.home().logDir())) {
            Path p = env.home().logDir().resolve(SegmentFiles.name(seg));
            List<String> reasons = new ArrayList<>();
            if (seg >= current) {
                reasons.add("it is being written");
            } else if (seg >= Lsn.segment(recoveryStart)) {
                reasons.add("recovery needs it: the data files' last checkpoint needs the log from LSN "
                        + Lsn.toString(recoveryStart));
            }
            if (oldestPrepare != Long.MAX_VALUE && seg >= Lsn.segment(oldestPrepare) && seg < current) {
                reasons.add("prepared transaction " + oldestPrepareTxn + " (in doubt) has its PREPARE record at "
                        + Lsn.toString(oldestPrepare));
            }
            if (seg >= backupFloor) {
                reasons.add("a running " + env.backupPins().oldestOwnerBesides(own) + " needs it");
            }
            if (archiver != null && !archiver.isArchived(seg)) {
                reasons.add("continuous archiving has not copied it to " + archiver.directory() + " yet");
            }
            long size;
            try {
                size = Files.size(p);
            } catch (java.nio.file.NoSuchFileException removedMeanwhile) {
                continue; // log removal (automatic, or another caller's) took it since the listing
            }
            list.add(new SegmentStatus(seg, p, size, List.copyOf(reasons)));
        }
        return list;
    }

    /** Segments no longer needed (db_archive with no option). */
    public List<Path> archivable() throws IOException {
        return archivableBesides(null);
    }

    /**
     * Segments nothing but the failover update holding {@code own} needs: it moves them into its
     * copy, and its pin keeps them from every other remover until then.
     */
    public List<Path> archivableBesides(BackupPins.Pin own) throws IOException {
        List<Path> out = new ArrayList<>();
        for (SegmentStatus s : segments(own)) {
            if (s.archivable()) {
                out.add(s.path());
            }
        }
        return out;
    }

    /** Every segment (db_archive -l). */
    public List<Path> allSegments() throws IOException {
        List<Path> out = new ArrayList<>();
        for (long seg : SegmentFiles.list(env.io(), env.home().logDir())) {
            out.add(env.home().logDir().resolve(SegmentFiles.name(seg)));
        }
        return out;
    }

    /**
     * Every data file (db_archive -s): all of {@code data/}, including databases not opened since
     * the oldest segment, since a backup needs them all.
     */
    public List<Path> dataFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String name : env.io().list(env.home().dataDir())) {
            if (name.endsWith(org.cairndb.storage.DataFile.SUFFIX)) {
                out.add(env.home().dataDir().resolve(name));
            }
        }
        return out;
    }

    /**
     * Removes the segments no longer needed (db_archive -d), re-checking under the checkpoint lock
     * so that no checkpoint or backup starts in between. Returns the removed files.
     */
    public List<Path> removeArchivable() throws IOException {
        return removeArchivable(p -> true);
    }

    /**
     * Like {@link #removeArchivable()}, but only the oldest segments that {@code which} accepts
     * (a failover update removes exactly the segments it has moved into its copy).
     */
    public List<Path> removeArchivable(java.util.function.Predicate<Path> which) throws IOException {
        synchronized (env.checkpointer()) {
            // Not once the close has begun: it removes what its own checkpoint made unneeded, and after
            // it the home is no longer this process's to change (another may have opened it).
            env.checkUsable();
            return removeLocked(which);
        }
    }

    /**
     * The environment's own removal after its checkpoints ({@code cairn.log.autoremove}), the
     * close's included: as {@link #removeArchivable()}, without asking whether the environment is
     * still open.
     */
    public List<Path> removeArchivableAtCheckpoint() throws IOException {
        synchronized (env.checkpointer()) {
            return removeLocked(p -> true);
        }
    }

    /** Removes the oldest archivable segments {@code which} accepts; the caller holds the checkpointer's monitor. */
    private List<Path> removeLocked(java.util.function.Predicate<Path> which) throws IOException {
        List<Path> removed = new ArrayList<>();
        for (SegmentStatus s : segments()) {
            if (!s.archivable() || !which.test(s.path())) {
                break; // keep the chain contiguous: never remove a segment after one that is kept
            }
            env.io().delete(s.path());
            removed.add(s.path());
        }
        if (!removed.isEmpty()) {
            env.io().syncDirectory(env.home().logDir());
        }
        return removed;
    }

    /** Where recovery would start now: the oldest checkpoint LSN among the data files (or the last checkpoint's). */
    public long recoveryStartLsn() {
        long start = Long.MAX_VALUE;
        for (DatabaseImpl db : env.catalog().all()) {
            start = Math.min(start, db.file().header().checkpointLsn());
        }
        long last = env.checkpointer().lastCheckpointStartLsn();
        if (start == Long.MAX_VALUE) {
            start = last != Lsn.NULL ? last : env.log().endLsn();
        }
        return start;
    }
}
