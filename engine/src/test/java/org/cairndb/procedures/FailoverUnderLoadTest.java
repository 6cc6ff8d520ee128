package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.LockTimeoutException;
import org.cairndb.PreparedTransaction;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.Failover;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.cairndb.tools.BackupVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot failover the way a running server keeps it (the engine's {@link Failover}, behind the
 * adapter's MBean and {@code cairn failover}): repeated updates while writers commit, the copy
 * opened after each one. It must be consistent and hold every transfer acknowledged before the
 * update began; transactions prepared (in doubt) in the environment stay prepared in the copy, with
 * their locks, and can be resolved there.
 */
class FailoverUnderLoadTest {

    @TempDir
    Path dir;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void repeatedUpdatesUnderLoadKeepTheCopyReadyToOpen() throws Exception {
        long seed = Seeds.seed("failoverUnderLoad");
        Path home = dir.resolve("env");
        Path failover = dir.resolve("failover");
        EnvironmentConfig cfg = new EnvironmentConfig().cacheSize(32L << 20).logSegmentSize(64 << 10)
                .checkpointKBytes(32).lockTimeout(Duration.ofSeconds(5)).pageReuseDelay(Duration.ZERO);
        byte[] gidCommit = b("gid-to-commit");
        byte[] gidAbort = b("gid-to-roll-back");
        int moved = 0;
        try (Environment env = Environment.open(home, cfg)) {
            TransferWriter.initBank(env, 2000);
            Database xa = env.openDatabase("xa");
            try (TransferWriter w = new TransferWriter(env, 2, seed, 300)) {
                long lastSegment = 0;
                for (int round = 1; round <= 6; round++) {
                    // Enough log between updates that finished segments become unneeded (before round 4's prepares).
                    w.awaitMore(100);
                    while (env.internals().log().currentSegment() < lastSegment + 2) {
                        w.awaitMore(50);
                    }
                    lastSegment = env.internals().log().currentSegment();
                    if (round == 4) {
                        prepare(env, xa, "pending-1", gidCommit);
                        prepare(env, xa, "pending-2", gidAbort);
                    }
                    long[] acknowledged = w.acknowledged();
                    long firstBefore = firstSegment(env);
                    Failover.update(env.internals(), failover, BackupOptions.defaults());
                    moved += firstSegment(env) > firstBefore ? 1 : 0;
                    BackupVerifier.Report verified = new BackupVerifier(failover).verify();
                    assertTrue(verified.ok(), "round " + round + ": " + verified.problems());
                    Path check = dir.resolve("check-" + round);
                    TestSupport.copyTree(failover, check);
                    try (Environment copy = Environment.open(check, cfg.copy().allowCreate(false))) {
                        TransferWriter.assertConsistentAndHolds(copy, acknowledged, "round " + round + ", seed " + seed);
                        assertEquals(round >= 4 ? 2 : 0, copy.preparedTransactions().size(), "round " + round);
                    }
                    TestSupport.deleteTree(check);
                }
            }
            assertTrue(moved > 0, "some update moved segments the environment no longer needed");
            assertEquals(2, env.preparedTransactions().size());
        }
        // Fail over: open the copy itself, as the application would.
        try (Environment copy = Environment.open(failover, cfg.copy().allowCreate(false))) {
            List<PreparedTransaction> prepared = copy.preparedTransactions();
            assertEquals(2, prepared.size());
            Database xa = copy.openDatabase("xa", false);
            assertNull(xa.get(null, b("pending-1")), "a prepared write is not committed");
            try (Transaction t = copy.beginTransaction()) {
                t.setLockTimeout(Duration.ofMillis(100));
                assertThrows(LockTimeoutException.class, () -> xa.getForUpdate(t, b("pending-1")),
                        "a prepared transaction keeps its locks in the copy");
            }
            copy.preparedTransaction(gidCommit).commit();
            copy.preparedTransaction(gidAbort).abort();
            assertArrayEquals(b("prepared"), xa.get(null, b("pending-1")));
            assertNull(xa.get(null, b("pending-2")));
        }
    }

    /**
     * Segments the environment removed between two updates (here as {@code cairn archive -d} does;
     * automatic log removal the same) after archiving them: the next update takes them from the
     * archive. It used to go on from the highest segment in the copy after moving the newly unneeded
     * ones there, so the removed ones were skipped and the copy's recovery stopped at the gap
     * ("log segment … is missing"); found by {@code ChaosTest}.
     */
    @Test
    void anUpdateAfterLogRemovalTakesTheRemovedSegmentsFromTheArchive() throws Exception {
        Path home = dir.resolve("env-removal");
        Path failover = dir.resolve("failover-removal");
        EnvironmentConfig cfg = smallSegments().archiveEnabled(true).archiveDir(dir.resolve("archive"));
        int n = 0;
        try (Environment env = Environment.open(home, cfg)) {
            Database db = env.openDatabase("t");
            n = writeSegments(env, db, n, 2);
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            long copied = env.internals().log().currentSegment();
            // Finished, archived and removed from log/ before the next update.
            n = writeSegments(env, db, n, 3);
            List<Path> removed = removeArchived(env);
            assertTrue(removed.stream().anyMatch(p -> p.getFileName().toString().equals(SegmentFiles.name(copied + 1))),
                    "the segment after the copy's last one was removed: " + removed);
            // More that the update itself moves.
            n = writeSegments(env, db, n, 3);
            awaitArchived(env);
            Failover.update(env.internals(), failover, BackupOptions.defaults());
        }
        assertCopyHolds(failover, n);
    }

    /**
     * The first update moves the archived, unneeded segments into the copy; segments after them
     * that continuous archiving has not stored yet cannot move, but the copy needs them for one
     * unbroken chain. They used to be left out (the copy began again at the recovery start), and
     * verifying the copy failed with "log segment … is missing"; found by {@code ChaosTest}.
     */
    @Test
    void theFirstUpdateCopiesTheSegmentsNotYetArchivedAfterTheMovedOnes() throws Exception {
        Path home = dir.resolve("env-lag");
        Path archive = dir.resolve("archive-lag");
        Path failover = dir.resolve("failover-lag");
        FaultInjectingFileIO io = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch"), 1);
        EnvironmentConfig cfg = smallSegments().archiveEnabled(true).archiveDir(archive).fileIO(io);
        int n = 0;
        try (Environment env = Environment.open(home, cfg)) {
            Database db = env.openDatabase("t");
            n = writeSegments(env, db, n, 3);
            awaitArchived(env);
            long lastArchived = env.internals().archiver().lastArchived();
            io.failWrite(1, p -> p.startsWith(archive), true); // archiving stalls from here on
            n = writeSegments(env, db, n, 3);
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            assertTrue(Files.exists(failover.resolve("log").resolve(SegmentFiles.name(lastArchived))), "moved");
            assertTrue(Files.exists(failover.resolve("log").resolve(SegmentFiles.name(lastArchived + 1))),
                    "the first segment not archived yet is in the copy too");
            io.clearFaults();
        }
        assertCopyHolds(failover, n);
    }

    /**
     * A copy that was opened as an environment and written to (an application failed over to it,
     * or someone wrote to it by mistake) has a history of its own: an update would mix the two logs
     * (it used to, breaking the copy with "zero record length followed by non-zero bytes" and losing
     * what was written there). The update is refused, naming the segment, and changes nothing; a
     * {@code -u} backup update likewise.
     */
    @Test
    void aCopyThatWasOpenedAndWrittenToIsNotUpdated() throws Exception {
        Path home = dir.resolve("env-diverged");
        Path failover = dir.resolve("failover-diverged");
        Path backup = dir.resolve("backup-diverged");
        EnvironmentConfig cfg = smallSegments();
        int copied;
        try (Environment env = Environment.open(home, cfg)) {
            Database db = env.openDatabase("t");
            copied = writeSegments(env, db, 0, 1);
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            for (Path copy : List.of(failover, backup)) {
                try (Environment opened = Environment.open(copy, cfg.copy().allowCreate(false))) {
                    opened.openDatabase("t", false).put(null, b("written-in-the-copy"), b("x"));
                }
            }
            writeSegments(env, db, copied, 1);
            IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                    () -> Failover.update(env.internals(), failover, BackupOptions.defaults()));
            assertTrue(f.getMessage().contains("opened as an environment and written to") && f.getMessage().contains("log."),
                    f.getMessage());
            IllegalArgumentException u = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true)));
            assertTrue(u.getMessage().contains("opened as an environment and written to"), u.getMessage());
        }
        for (Path copy : List.of(failover, backup)) {
            try (Environment opened = Environment.open(copy, cfg.copy().allowCreate(false))) {
                Database db = opened.openDatabase("t", false);
                assertArrayEquals(b("x"), db.get(null, b("written-in-the-copy")), copy + " kept what was written there");
                assertEquals(copied + 1, db.count(), copy + " holds its own history, none of the environment's later writes");
            }
        }
    }

    /**
     * Opening a copy only to look at it checkpoints it (checkpoint records after the environment's
     * bytes): that changes no data, and the next update goes on. So does an update after one that
     * stopped half-way (here: the last segment copied again without a new manifest).
     */
    @Test
    void aCopyOpenedOnlyToLookOrHalfUpdatedIsUpdatedAgain() throws Exception {
        Path home = dir.resolve("env-looked");
        Path failover = dir.resolve("failover-looked");
        EnvironmentConfig cfg = smallSegments();
        int n;
        try (Environment env = Environment.open(home, cfg)) {
            Database db = env.openDatabase("t");
            n = writeSegments(env, db, 0, 1);
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            try (Environment opened = Environment.open(failover, cfg.copy().allowCreate(false))) {
                assertEquals(n, opened.openDatabase("t", false).count());
            }
            n = writeSegments(env, db, n, 1);
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            for (int i = 0; i < 20; i++) {
                db.put(null, b("r" + n), new byte[500]);
                n++;
            }
            String current = SegmentFiles.name(env.internals().log().currentSegment());
            java.nio.file.Files.copy(home.resolve("log").resolve(current), failover.resolve("log").resolve(current),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Failover.update(env.internals(), failover, BackupOptions.defaults());
        }
        assertCopyHolds(failover, n);
    }

    /**
     * An update holds the copy's environment lock while it changes the copy's files: opening the
     * copy meanwhile is refused, naming the update (it used to succeed, and what the application then
     * wrote went into segments the update replaced), and an update of a copy that is open is refused
     * before it changes anything.
     */
    @Test
    void aCopyIsNotOpenedWhileAnUpdateChangesItNorUpdatedWhileOpen() throws Exception {
        Path home = dir.resolve("env-busy");
        Path failover = dir.resolve("failover-busy");
        EnvironmentConfig cfg = smallSegments();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        int n;
        try (Environment env = Environment.open(home, cfg)) {
            Database db = env.openDatabase("t");
            n = writeSegments(env, db, 0, 1);
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            n = writeSegments(env, db, n, 1);
            java.util.concurrent.CountDownLatch copied = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            BackupOptions holding = BackupOptions.defaults().withProgress(p -> {
                if (p.phase().equals("log")) {
                    copied.countDown();
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            });
            java.util.concurrent.Future<?> update = pool.submit(() -> Failover.update(env.internals(), failover, holding));
            try {
                assertTrue(copied.await(30, java.util.concurrent.TimeUnit.SECONDS), "the update copied the log");
                org.cairndb.EnvironmentLockedException e = assertThrows(org.cairndb.EnvironmentLockedException.class,
                        () -> Environment.open(failover, cfg.copy().allowCreate(false)));
                assertTrue(e.getMessage().contains("failover update of " + failover), e.getMessage());
            } finally {
                release.countDown();
            }
            update.get(60, java.util.concurrent.TimeUnit.SECONDS);
            n = writeSegments(env, db, n, 1);
            try (Environment open = Environment.open(failover, cfg.copy().allowCreate(false))) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Failover.update(env.internals(), failover, BackupOptions.defaults()));
                assertTrue(e.getMessage().contains("in use") && e.getMessage().contains("Nothing was changed"), e.getMessage());
            }
            Failover.update(env.internals(), failover, BackupOptions.defaults());
        } finally {
            pool.shutdown();
        }
        assertCopyHolds(failover, n);
    }

    /** 64 KB segments, no background checkpoints: the tests decide when segments fill and checkpoints happen. */
    private static EnvironmentConfig smallSegments() {
        return new EnvironmentConfig().cacheSize(16L << 20).logSegmentSize(64 << 10).checkpointerEnabled(false);
    }

    /** The copy verifies, opens, and holds the {@code n} records written before its last update. */
    private static void assertCopyHolds(Path failover, int n) throws java.io.IOException {
        BackupVerifier.Report verified = new BackupVerifier(failover).verify();
        assertTrue(verified.ok(), verified.problems().toString());
        try (Environment copy = Environment.open(failover, new EnvironmentConfig().allowCreate(false))) {
            assertEquals(n, copy.openDatabase("t", false).count(), "every record written before the last update");
        }
    }

    /** Commits records until {@code segments} more segments have been finished and the data files checkpointed past them. */
    private static int writeSegments(Environment env, Database db, int n, int segments) {
        long until = env.internals().log().currentSegment() + segments;
        while (env.internals().log().currentSegment() < until) {
            db.put(null, b("r" + n), new byte[500]);
            n++;
        }
        env.checkpoint(true);
        return n;
    }


    private static List<Path> removeArchived(Environment env) throws Exception {
        awaitArchived(env);
        return env.internals().logArchive().removeArchivable();
    }

    /** Waits until every finished segment is archived (and so can be moved or removed). */
    private static void awaitArchived(Environment env) throws Exception {
        long last = env.internals().log().currentSegment() - 1;
        TestSupport.awaitTrue(() -> env.internals().archiver().lastArchived() >= last, "segment " + last + " archived");
    }

    private static void prepare(Environment env, Database xa, String key, byte[] gid) {
        Transaction t = env.beginTransaction();
        xa.put(t, b(key), b("prepared"));
        t.prepare(gid);
    }

    private static long firstSegment(Environment env) throws java.io.IOException {
        try (var s = Files.list(env.internals().home().logDir())) {
            return s.map(p -> org.cairndb.log.SegmentFiles.number(p.getFileName().toString())).filter(n -> n > 0)
                    .min(Comparator.naturalOrder()).orElse(0L);
        }
    }
}
