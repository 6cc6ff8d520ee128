package org.cairndb.backup;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hot backups under a running writer, updates, restores, point-in-time recovery and failover. */
class HotBackupTest {

    @TempDir
    Path dir;

    static EnvironmentConfig cfg() {
        return TestSupport.config().logSegmentSize(256 << 10);
    }

    /** A writer committing numbered keys until stopped; {@link #acked()} is the highest committed. */
    static final class Writer implements AutoCloseable {
        final AtomicLong acked = new AtomicLong(-1);
        final AtomicBoolean stop = new AtomicBoolean();
        final Thread thread;

        Writer(Environment env, long from) {
            Database db = env.openDatabase("t");
            thread = new Thread(() -> {
                for (long i = from; !stop.get(); i++) {
                    try (Transaction t = env.beginTransaction()) {
                        db.put(t, b(String.format("k%08d", i)), new byte[300]);
                        t.commit();
                    }
                    acked.set(i);
                }
            });
            thread.start();
        }

        long acked() {
            return acked.get();
        }

        void awaitAcked(long n) throws InterruptedException {
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (acked.get() < n) {
                assertTrue(System.nanoTime() < deadline, "writer stuck at " + acked.get());
                Thread.sleep(1);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            thread.join();
        }
    }

    static void assertHoldsAtLeast(Path home, long upTo) {
        try (Environment restored = Environment.open(home, cfg())) {
            Database db = restored.openDatabase("t", false);
            for (long i = 0; i <= upTo; i++) {
                assertNotNull(db.get(null, b(String.format("k%08d", i))), "commit " + i + " of " + upTo + " missing");
            }
        }
    }

    /**
     * Verifies the copy against its manifest, then restores it as an admin would (catastrophic
     * recovery, which changes its files, so after the verify) and checks it holds every commit up
     * to {@code upTo}.
     */
    static void assertVerifiesAndRecoversHolding(Path copy, long upTo) throws java.io.IOException {
        org.cairndb.tools.BackupVerifier.Report verified = new org.cairndb.tools.BackupVerifier(copy).verify();
        assertTrue(verified.ok(), copy + ": " + verified.problems());
        try (Environment restored = Environment.open(copy, cfg().allowCreate(false).catastrophicRecovery(true))) {
            Database db = restored.openDatabase("t", false);
            for (long i = 0; i <= upTo; i++) {
                assertNotNull(db.get(null, b(String.format("k%08d", i))), "commit " + i + " of " + upTo + " missing");
            }
        }
    }

    /**
     * While the copy is being made, its lock file (which names the process copying) is owner-only
     * like every file copied in: it was made with the process's umask (rw-r--r--) and restricted
     * only when the backup finished.
     */
    @Test
    void aCopyIsOwnerOnlyWhileItIsMade() throws Exception {
        org.cairndb.io.PausingFileIO io = new org.cairndb.io.PausingFileIO(org.cairndb.io.NioFileIO.INSTANCE);
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(dir.resolve("env"), cfg().fileIO(io))) {
            env.openDatabase("t").put(null, TestSupport.b("k"), TestSupport.b("v"));
            io.pauseAtOpen(p -> p.startsWith(backup) && p.getFileName().toString().startsWith(org.cairndb.log.SegmentFiles.PREFIX));
            java.util.concurrent.CompletableFuture<BackupResult> running = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return HotBackup.run(env.internals(), backup, BackupOptions.defaults());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, org.cairndb.TestSupport.OWN_THREAD);
            assertTrue(io.awaitPaused(60), "the backup reaches its log");
            try {
                assertOwnerOnly(backup);
            } finally {
                io.release();
            }
            running.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertOwnerOnly(backup);
        }
    }

    /** Every directory of the copy is rwx------ and every file rw-------, the manifest and lock file included. */
    static void assertOwnerOnly(Path root) throws java.io.IOException {
        List<String> open = new ArrayList<>();
        try (var walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                String want = Files.isDirectory(p) ? "rwx------" : "rw-------";
                String got = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                if (!got.equals(want)) {
                    open.add(root.relativize(p) + " " + got);
                }
            }
        }
        assertEquals(List.of(), open, "files of " + root + " that others may read");
    }

    /**
     * An admin who opens a recovered backup to look at it (cairn stat, dump) and later restores it
     * with the source's later log (cairn recover -c --logs): looking wrote nothing into the copy's
     * log, so its segments are still the source's and catastrophic recovery takes the longer ones
     * instead of refusing them as another history.
     */
    /** Commits acknowledged without a force (NO_SYNC) are still in the log buffer: the backup writes it out first. */
    @Test
    void aBackupHoldsCommitsAcknowledgedWithoutAForce() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(home, cfg().durability(org.cairndb.Durability.NO_SYNC))) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < 100; i++) {
                db.put(null, b("k" + i), b("v" + i));
            }
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
        }
        try (Environment copy = Environment.open(backup, cfg().allowCreate(false))) {
            assertEquals(100, copy.openDatabase("t", false).count(), "every acknowledged commit");
        }
    }

    @Test
    void aBackupOpenedToLookAtItStillTakesTheSourcesLaterLog() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(home, cfg())) {
            Database db = env.openDatabase("t");
            db.put(null, b("before"), b("1"));
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            db.put(null, b("after"), b("2"));
        }
        java.util.Map<String, String> before = logFingerprint(backup);
        for (int i = 0; i < 2; i++) {
            try (Environment look = Environment.open(backup, cfg().allowCreate(false))) {
                assertEquals("1", TestSupport.s(look.openDatabase("t", false).get(null, b("before"))));
            }
        }
        assertEquals(before, logFingerprint(backup), "opening the copy to look at it wrote nothing into its log");
        try (Environment restored = Environment.open(backup, cfg().allowCreate(false).catastrophicRecovery(true)
                .logSources(List.of(home.resolve("log"))))) {
            assertEquals("2", TestSupport.s(restored.openDatabase("t", false).get(null, b("after"))));
        }
    }

    /**
     * A backup copies the log's last segment while the log is being written, so the copy may end in
     * a record caught half-written (its first bytes there, the rest still zeros when read). An
     * update compares that segment with the environment's before replacing it, and took the half
     * record for bytes written into the copy since (it was opened and written to), refusing every
     * later update of a perfectly good copy (found by AdminChaosTest). Zeros where the environment
     * has its record are what a copy made mid-write holds; any other byte still refuses the update.
     */
    @Test
    void anUpdateTakesUpACopyWhoseLastSegmentCaughtARecordHalfWritten() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(home, cfg())) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < 20; i++) {
                db.put(null, b("before" + i), new byte[300]);
            }
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withRecover(false));
            long end = org.cairndb.log.Lsn.parse(BackupManifest.read(backup).endLsn());
            for (int i = 0; i < 20; i++) {
                db.put(null, b("after" + i), new byte[300]);
            }
            // The copy's last segment as a copy made while the first record after its end was being
            // written: the environment's bytes, that record's first half, zeros from there on.
            String name = org.cairndb.log.SegmentFiles.name(org.cairndb.log.Lsn.segment(end));
            byte[] ours = Files.readAllBytes(home.resolve("log").resolve(name));
            long[] next = new long[2];
            new org.cairndb.log.LogScanner(org.cairndb.io.NioFileIO.INSTANCE, home.resolve("log")).scan(
                    org.cairndb.log.Lsn.NULL, null, f -> {
                        if (next[1] == 0 && f.lsn() >= end) {
                            next[0] = f.lsn();
                            next[1] = f.endLsn();
                        }
                    });
            assertTrue(next[1] > next[0] && org.cairndb.log.Lsn.segment(next[0]) == org.cairndb.log.Lsn.segment(end));
            int cut = (int) (org.cairndb.log.Lsn.offset(next[0]) + (next[1] - next[0]) / 2);
            byte[] caught = ours.clone();
            java.util.Arrays.fill(caught, cut, caught.length, (byte) 0);
            Files.write(backup.resolve(name), caught);

            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true));
            db.put(null, b("last"), b("x"));
        }
        try (Environment restored = Environment.open(backup, cfg().allowCreate(false))) {
            Database t = restored.openDatabase("t", false);
            assertNotNull(t.get(null, b("after19")), "the update brought the copy forward");
        }
        // Another byte there is still the copy's own writing: refused.
        try (Environment env = Environment.open(home, cfg())) {
            Path copy = dir.resolve("written");
            HotBackup.run(env.internals(), copy, BackupOptions.defaults().withRecover(false));
            long end = org.cairndb.log.Lsn.parse(BackupManifest.read(copy).endLsn());
            Path seg = copy.resolve(org.cairndb.log.SegmentFiles.name(org.cairndb.log.Lsn.segment(end)));
            byte[] bytes = Files.readAllBytes(seg);
            bytes[(int) org.cairndb.log.Lsn.offset(end) + 10] = 42;
            Files.write(seg, bytes);
            env.openDatabase("t").put(null, b("more"), new byte[300]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), copy, BackupOptions.defaults().withUpdate(true)));
            assertTrue(e.getMessage().contains("written to since its last update"), e.getMessage());
        }
    }

    private static java.util.Map<String, String> logFingerprint(Path dir) throws java.io.IOException {
        java.util.Map<String, String> m = new java.util.TreeMap<>();
        try (var s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("log\\.\\d{10}")).toList()) {
                m.put(p.getFileName().toString(), java.util.HexFormat.of().formatHex(
                        java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
            }
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
        return m;
    }

    @Test
    void hotBackupWhileWritingHoldsEveryCommitAcknowledgedBeforeItAndUpdatesBringItForward() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        Environment env = Environment.open(home, cfg());
        long before;
        long beforeUpdate;
        try (Writer w = new Writer(env, 0)) {
            w.awaitAcked(2000);
            before = w.acked();
            BackupResult r = HotBackup.run(env.internals(), backup, BackupOptions.defaults().withCheckpointFirst(true));
            assertTrue(r.manifest().files().size() >= 2);
            assertNotNull(r.recovery());
            assertTrue(Files.isRegularFile(backup.resolve("t.cdb")), "flat layout by default");
            w.awaitAcked(before + 2000);
            beforeUpdate = w.acked();
            BackupResult u = HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true));
            assertEquals(r.manifest().startLsn(), u.manifest().startLsn());
            assertEquals(r.manifest().startedAt(), u.manifest().startedAt(), "an update keeps the backup's start");
            // Both times to the millisecond, as every other time Cairn prints.
            java.time.Instant started = java.time.Instant.parse(u.manifest().startedAt());
            java.time.Instant finished = java.time.Instant.parse(u.manifest().finishedAt());
            assertEquals(0, finished.getNano() % 1_000_000, u.manifest().finishedAt());
            assertTrue(!finished.isBefore(started));
        }
        assertOwnerOnly(backup);
        env.close();
        try (Environment other = Environment.open(dir.resolve("other"), cfg())) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(other.internals(), backup, BackupOptions.defaults().withUpdate(true)));
            assertTrue(e.getMessage().contains("not of this one"), e.getMessage());
        }
        assertHoldsAtLeast(backup, beforeUpdate);
        assertTrue(beforeUpdate > before);
    }

    @Test
    void badTargetsAreRefusedAndNothingIsWritten() throws Exception {
        try (Environment env = Environment.open(dir.resolve("env"), cfg())) {
            env.openDatabase("t").put(null, b("k"), b("v"));
            Path full = dir.resolve("full");
            Files.createDirectories(full);
            Files.writeString(full.resolve("x"), "x");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), full, BackupOptions.defaults()));
            assertTrue(e.getMessage().contains("not empty"), e.getMessage());
            assertEquals(1, Files.list(full).count());
            IllegalArgumentException inside = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), env.home().resolve("data/b"), BackupOptions.defaults()));
            assertTrue(inside.getMessage().contains("inside"), inside.getMessage());
            IllegalArgumentException notBackup = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), dir.resolve("none"), BackupOptions.defaults().withUpdate(true)));
            assertTrue(notBackup.getMessage().contains("does not exist"), notBackup.getMessage());
            Files.createDirectories(dir.resolve("empty"));
            IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), dir.resolve("empty"), BackupOptions.defaults().withUpdate(true)));
            assertTrue(empty.getMessage().contains("backup.manifest"), empty.getMessage());
        }
    }

    /** Two backups or failover updates into one directory at once would overwrite each other's files: the second is refused. */
    @Test
    void aSecondBackupIntoADirectoryBeingWrittenIsRefused() throws Exception {
        try (Environment env = Environment.open(dir.resolve("env"), cfg())) {
            env.openDatabase("t").put(null, b("k"), b("v"));
            Path target = dir.resolve("busy");
            java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
            BackupOptions holding = BackupOptions.defaults().withProgress(p -> {
                inside.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
            try {
                java.util.concurrent.Future<BackupResult> first = pool.submit(() -> HotBackup.run(env.internals(), target, holding));
                assertTrue(inside.await(30, java.util.concurrent.TimeUnit.SECONDS), "the first backup started");
                for (BackupOptions second : List.of(BackupOptions.defaults(), BackupOptions.defaults().withUpdate(true))) {
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                            () -> HotBackup.run(env.internals(), dir.resolve("busy/../busy"), second));
                    assertTrue(e.getMessage().contains("already running"), e.getMessage());
                }
                IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                        () -> Failover.update(env.internals(), target, BackupOptions.defaults()));
                assertTrue(f.getMessage().contains("already running"), f.getMessage());
                assertNotNull(HotBackup.run(env.internals(), dir.resolve("elsewhere"), BackupOptions.defaults()),
                        "a backup into another directory runs meanwhile");
                release.countDown();
                first.get(60, java.util.concurrent.TimeUnit.SECONDS);
            } finally {
                release.countDown();
                pool.shutdown();
            }
            assertTrue(new org.cairndb.tools.BackupVerifier(target).verify().ok(), "the first backup is whole");
            HotBackup.run(env.internals(), target, BackupOptions.defaults().withUpdate(true)); // and can be updated after
        }
    }

    /**
     * A failover directory whose first update stopped half-way (no manifest yet) is named as such
     * rather than called "not empty", and nothing in it is touched; one holding only the lock file
     * that an update stopped before copying leaves is used.
     */
    @Test
    void aFailoverDirectoryLeftByAnUnfinishedFirstUpdateIsNamed() throws Exception {
        try (Environment env = Environment.open(dir.resolve("env"), cfg())) {
            env.openDatabase("t").put(null, b("k"), b("v"));
            Path half = dir.resolve("half");
            Files.createDirectories(half.resolve("data"));
            Files.writeString(half.resolve("data/t.cdb"), "partial");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Failover.update(env.internals(), half, BackupOptions.defaults()));
            assertTrue(e.getMessage().contains("holds no backup.manifest") && e.getMessage().contains("did not finish"),
                    e.getMessage());
            assertEquals("partial", Files.readString(half.resolve("data/t.cdb")));
            Path locked = dir.resolve("lock-only");
            Files.createDirectories(locked);
            Files.writeString(locked.resolve("cairn.lock"), "process 1 on host since then (failover update of it)");
            Failover.update(env.internals(), locked, BackupOptions.defaults());
            assertTrue(new org.cairndb.tools.BackupVerifier(locked).verify().ok());
        }
    }

    @Test
    void pointInTimeRecoveryKeepsExactlyTheCommitsUpToTheTarget() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        Instant cut;
        try (Environment env = Environment.open(home, cfg())) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < 100; i++) {
                db.put(null, b("a" + i), b("x"));
            }
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(true).withRecover(false));
            assertOwnerOnly(backup);
            for (int i = 0; i < 100; i++) {
                db.put(null, b("b" + i), b("x"));
            }
            Thread.sleep(5);
            cut = Instant.now();
            Thread.sleep(5);
            for (int i = 0; i < 100; i++) {
                db.put(null, b("c" + i), b("x"));
            }
        }
        // Restore: the backup's data files plus every segment of the environment's log.
        for (Path seg : Files.list(home.resolve("log")).filter(p -> p.getFileName().toString().startsWith("log.0")).toList()) {
            Files.copy(seg, backup.resolve("log").resolve(seg.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        try (Environment restored = Environment.open(backup, cfg().recoveryTarget(RecoveryTarget.time(cut, true)))) {
            Database db = restored.openDatabase("t", false);
            assertEquals(200, db.count(), restored.recoveryReport().toString());
            assertNotNull(db.get(null, b("b99")));
            assertEquals(null, db.get(null, b("c0")));
            assertTrue(restored.recoveryReport().notes().stream().anyMatch(n -> n.contains("moved the log after the target")),
                    restored.recoveryReport().toString());
        }
        // A later normal open does not replay what was moved aside.
        try (Environment again = Environment.open(backup, cfg())) {
            assertEquals(200, again.openDatabase("t", false).count());
            assertTrue(Files.list(backup.resolve("log")).anyMatch(p -> p.getFileName().toString().startsWith("after-")));
        }
    }

    @Test
    void failoverUpdatesKeepACopyReadyToOpen() throws Exception {
        Path home = dir.resolve("env");
        Path failover = dir.resolve("failover");
        Environment env = Environment.open(home, cfg());
        long lastBefore = -1;
        try (Writer w = new Writer(env, 0)) {
            for (int round = 0; round < 4; round++) {
                w.awaitAcked(lastBefore + 800);
                long acked = w.acked();
                Failover.update(env.internals(), failover, BackupOptions.defaults());
                lastBefore = acked;
                env.checkpoint(true);
            }
        }
        env.close();
        assertOwnerOnly(failover);
        assertHoldsAtLeast(failover, lastBefore);
    }
}
