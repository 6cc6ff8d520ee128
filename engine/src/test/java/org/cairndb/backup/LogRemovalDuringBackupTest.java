package org.cairndb.backup;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.backup.HotBackupTest.Writer;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.PausingFileIO;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Log removal ({@code cairn archive -d}, automatic removal, the adapter's MBean: all
 * {@code LogArchive.removeArchivable}) while a backup or failover update copies, held at a chosen
 * point by the file layer. Every segment the copy needs from its pin on stays; one removed before
 * the pin comes from the archive. Each copy completes, verifies, and recovers holding every commit
 * acknowledged before it began.
 */
class LogRemovalDuringBackupTest {

    @TempDir
    Path dir;

    private final PausingFileIO io = new PausingFileIO(NioFileIO.INSTANCE);
    private final ExecutorService pool = Executors.newSingleThreadExecutor();

    @AfterEach
    void stop() {
        io.release();
        pool.shutdownNow();
    }

    /** The copy of a log segment, the first thing a backup writes after it pinned what it needs. */
    private static boolean segmentCopyInto(Path target, Path p) {
        String name = p.getFileName().toString();
        return p.startsWith(target) && name.startsWith(SegmentFiles.PREFIX) && name.endsWith(".copying");
    }

    private static long lastSegmentIn(Path logDir) throws IOException {
        List<Long> segments = SegmentFiles.list(NioFileIO.INSTANCE, logDir);
        return segments.get(segments.size() - 1);
    }

    private static long recoveryStartSegment(Environment env) {
        return Lsn.segment(env.internals().logArchive().recoveryStartLsn());
    }

    /** What {@code cairn archive -d} does, while {@code backup} is held; returns the numbers of the removed segments. */
    private List<Long> removeWhileHeld(Environment env, Future<?> backup) throws Exception {
        assertTrue(io.awaitPaused(30), "the backup reached the pause");
        assertFalse(backup.isDone());
        return env.internals().logArchive().removeArchivable().stream()
                .map(p -> SegmentFiles.number(p.getFileName().toString())).toList();
    }

    private static void assertAllBelow(List<Long> removed, long segment) {
        assertTrue(removed.stream().allMatch(s -> s < segment), "removed " + removed + ", but the copy needs "
                + SegmentFiles.name(segment) + " and after");
    }

    /** A first backup: log removal while it copies takes only segments before its pin. */
    @Test
    void aBackupKeepsTheSegmentsItPinned() throws Exception {
        Path backup = dir.resolve("backup");
        long acked;
        try (Environment env = Environment.open(dir.resolve("env"), HotBackupTest.cfg().fileIO(io));
                Writer w = new Writer(env, 0)) {
            w.awaitAcked(2500);
            env.checkpoint(true);
            acked = w.acked();
            io.pauseAtOpen(p -> segmentCopyInto(backup, p));
            Future<?> run = pool.submit(() -> HotBackup.run(env.internals(), backup, BackupOptions.defaults()));
            assertTrue(io.awaitPaused(30), "the backup reached the pause");
            long pinned = env.internals().backupPins().oldestSegment();
            w.awaitAcked(w.acked() + 2500);
            env.checkpoint(true); // the recovery start passes the pin: only the pin keeps those segments now
            assertTrue(recoveryStartSegment(env) > pinned);
            List<Long> removed = removeWhileHeld(env, run);
            assertAllBelow(removed, pinned);
            io.release();
            run.get(60, TimeUnit.SECONDS);
        }
        HotBackupTest.assertVerifiesAndRecoversHolding(backup, acked);
    }

    /**
     * An update goes on from the last segment its copy holds, which may lie before the recovery
     * start. Those segments were not pinned: log removal while the update copied took them, and the
     * update failed ("needed by the backup ... neither in ... nor in the archive").
     */
    @Test
    void anUpdateKeepsTheSegmentsFromItsCopysLastOne() throws Exception {
        Path backup = dir.resolve("backup");
        long acked;
        try (Environment env = Environment.open(dir.resolve("env"), HotBackupTest.cfg().fileIO(io));
                Writer w = new Writer(env, 0)) {
            w.awaitAcked(500);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            long copysLast = lastSegmentIn(backup);
            w.awaitAcked(w.acked() + 3500);
            env.checkpoint(true);
            assertTrue(recoveryStartSegment(env) >= copysLast + 2, "segments between the copy and the recovery start");
            acked = w.acked();
            io.pauseAtOpen(p -> segmentCopyInto(backup, p));
            Future<?> run = pool.submit(() -> HotBackup.run(env.internals(), backup,
                    BackupOptions.defaults().withUpdate(true)));
            assertAllBelow(removeWhileHeld(env, run), copysLast);
            io.release();
            run.get(60, TimeUnit.SECONDS);
        }
        HotBackupTest.assertVerifiesAndRecoversHolding(backup, acked);
    }

    /**
     * A failover update moves the segments from its copy's last one to the recovery start into the
     * copy itself: log removal meanwhile must leave them to it (it used to take them, and the update
     * failed as above), and they leave the environment when the update is complete.
     */
    @Test
    void aFailoverUpdateKeepsTheSegmentsItMoves() throws Exception {
        Path home = dir.resolve("env");
        Path copy = dir.resolve("failover");
        long acked;
        try (Environment env = Environment.open(home, HotBackupTest.cfg().fileIO(io)); Writer w = new Writer(env, 0)) {
            w.awaitAcked(500);
            Failover.update(env.internals(), copy, BackupOptions.defaults());
            long copysLast = lastSegmentIn(copy.resolve("log"));
            w.awaitAcked(w.acked() + 3500);
            env.checkpoint(true);
            long start = recoveryStartSegment(env);
            assertTrue(start >= copysLast + 2, "segments between the copy and the recovery start");
            acked = w.acked();
            io.pauseAtOpen(p -> segmentCopyInto(copy, p));
            Future<?> run = pool.submit(() -> Failover.update(env.internals(), copy, BackupOptions.defaults()));
            assertAllBelow(removeWhileHeld(env, run), copysLast);
            io.release();
            run.get(60, TimeUnit.SECONDS);
            assertTrue(SegmentFiles.list(NioFileIO.INSTANCE, home.resolve("log")).stream().allMatch(s -> s >= start),
                    "the segments before the recovery start were moved into the copy");
        }
        HotBackupTest.assertVerifiesAndRecoversHolding(copy, acked);
    }

    /**
     * A first failover update moves every segment the environment no longer needs into the copy,
     * from the oldest one in its log directory, below the recovery start it pins from. Without an
     * archive, log removal meanwhile took the ones it had not copied yet, and the update failed
     * ("log segment ... is needed by the backup ... but is neither in ... nor in the archive ...; take
     * a new full backup"): its pin began at the recovery start, so it kept none of the segments it
     * was moving from other removers. They are its to move: removal leaves them, and they leave the
     * environment once the copy is complete.
     */
    @Test
    void aFirstFailoverUpdateKeepsTheSegmentsItMovesFromOtherRemovers() throws Exception {
        Path home = dir.resolve("env");
        Path copy = dir.resolve("failover");
        long acked;
        try (Environment env = Environment.open(home, HotBackupTest.cfg().fileIO(io)); Writer w = new Writer(env, 0)) {
            w.awaitAcked(3500);
            env.checkpoint(true);
            long start = recoveryStartSegment(env);
            assertTrue(start >= 3, "at least two segments no longer needed, before the recovery start");
            acked = w.acked();
            io.pauseAtOpen(p -> segmentCopyInto(copy, p));
            Future<?> run = pool.submit(() -> Failover.update(env.internals(), copy, BackupOptions.defaults()));
            List<Long> removed = removeWhileHeld(env, run);
            assertTrue(removed.isEmpty(), "removed " + removed + ", which the update is moving into its copy");
            io.release();
            run.get(60, TimeUnit.SECONDS);
            assertTrue(SegmentFiles.list(NioFileIO.INSTANCE, home.resolve("log")).stream().allMatch(s -> s >= start),
                    "the segments before the recovery start were moved into the copy");
            assertTrue(SegmentFiles.list(NioFileIO.INSTANCE, copy.resolve("log")).contains(1L), "the copy holds the first segment");
        }
        HotBackupTest.assertVerifiesAndRecoversHolding(copy, acked);
    }

    /**
     * With continuous archiving, removal may take the copy's last segment and those after it just
     * before an update pins them (here: while it locks its copy). The update takes them from the
     * archive.
     */
    @Test
    void segmentsRemovedAsAnUpdateBeginsComeFromTheArchive() throws Exception {
        Path backup = dir.resolve("backup");
        EnvironmentConfig cfg = HotBackupTest.cfg().fileIO(io).archiveEnabled(true).archiveDir(dir.resolve("archive"));
        long acked;
        try (Environment env = Environment.open(dir.resolve("env"), cfg); Writer w = new Writer(env, 0)) {
            w.awaitAcked(500);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            long copysLast = lastSegmentIn(backup);
            w.awaitAcked(w.acked() + 3500);
            env.checkpoint(true);
            long finished = env.internals().log().currentSegment() - 1;
            TestSupport.awaitTrue(() -> env.internals().archiver().lastArchived() >= finished, "segments archived");
            acked = w.acked();
            io.pauseAtOpen(p -> p.equals(backup.resolve("cairn.lock")));
            Future<?> run = pool.submit(() -> HotBackup.run(env.internals(), backup,
                    BackupOptions.defaults().withUpdate(true)));
            List<Long> removed = removeWhileHeld(env, run);
            assertTrue(removed.contains(copysLast) && removed.contains(copysLast + 1), "removed " + removed);
            io.release();
            run.get(60, TimeUnit.SECONDS);
        }
        HotBackupTest.assertVerifiesAndRecoversHolding(backup, acked);
    }
}
