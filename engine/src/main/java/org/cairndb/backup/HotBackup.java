package org.cairndb.backup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.cairndb.CairnException;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryReport;
import org.cairndb.archive.BackupPins;
import org.cairndb.archive.RateLimiter;
import org.cairndb.archive.SegmentCopier;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.log.LogRecordType;
import org.cairndb.log.Lsn;
import org.cairndb.log.RecordFrame;
import org.cairndb.log.SegmentFiles;
import org.cairndb.log.SegmentHeader;
import org.cairndb.log.SegmentReader;
import org.cairndb.txn.Txn;
import org.cairndb.util.RealPaths;

/**
 * A hot backup: a copy of a running environment that catastrophic recovery turns into a consistent
 * environment holding every transaction committed before the backup began (with SYNC, WRITE_NO_SYNC
 * or NO_SYNC: the log buffer is written out first).
 *
 * <h2>Timeline</h2>
 * <ol>
 * <li><b>Lock the target</b> as an open environment locks its home, until the copy is complete, so
 * that no one opens it while its files change (an update of a copy that is open is refused).</li>
 * <li><b>Optional checkpoint</b> ({@code -c}), so that the copy needs less log.</li>
 * <li><b>Pin</b>, under the checkpoint lock so that no checkpoint or log removal is half-way: note
 * where recovery of the data files would start now (S) and pin every log segment from S's segment
 * on (a failover update: from the oldest segment in the log directory, which it moves into its
 * copy), and every data-file page freed from now on. Writers go on committing; checkpoints go on
 * writing data files, but only into pages free before the pin, so every page reachable from any
 * header the copy may read stays as it is.</li>
 * <li><b>Copy the data files</b>, each read front to back: its header first, then pages, which
 * form the version that header names (see {@link org.cairndb.storage.DataFile}). Each copied file
 * needs the log from its header's checkpoint LSN, which is at or after S. The data directory is
 * listed again until a listing finds no file not yet copied, so that no database created during
 * the copy is missed while newer checkpoints move the copy's recovery start past its creation. A
 * file caught blank, in the middle of its creation, is taken again by the next listing.</li>
 * <li><b>Copy the log</b>, from S's segment to the one being written, after the data files: the log
 * must reach at least as far as any data file copy, and every commit acknowledged before step 2
 * is in it. The last segment may end in a half-written record; recovery cuts it off.</li>
 * <li><b>Unpin</b>, and unlock the target.</li>
 * <li><b>Recover the copy</b> (unless {@code --no-recover}): replay the copied log onto the copied
 * data files, without writing to the copied log, so that a later update ({@code -u}) can bring
 * newer copies of the same segments and recover again from where this one stopped.</li>
 * <li><b>Write {@code backup.manifest}</b> last: every file with its size and SHA-256, the LSN range,
 * the times, the prepared transactions. A backup without a manifest is incomplete.</li>
 * </ol>
 *
 * An update ({@code -u}) repeats steps 1 to 3 and 5 to 8 with only the segments from the backup's
 * last one on (that one again, since it may have been copied while it was being written); its pin
 * starts there when that lies before S. Segments the environment no longer had when the update
 * pinned them are taken from its archive directory; if neither has them the update stops and names
 * them. An update keeps the layout the copy has, whatever the options ask. Before changing anything
 * in the target (its permissions included) it checks that the copy's log still holds only this
 * environment's bytes (plus checkpoint records, which opening a copy to look at it adds): a copy
 * that was opened and written to has a history of its own, and is left alone.
 *
 * Closing the environment during steps 3 to 5 stops the copy at its next chunk (an exception that
 * names the copy and the close), and the close waits for that before it releases the home: after
 * the release nothing keeps the pinned pages and segments, which another process may then reuse or
 * remove. The copy is left unfinished, without a manifest.
 */
public final class HotBackup {

    private static final System.Logger LOG = System.getLogger(HotBackup.class.getName());
    private static final long PROGRESS_MILLIS = 3000;

    /** Targets of the backups and failover updates running in this JVM (by absolute, normalized path). */
    private static final java.util.Set<Path> RUNNING = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final EnvironmentImpl env;
    private final Path target;
    private final BackupOptions options;
    private final String owner;
    private final RateLimiter limiter;
    /** This copy's pin while it copies: it is told to stop when the environment closes. */
    private BackupPins.Pin pin;
    private final long t0 = System.currentTimeMillis();
    private final org.cairndb.util.ProgressClock progressClock = new org.cairndb.util.ProgressClock(PROGRESS_MILLIS, t0);
    private int files;
    private long bytes;

    private HotBackup(EnvironmentImpl env, Path target, BackupOptions options, String owner) {
        this.env = env;
        this.target = target.toAbsolutePath().normalize();
        this.options = options;
        this.owner = owner;
        this.limiter = options.maxRateMBps() > 0 ? new RateLimiter(options.maxRateMBps()) : null;
    }

    /** Takes (or with {@code options.update()}, updates) a hot backup of {@code env} in {@code target}. */
    public static BackupResult run(EnvironmentImpl env, Path target, BackupOptions options) throws IOException {
        return new HotBackup(env, target, options, "hot backup to " + target).take(null);
    }

    /** For failover: like {@link #run}, moving the segments the environment no longer needs into the copy. */
    static BackupResult runForFailover(EnvironmentImpl env, Path target, BackupOptions options) throws IOException {
        return new HotBackup(env, target, options, "failover update of " + target).take(new ArrayList<>());
    }

    /**
     * @param moved when not null (failover), segments nothing in the environment needs any more are
     *              moved into the copy rather than copied, and listed here
     */
    private BackupResult take(List<Path> moved) throws IOException {
        env.checkUsable();
        if (!RUNNING.add(target)) {
            throw new IllegalArgumentException("a hot backup or failover update into " + target + " is already running;"
                    + " wait for it to end (two at once would overwrite each other's files)");
        }
        try {
            return takeAlone(moved);
        } finally {
            RUNNING.remove(target);
        }
    }

    private BackupResult takeAlone(List<Path> moved) throws IOException {
        BackupManifest previous = checkTarget(moved != null);
        boolean split = previous != null ? "split".equals(previous.layout()) : options.splitLayout();
        Path dataTarget = split ? target.resolve("data") : target;
        Path logTarget = split ? target.resolve("log") : target;
        // Every refusal comes before the target changes (its permissions included). Taking the copy's
        // lock writes this update's name into its lock file, so a copy that was written to is refused
        // before the lock too, and again under it, in case it was opened and written to in between.
        if (previous != null) {
            checkStillACopy(previous, logTarget);
            requireSegmentsFrom(highestSegment(logTarget, 0), "; nothing was changed");
        } else if (!Files.exists(target)) {
            SegmentCopier.createOwnerOnlyDirectory(target); // a new backup's lock file goes into it
        }
        // Held while the files change: an application opening the copy meanwhile (to fail over) would
        // otherwise write into segments this update replaces. It is refused, naming the update, until
        // the copy's recovery (which takes the lock itself) begins.
        Copied copied;
        try (java.io.Closeable copyLock = EnvironmentImpl.lockDirectory(env.io(), target, owner)) {
            if (previous != null) {
                checkStillACopy(previous, logTarget);
            }
            // Made with the process's umask; the copy is owner-only from its first file on, not only
            // once finished (restrictToOwner at the end covers what the recovery writes).
            SegmentCopier.ownerOnly(org.cairndb.env.EnvironmentHome.detect(target).lockFile());
            SegmentCopier.createOwnerOnlyDirectory(dataTarget);
            SegmentCopier.createOwnerOnlyDirectory(logTarget);
            copied = copy(moved, previous, dataTarget, logTarget);
        } catch (org.cairndb.EnvironmentLockedException e) {
            throw new IllegalArgumentException("cannot " + (previous == null ? "back up into " : "update ") + target + ": "
                    + e.getMessage() + ". Nothing was changed", e);
        }
        RecoveryReport recovery = null;
        if (options.recover()) {
            report("recovery", true);
            // Through the environment's file layer, as every other file of the copy is written.
            recovery = EnvironmentImpl.recoverCopy(target, new EnvironmentConfig().fileIO(env.io())
                    .cacheSize(copyCacheSize(Runtime.getRuntime().maxMemory())).checkpointerEnabled(false));
        }
        report("manifest", true);
        BackupManifest manifest = new BackupManifest(BackupManifest.FORMAT, 1, version(),
                env.environmentId().toString(), env.home().home().toString(), split ? "split" : "flat",
                previous != null ? previous.startedAt() : Instant.ofEpochMilli(t0).toString(), Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString(),
                previous != null ? previous.startLsn() : Lsn.toString(copied.startLsn()), Lsn.toString(copied.endLsn()),
                options.recover(), lastCommit(recovery, previous), copied.prepared(), BackupManifest.describeFiles(target));
        manifest.write(env.io(), target);
        EnvironmentImpl.copyFinished(env.io(), target);
        SegmentCopier.restrictToOwner(target);
        if (moved != null && !moved.isEmpty()) {
            // Failover: the segments copied into the copy leave the environment only now that the
            // copy is complete. Removed as soon as they were copied, an update that then stopped (a
            // full disk, an I/O error) left them only in a directory that, after a first update, is
            // no failover copy and is to be moved away or emptied: without an archive the
            // environment's log history was lost with it.
            // The environment closed meanwhile (the copy is complete all the same): they stay, and the
            // next update finds them in the copy already and moves them then.
            List<Path> removed;
            synchronized (env.checkpointer()) {
                removed = env.isClosed() ? List.of() : env.logArchive().removeArchivable(moved::contains);
            }
            LOG.log(System.Logger.Level.DEBUG, () -> owner + ": moved " + removed.size() + " unneeded segments");
        }
        report("done", true);
        return new BackupResult(manifest, files, bytes, System.currentTimeMillis() - t0, recovery);
    }

    /**
     * The last commit the copy holds, as its recovery reported it (replayed, or named by the data
     * files' checkpoint); when that is unknown (data files from before their header named it), for
     * an update, the one the backup held before. Unknown (null) without recovery.
     */
    private BackupManifest.LastCommit lastCommit(RecoveryReport recovery, BackupManifest previous) {
        if (recovery == null) {
            return null;
        }
        if (recovery.lastCommitTime() != null) {
            return new BackupManifest.LastCommit(recovery.lastCommitTxnId(), recovery.lastCommitTime().toString());
        }
        return previous != null && previous.recovered() ? previous.lastCommit() : null;
    }

    /** What the copy phase took: the log range and the transactions prepared when it began. */
    private record Copied(long startLsn, long endLsn, List<BackupManifest.Prepared> prepared) {
    }

    /** Steps 2 to 6 of the timeline: checkpoint (-c), pin, copy the data files (a new backup) and the log, unpin. */
    private Copied copy(List<Path> moved, BackupManifest previous, Path dataTarget, Path logTarget) throws IOException {
        if (options.checkpointFirst()) {
            env.checkpoint(true, "backup");
        }
        List<BackupManifest.Prepared> prepared = new ArrayList<>();
        for (Txn t : env.txns().preparedTransactions()) {
            prepared.add(new BackupManifest.Prepared(t.id(), HexFormat.of().formatHex(t.globalId()),
                    Instant.ofEpochMilli(t.prepareMillis()).toString()));
        }
        // Commits acknowledged with WRITE_NO_SYNC or NO_SYNC may still be in the log buffer: written
        // (and forced) now, they are in the log the copy takes.
        try {
            env.log().syncAll();
        } catch (IOException e) {
            // The log stops at its first failed write or force; the environment with it, at once, as
            // after a failed commit or checkpoint (it went on reporting nothing until a commit met it).
            throw env.fail("cannot write the log out before the " + owner, e);
        }
        // An update goes on from the last segment the copy has (copied while it was being written),
        // looked up before moving: the environment may have removed segments after that one that the
        // move cannot bring (automatic log removal, cairn archive -d), which come from the archive.
        long copysLast = previous == null ? 0 : highestSegment(logTarget, 0);
        if (moved != null) {
            archiveFinished();
        }
        long startLsn;
        long firstNeeded;
        synchronized (env.checkpointer()) {
            // Not once the close has begun: it would release the home while the copy pinned it.
            env.checkUsable();
            startLsn = env.logArchive().recoveryStartLsn();
            firstNeeded = copysLast > 0 ? copysLast : Lsn.segment(startLsn);
            // From the copy's last segment too when that lies before the recovery start: log removal
            // during the copy took those segments, and the update failed for want of them.
            long pinFrom = Math.min(firstNeeded, Lsn.segment(startLsn));
            if (moved != null) {
                // A failover update moves the segments nothing else needs into its copy, the oldest in
                // the log directory first: they are its until then. Pinned only from the recovery
                // start, other removers (automatic removal, cairn archive -d) took those it had not
                // copied yet, and without an archive the update failed for want of them.
                List<Long> inLog = SegmentFiles.list(env.io(), env.home().logDir());
                if (!inLog.isEmpty()) {
                    pinFrom = Math.min(pinFrom, inLog.get(0));
                }
            }
            this.pin = env.backupPins().pin(pinFrom, owner);
        }
        long endLsn;
        try {
            if (previous != null) {
                // Again, now that they are pinned: one may have been removed since the first look.
                requireSegmentsFrom(firstNeeded, "; the copy's files were not changed");
            }
            if (previous == null) {
                copyDataFiles(dataTarget);
            }
            copyConfiguration();
            if (moved != null) {
                moveUnneededSegments(logTarget, moved, pin);
                if (!moved.isEmpty()) {
                    // The copy must hold one chain: the segments between the last one moved and the
                    // copy's log (or, in a first update, the recovery start) are copied too. They are
                    // not archived yet, so not movable: with archiving behind, an earlier update began
                    // the copy's log above them, and this one moves older segments in below it.
                    long afterMoved = SegmentFiles.number(moved.get(moved.size() - 1).getFileName().toString()) + 1;
                    if (previous == null) {
                        firstNeeded = Math.min(firstNeeded, afterMoved);
                    } else {
                        copyMissing(afterMoved, firstNeeded, logTarget);
                    }
                }
            }
            endLsn = env.log().durableLsn();
            copySegments(firstNeeded, logTarget, moved == null ? List.of() : moved);
        } finally {
            pin.close();
        }
        return new Copied(startLsn, endLsn, prepared);
    }

    /**
     * Failover: with continuous archiving, only archived segments are unneeded, and after an open the
     * archiver learns which ones are in a background pass (it compares each finished segment with the
     * archive's copy). An update started right after the open (cairn failover) moved only the
     * segments that pass had reached, a few dozen of a hundred archived ones, and left the rest in
     * the environment although cairn archive listed them as no longer needed. A pass run here first
     * settles them, as cairn archive -d does. An archive that refuses or fails leaves its segments
     * unarchived and so in the environment, as before; its status says why.
     */
    private void archiveFinished() {
        org.cairndb.archive.ContinuousArchiver archiver = env.archiver();
        if (archiver == null) {
            return;
        }
        try {
            archiver.archiveFinished();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.INFO, owner + ": continuous archiving did not finish (" + e.getMessage()
                    + "); the segments it has not archived stay in the environment");
        }
    }

    /** Checks the target; returns the existing manifest for an update, null for a new backup. */
    private BackupManifest checkTarget(boolean failover) throws IOException {
        BackupManifest m = checkTarget(env.home(), env.archiveDirectory(), target, options.update(), failover);
        if (m != null && !m.environmentId().equals(env.environmentId().toString())) {
            throw new IllegalArgumentException("cannot update " + target + ": it is a backup of environment "
                    + m.environmentId() + ", not of this one (" + env.environmentId() + ")");
        }
        return m;
    }

    /**
     * Refuses a target no backup (or, with {@code failover}, failover update) of the environment in
     * {@code envHome} may use: the environment's own files or archive directory, a plain file, a
     * directory holding other files, an update of a directory without a manifest. It needs only the
     * home's layout and archive directory, so a command checks the target before it opens the
     * environment, whose recovery and lock would otherwise change the home for a command that is
     * then refused. Returns the existing manifest for an update (whose environment the caller
     * checks), null for a new backup.
     */
    public static BackupManifest checkTarget(EnvironmentHome envHome, Path archiveDirectory, Path target,
            boolean update, boolean failover) throws IOException {
        Path home = envHome.home();
        // Compared by real path: a home or target spelled through a symbolic link (/srv/store linking
        // to /data/store) must not slip a backup into the environment's log/, data/ or archive.
        Path realTarget = RealPaths.of(target);
        Path realHome = RealPaths.of(home);
        if (realTarget.equals(realHome) || realTarget.startsWith(RealPaths.of(envHome.dataDir()))
                || realTarget.startsWith(RealPaths.of(envHome.logDir()))) {
            throw new IllegalArgumentException("backup target " + target + " lies inside the environment's own files ("
                    + home + "); choose a directory elsewhere");
        }
        Path archive = archiveDirectory.toAbsolutePath().normalize();
        if (realTarget.startsWith(RealPaths.of(archive))) {
            // The archive holds finished segments under their own names; a backup there would put
            // copies of unfinished ones beside them, which the archiver then refuses as different.
            throw new IllegalArgumentException("backup target " + target + " lies inside the log archive directory ("
                    + archive + "); choose a directory elsewhere");
        }
        if (!update) {
            if (Files.isDirectory(target)) {
                try (Stream<Path> s = Files.list(target)) {
                    // The lock file alone is what a backup that stopped before copying anything leaves.
                    if (s.anyMatch(p -> !p.getFileName().toString().equals(org.cairndb.env.EnvironmentHome.LOCK_FILE))) {
                        if (failover) {
                            throw new IllegalArgumentException("failover directory " + target + " is not empty but holds no "
                                    + BackupManifest.FILE_NAME + ": the first update into it did not finish (or it is not a"
                                    + " failover copy); move it away or empty it, then update again. Nothing was changed");
                        }
                        // Only a directory with a manifest can be updated: one without (a backup that stopped
                        // half-way) sent to -u would only be refused again there.
                        if (BackupManifest.read(target) == null) {
                            throw new IllegalArgumentException("backup target " + target + " is not empty and holds no "
                                    + BackupManifest.FILE_NAME + " (an unfinished backup, or other files), so it can be"
                                    + " neither used nor updated; give an empty or new directory, or move it away or empty"
                                    + " it first. Nothing was changed");
                        }
                        throw new IllegalArgumentException("backup target " + target + " is not empty; give an empty or new"
                                + " directory, or update the backup there with -u");
                    }
                }
            } else if (Files.exists(target)) {
                throw new IllegalArgumentException("backup target " + target + " is not a directory");
            }
            return null;
        }
        if (!Files.exists(target)) {
            throw new IllegalArgumentException("cannot update " + target + ": it does not exist; take a full backup there"
                    + " (without -u)");
        }
        BackupManifest m = readForUpdate(target);
        if (m == null) {
            // "Take a full backup instead" sent the admin to a full backup into the same directory,
            // which is refused in turn when it holds files (an interrupted backup): say where it can go.
            if (!Files.isDirectory(target)) {
                throw new IllegalArgumentException("cannot update " + target + ": it is not a directory, let alone a"
                        + " backup; give the backup's directory");
            }
            boolean empty;
            try (Stream<Path> s = Files.list(target)) {
                empty = s.allMatch(p -> p.getFileName().toString().equals(org.cairndb.env.EnvironmentHome.LOCK_FILE));
            }
            throw new IllegalArgumentException("cannot update " + target + ": it holds no " + BackupManifest.FILE_NAME
                    + " (not a complete backup); " + (empty ? "take a full backup there (without -u)"
                    : "take a full backup into an empty or new directory (move this one away or empty it first)"));
        }
        return m;
    }

    /**
     * The manifest of the backup or failover copy in {@code target}, or null if it has none. One that
     * cannot be read is a refusal before anything changes, not an I/O failure: reported as an I/O
     * failure, the commands said the update had stopped half-way and should be run again (it fails
     * the same way) or, for failover, that the copy (the environment's log archive) be removed.
     */
    static BackupManifest readForUpdate(Path target) {
        try {
            return BackupManifest.read(target);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot update " + target.toAbsolutePath().normalize() + ": "
                    + e.getMessage() + ". Check it with cairn verifybackup; if the files are whole, restore the manifest"
                    + " from a copy, otherwise take a new backup into another directory (keep this one: for a failover"
                    + " copy, it holds the log the environment gave away). Nothing was changed", e);
        }
    }

    /**
     * Copies every data file, listing the data directory again after each round until a listing
     * finds nothing new. Why the last listing matters: recovery of the copy starts at the oldest
     * checkpoint LSN among the copied files' headers. A database created while the files are copied
     * may be missed by the first listing while files copied later already carry a checkpoint taken
     * after its creation; recovery would then start after its DATABASE_CREATE and find writes to a
     * database it knows nothing of. Every file copied before a listing that finds nothing new has a
     * header older than anything logged after that listing, so a database created after it is
     * created again by the replay. Listings hold the catalog's lock, under which a database's
     * DATABASE_CREATE and its file appear together.
     */
    private void copyDataFiles(Path dataTarget) throws IOException {
        java.util.Set<Path> copied = new java.util.HashSet<>();
        while (true) {
            List<Path> fresh = new ArrayList<>();
            env.catalog().lock().readLock().lock();
            try {
                for (Path f : env.logArchive().dataFiles()) {
                    if (!copied.contains(f)) {
                        fresh.add(f);
                    }
                }
            } finally {
                env.catalog().lock().readLock().unlock();
            }
            if (fresh.isEmpty()) {
                report("data files", true);
                return;
            }
            for (Path f : fresh) {
                pin.pause(0);
                copied.add(f);
                try {
                    Path to = dataTarget.resolve(f.getFileName());
                    bytes += SegmentCopier.copyReplacing(env.io(), f, to, this::paced);
                    if (caughtMidCreation(f, to)) {
                        // Blank: the database was created again under this name (or for the first
                        // time) while the copy opened its file, before its header was written. Kept,
                        // a checkpoint before the next file's copy put the copy's recovery start past
                        // the creation, and its recovery refused the blank file as damaged. The next
                        // listing takes the finished file (or none, if it was removed again).
                        copied.remove(f);
                        env.io().delete(to);
                        LOG.log(System.Logger.Level.INFO, owner + ": " + f.getFileName() + " was being created as it was"
                                + " copied; it is copied again");
                    } else {
                        files++;
                    }
                } catch (java.nio.file.NoSuchFileException e) {
                    // Removed while we copied: its DATABASE_REMOVE is in the log the copy replays.
                    // Not counted as copied: a database created again under the same name must be
                    // taken by a later listing. Left out, a checkpoint before the next file's copy put
                    // the copy's recovery start past the re-creation, and that recovery met writes to
                    // a database it had no file of.
                    copied.remove(f);
                    LOG.log(System.Logger.Level.INFO, owner + ": " + f.getFileName() + " was removed during the backup");
                }
                report("data files", false);
            }
        }
    }

    /**
     * True if the copy {@code copy} of {@code source} is a creation not yet finished (see {@link
     * org.cairndb.storage.DataFile#isUnfinishedCreation}) while the file is now finished, or gone.
     * A creation holds the catalog's lock from its DATABASE_CREATE until its header is written, so
     * once this holds the lock, any creation the copy caught has ended. A file blank even then
     * (an environment opened only to look at it keeps a blank file that its recovery made anew in
     * memory) is copied as it is.
     */
    private boolean caughtMidCreation(Path source, Path copy) throws IOException {
        try (org.cairndb.io.StorageFile c = env.io().open(copy, false, false)) {
            if (!org.cairndb.storage.DataFile.isUnfinishedCreation(c)) {
                return false;
            }
        }
        env.catalog().lock().readLock().lock();
        try (org.cairndb.io.StorageFile s = env.io().open(source, false, false)) {
            return !org.cairndb.storage.DataFile.isUnfinishedCreation(s);
        } catch (java.nio.file.NoSuchFileException removedAgain) {
            return true;
        } finally {
            env.catalog().lock().readLock().unlock();
        }
    }

    /** The environment's settings go with it, so that a restore behaves like the original. */
    private void copyConfiguration() throws IOException {
        Path props = env.home().home().resolve(EnvironmentConfig.PROPERTIES_FILE);
        if (Files.isRegularFile(props)) {
            bytes += SegmentCopier.copyReplacing(env.io(), props, target.resolve(EnvironmentConfig.PROPERTIES_FILE), null);
            files++;
        }
    }

    /**
     * Refuses to update a copy whose log holds records the environment's log does not have: it was
     * opened as an environment and written to since its last update (after a failover, it is the
     * application's environment now), or it is a copy of another history. An update would mix the
     * two logs and break it. Only the segments from the copy's last update on can differ; each must
     * hold the environment's bytes of that segment (from the log directory or the archive), except
     * for checkpoint records appended after them: opening a copy to look at it checkpoints it, and
     * that changes no data (its recovery start is a record boundary of the environment's log too).
     * A copy whose last update stopped half-way passes: it holds only the environment's bytes.
     */
    private void checkStillACopy(BackupManifest previous, Path logTarget) throws IOException {
        long from = Lsn.segment(Lsn.parse(previous.endLsn()));
        for (long seg : SegmentFiles.list(env.io(), logTarget)) {
            if (seg < from) {
                continue;
            }
            String name = SegmentFiles.name(seg);
            Path copy = logTarget.resolve(name);
            Path ours = null;
            long diff = -1;
            for (Path source : sources(name)) {
                try {
                    diff = SegmentCopier.firstDifference(env.io(), source, copy);
                    ours = source;
                    break;
                } catch (java.nio.file.NoSuchFileException gone) {
                    // Not there, or removed since (log removal runs beside an update until its pin):
                    // the next source (the archive), else gone from both, below.
                }
            }
            String problem;
            if (ours != null) {
                problem = diff < 0 ? null : writtenSince(ours, copy, seg, diff);
            } else {
                // Gone from both after it was finished (its copy was compared when it was made), or never written here.
                problem = seg < env.log().currentSegment() ? null : "this environment has no segment of that number yet";
            }
            if (problem != null) {
                throw new IllegalArgumentException("cannot update " + target + ": its log segment " + name + " differs from"
                        + " this environment's (" + problem + "), so it was opened as an environment and written to since its"
                        + " last update, or it is a copy of another history; updating would mix the two logs. If the"
                        + " application failed over to it, it is an environment of its own now; otherwise move it away and"
                        + " update into an empty directory. Nothing was changed");
            }
        }
    }

    /**
     * Null if what differs in the copy's segment from offset {@code diff} on is checkpoint records
     * only (bytes after its last valid record must again be the environment's); else what is there.
     */
    private String writtenSince(Path ours, Path copy, long seg, long diff) throws IOException {
        // Only each record's type and place are looked at: a large one (a transaction of several
        // 16 MiB values written in the copy) is checked a piece at a time, not held whole.
        try (SegmentReader r = SegmentReader.open(env.io(), copy, seg).holdingRecordsUpTo(SegmentReader.PIECE)) {
            if (r.header() == null || diff < SegmentHeader.SIZE) {
                return "another segment header";
            }
            SegmentReader.Stop stop;
            while ((stop = r.next()) == SegmentReader.Stop.RECORD) {
                RecordFrame f = r.frame();
                if (Lsn.offset(f.endLsn()) > diff && f.type() != LogRecordType.CHECKPOINT) {
                    return "a " + f.type() + " record at offset " + Lsn.offset(f.lsn());
                }
            }
            if (stop == SegmentReader.Stop.CLEAN_END) {
                return null;
            }
            // After the copy's last whole record: the environment's bytes, or zeros where the copy
            // was read before a write reached them (the log's last segment is copied while it is
            // written, and may end in a record caught half-written).
            long end = Math.max(r.offset(), diff);
            return SegmentCopier.firstForeignByte(env.io(), ours, copy, end) < 0 ? null
                    : "bytes that are no record at offset " + r.offset();
        }
    }

    /** The highest segment already in the copy (its last segment is copied again), or {@code fallback}. */
    private static long highestSegment(Path logTarget, long fallback) throws IOException {
        long high = 0;
        try (Stream<Path> s = Files.list(logTarget)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                high = Math.max(high, SegmentFiles.number(p.getFileName().toString()));
            }
        }
        return high > 0 ? high : fallback;
    }

    /** Copies the finished segments from {@code first} to before {@code end} that {@code logTarget} lacks. */
    private void copyMissing(long first, long end, Path logTarget) throws IOException {
        for (long seg = first; seg < end; seg++) {
            String name = SegmentFiles.name(seg);
            if (!Files.exists(logTarget.resolve(name))) {
                copySegment(name, logTarget.resolve(name), true);
            }
        }
    }

    /**
     * Copies segments {@code first} up to the one being written; takes missing ones from the archive.
     * Segments just moved into the copy (failover) are whole there already and are skipped.
     */
    private void copySegments(long first, Path logTarget, List<Path> moved) throws IOException {
        long current = env.log().currentSegment();
        for (long seg = first; seg <= current; seg++) {
            String name = SegmentFiles.name(seg);
            if (!movedHere(moved, name)) {
                copySegment(name, logTarget.resolve(name), seg < current);
            }
        }
        report("log", true);
    }

    /**
     * Copies one segment from the log directory or, when it is not there, from the archive. Log
     * removal takes only archived segments, so one removed between the look and the open (segments
     * before the backup's pin are not held) is found in the archive on the second try.
     */
    private void copySegment(String name, Path to, boolean finished) throws IOException {
        pin.pause(0);
        for (Path from : sources(name)) {
            if (!Files.exists(from)) {
                continue;
            }
            try {
                if (finished && Files.exists(to) && SegmentCopier.identical(env.io(), from, to)) {
                    return;
                }
                bytes += SegmentCopier.copyReplacing(env.io(), from, to, this::paced);
            } catch (java.nio.file.NoSuchFileException removedMeanwhile) {
                continue;
            }
            files++;
            report("log", false);
            return;
        }
        throw segmentGone(name, "");
    }

    /**
     * An update needs every segment from the copy's last one on; one that neither the log
     * directory nor the archive holds ends it before the copy's files change, instead of half-way
     * through, with some of its segments replaced by newer ones and its manifest out of date. Looked
     * at before the copy is locked (so that the refusal changes nothing) and again once the
     * segments are pinned: from then on those in the log directory stay, and removal takes only
     * archived ones.
     */
    private void requireSegmentsFrom(long first, String changed) {
        long current = env.log().currentSegment();
        for (long seg = first; seg < current; seg++) {
            String name = SegmentFiles.name(seg);
            if (sources(name).stream().noneMatch(Files::exists)) {
                throw segmentGone(name, changed);
            }
        }
    }

    /** {@code changed} empty: the copy was changing when the segment was missed; otherwise a refusal before any change. */
    private CairnException segmentGone(String name, String changed) {
        String message = "log segment " + name + " is needed by the backup in " + target + " but is neither in "
                + env.home().logDir() + " nor in the archive " + env.archiveDirectory() + changed + "; take a new full"
                + " backup (for a failover copy: update into a new, empty directory)";
        return changed.isEmpty() ? new CairnException(message) : new UpdateRefusedException(message);
    }

    /** Where the environment's segment {@code name} may be: its log directory, then its archive. */
    private List<Path> sources(String name) {
        return List.of(env.home().logDir().resolve(name), env.archiveDirectory().resolve(name));
    }

    private static boolean movedHere(List<Path> moved, String name) {
        for (Path p : moved) {
            if (p.getFileName().toString().equals(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Failover step 2: segments the environment no longer needs go into the copy; they leave the
     * environment once the update is complete (see {@link #takeAlone}). The update's own pin does
     * not count: it keeps them from other removers until they are in the copy.
     */
    private void moveUnneededSegments(Path logTarget, List<Path> moved, BackupPins.Pin pin) throws IOException {
        for (Path p : env.logArchive().archivableBesides(pin)) {
            copySegment(p.getFileName().toString(), logTarget.resolve(p.getFileName()), true);
            moved.add(p);
        }
    }

    /**
     * After each chunk the copy wrote: waits as {@code --max-rate} asks, and stops the copy (with an
     * exception naming it) when the environment is closing, whose home it must not read on from.
     */
    private void paced(long n) {
        pin.pause(limiter == null ? 0 : limiter.delayNanos(n));
    }

    private void report(String phase, boolean always) {
        if (!progressClock.due(always)) {
            return;
        }
        BackupProgress p = new BackupProgress(phase, files, bytes, progressClock.elapsedMillis());
        LOG.log(System.Logger.Level.INFO, owner + ": " + p);
        if (options.progress() != null) {
            options.progress().accept(p);
        }
    }

    static String version() {
        String v = HotBackup.class.getPackage().getImplementationVersion();
        return v != null ? v : "development";
    }

    /**
     * The cache of the copy's recovery: 64 MiB, but no more than an eighth of the heap (and at least
     * 4 MiB). It runs beside the environment's own cache (a quarter of the heap by default) and
     * replays up to half of it before writing pages out; a fixed 64 MiB took a 64 MB heap whole,
     * so that updating a backup of the smallest records ran out of memory where the environment
     * itself recovered in a heap of that size.
     */
    static long copyCacheSize(long maxHeap) {
        return Math.max(4L << 20, Math.min(64L << 20, maxHeap / 8));
    }
}
