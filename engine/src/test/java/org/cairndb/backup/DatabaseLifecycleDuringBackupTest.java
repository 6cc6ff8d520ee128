package org.cairndb.backup;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.PausingFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Databases created, removed, or removed and created again under the same name while a hot backup
 * or a failover update copies, or between a backup and its update: the recovered copy holds exactly
 * the databases the environment had, each with its own incarnation's records.
 */
class DatabaseLifecycleDuringBackupTest {

    private static final String BACKUP_THREAD = "lifecycle-backup";

    @TempDir
    Path dir;

    private final PausingFileIO io = new PausingFileIO(NioFileIO.INSTANCE);

    private EnvironmentConfig cfg() {
        return HotBackupTest.cfg().fileIO(io);
    }

    /** Runs the backup on a thread of its own (named, so that a pause can pick out its opens). */
    private static CompletableFuture<BackupResult> start(java.util.concurrent.Callable<BackupResult> backup) {
        CompletableFuture<BackupResult> f = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(backup.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, BACKUP_THREAD);
        t.start();
        return f;
    }

    /** The backup thread's open of {@code file} (a source it reads, or a file of the copy). */
    private static Predicate<Path> backupOpens(Predicate<Path> file) {
        return p -> Thread.currentThread().getName().equals(BACKUP_THREAD) && file.test(p);
    }

    private static Predicate<Path> named(String fileName) {
        return p -> p.getFileName().toString().equals(fileName);
    }

    private static Predicate<Path> aSegmentOf(Path copy) {
        return p -> p.startsWith(copy) && p.getFileName().toString().startsWith(SegmentFiles.PREFIX);
    }

    private static void put(Environment env, String db, String key, String value) {
        env.openDatabase(db).put(null, b(key), b(value));
    }

    private static void assertDatabases(Path copy, List<String> expected) throws Exception {
        org.cairndb.tools.BackupVerifier.Report verified = new org.cairndb.tools.BackupVerifier(copy).verify();
        assertTrue(verified.ok(), copy + ": " + verified.problems());
        try (Environment restored = Environment.open(copy, HotBackupTest.cfg().allowCreate(false).catastrophicRecovery(true))) {
            assertEquals(expected, restored.databaseNames().stream().sorted().toList(), restored.recoveryReport().toString());
        }
    }

    private static String get(Path copy, String db, String key) {
        try (Environment restored = Environment.open(copy, HotBackupTest.cfg().allowCreate(false))) {
            byte[] v = restored.openDatabase(db, false).get(null, b(key));
            return v == null ? null : s(v);
        }
    }

    private static long count(Path copy, String db) {
        try (Environment restored = Environment.open(copy, HotBackupTest.cfg().allowCreate(false))) {
            return restored.openDatabase(db, false).count();
        }
    }

    /** Removed before the backup reads its file: the copy has no such database, the rest whole. */
    @Test
    void aDatabaseRemovedBeforeItsFileIsCopiedIsAbsent() throws Exception {
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(dir.resolve("env"), cfg())) {
            put(env, "keep", "k", "1");
            put(env, "gone", "g", "1");
            env.checkpoint(true);
            put(env, "gone", "g2", "2"); // after the pin's recovery start
            io.pauseAtOpen(backupOpens(named("gone.cdb").and(p -> p.startsWith(dir.resolve("env")))));
            CompletableFuture<BackupResult> run = start(() -> HotBackup.run(env.internals(), backup, BackupOptions.defaults()));
            assertTrue(io.awaitPaused(30), "the backup reached gone.cdb");
            env.removeDatabase("gone");
            put(env, "keep", "k2", "2");
            io.release();
            run.get(60, TimeUnit.SECONDS);
        }
        assertDatabases(backup, List.of("keep"));
        assertEquals("1", get(backup, "keep", "k"));
    }

    /** Removed after the backup copied its file: the replay of the copied log removes it. */
    @Test
    void aDatabaseRemovedAfterItsFileIsCopiedIsAbsent() throws Exception {
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(dir.resolve("env"), cfg())) {
            put(env, "keep", "k", "1");
            put(env, "gone", "g", "1");
            env.checkpoint(true);
            io.pauseAtOpen(backupOpens(aSegmentOf(backup)));
            CompletableFuture<BackupResult> run = start(() -> HotBackup.run(env.internals(), backup, BackupOptions.defaults()));
            assertTrue(io.awaitPaused(30), "the backup reached the log");
            assertTrue(Files.exists(backup.resolve("gone.cdb")), "gone.cdb was copied");
            env.removeDatabase("gone");
            put(env, "keep", "k2", "2");
            io.release();
            run.get(60, TimeUnit.SECONDS);
        }
        assertDatabases(backup, List.of("keep"));
        assertEquals("2", get(backup, "keep", "k2"));
    }

    /** Created after the data files were copied: the log brings it, with its records. */
    @Test
    void aDatabaseCreatedAfterTheDataFilesWereCopiedIsPresent() throws Exception {
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(dir.resolve("env"), cfg())) {
            put(env, "keep", "k", "1");
            io.pauseAtOpen(backupOpens(aSegmentOf(backup)));
            CompletableFuture<BackupResult> run = start(() -> HotBackup.run(env.internals(), backup, BackupOptions.defaults()));
            assertTrue(io.awaitPaused(30), "the backup reached the log");
            put(env, "late", "l", "1");
            env.checkpoint(true);
            put(env, "late", "l2", "2");
            io.release();
            run.get(60, TimeUnit.SECONDS);
        }
        assertDatabases(backup, List.of("keep", "late"));
        assertEquals("2", get(backup, "late", "l2"));
        assertEquals(2, count(backup, "late"));
    }

    /** Removed and created again before its file is read: the copy holds the new incarnation only. */
    @Test
    void aDatabaseRecreatedBeforeItsFileIsCopiedHoldsTheNewIncarnationOnly() throws Exception {
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(dir.resolve("env"), cfg())) {
            put(env, "keep", "k", "1");
            put(env, "x", "old", "1");
            env.checkpoint(true);
            put(env, "x", "old2", "2");
            io.pauseAtOpen(backupOpens(named("x.cdb").and(p -> p.startsWith(dir.resolve("env")))));
            CompletableFuture<BackupResult> run = start(() -> HotBackup.run(env.internals(), backup, BackupOptions.defaults()));
            assertTrue(io.awaitPaused(30), "the backup reached x.cdb");
            env.removeDatabase("x");
            put(env, "x", "new", "1");
            io.release();
            run.get(60, TimeUnit.SECONDS);
        }
        assertDatabases(backup, List.of("keep", "x"));
        assertEquals(1, count(backup, "x"));
        assertEquals("1", get(backup, "x", "new"));
    }

    /** Removed and created again after its file was copied: the same. */
    @Test
    void aDatabaseRecreatedAfterItsFileIsCopiedHoldsTheNewIncarnationOnly() throws Exception {
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(dir.resolve("env"), cfg())) {
            put(env, "keep", "k", "1");
            put(env, "x", "old", "1");
            env.checkpoint(true);
            io.pauseAtOpen(backupOpens(aSegmentOf(backup)));
            CompletableFuture<BackupResult> run = start(() -> HotBackup.run(env.internals(), backup, BackupOptions.defaults()));
            assertTrue(io.awaitPaused(30), "the backup reached the log");
            env.removeDatabase("x");
            put(env, "x", "new", "1");
            env.checkpoint(true);
            io.release();
            run.get(60, TimeUnit.SECONDS);
        }
        assertDatabases(backup, List.of("keep", "x"));
        assertEquals(1, count(backup, "x"));
        assertEquals("1", get(backup, "x", "new"));
    }

    /**
     * The file layer of {@link #aDatabaseRecreatedAfterItsCopyFoundItGoneIsCopied}: lists x.cdb
     * before the other data files (directory order is the file system's to choose), and runs a
     * step of the test in the backup's thread as it is about to open a data file of the environment.
     */
    private static class OrderedDataFiles extends org.cairndb.io.ForwardingFileIO {
        final Path dataDir;
        final java.util.Map<String, Runnable> beforeOpen = new java.util.concurrent.ConcurrentHashMap<>();

        OrderedDataFiles(Path dataDir) {
            super(NioFileIO.INSTANCE);
            this.dataDir = dataDir;
        }

        @Override
        public List<String> list(Path dir) throws java.io.IOException {
            List<String> names = new java.util.ArrayList<>(super.list(dir));
            if (dir.equals(dataDir)) {
                names.sort(java.util.Comparator.comparing((String n) -> !n.equals("x.cdb")).thenComparing(n -> n));
            }
            return names;
        }

        @Override
        public org.cairndb.io.StorageFile open(Path path, boolean write, boolean create) throws java.io.IOException {
            if (Thread.currentThread().getName().equals(BACKUP_THREAD) && dataDir.equals(path.getParent())) {
                Runnable step = beforeOpen.remove(path.getFileName().toString());
                if (step != null) {
                    step.run();
                }
            }
            return super.open(path, write, create);
        }
    }

    /**
     * Removed just before the backup opened its file (so the copy skipped it), then created again
     * and checkpointed before the next file was copied: the new incarnation's file must be copied
     * too. The skipped name counted as copied, so the listings after it never took the new file,
     * while the next file's checkpoint put the copy's recovery start past the re-creation: the
     * recovery of the copy met writes to a database it had no file of, and failed.
     */
    @Test
    void aDatabaseRecreatedAfterItsCopyFoundItGoneIsCopied() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        OrderedDataFiles files = new OrderedDataFiles(home.resolve("data").toAbsolutePath().normalize());
        try (Environment env = Environment.open(home, HotBackupTest.cfg().fileIO(files))) {
            put(env, "a", "k", "1");
            put(env, "x", "old", "1");
            env.checkpoint(true);
            files.beforeOpen.put("x.cdb", () -> env.removeDatabase("x"));
            files.beforeOpen.put("a.cdb", () -> {
                put(env, "x", "new", "1");
                env.checkpoint(true); // a.cdb's copy: the recovery start is past x's re-creation
                put(env, "x", "new2", "2");
            });
            start(() -> HotBackup.run(env.internals(), backup, BackupOptions.defaults())).get(60, TimeUnit.SECONDS);
            assertTrue(files.beforeOpen.isEmpty(), "the backup opened x.cdb, then a.cdb");
        }
        assertDatabases(backup, List.of("a", "x"));
        assertEquals(2, count(backup, "x"));
        assertEquals("2", get(backup, "x", "new2"));
    }

    private static final String CREATOR_THREAD = "lifecycle-creator";

    /**
     * The file layer of {@link #aDatabaseRecreatedWhileItsFileIsCopiedIsCopiedWhole}: x.cdb is
     * listed first; the backup thread runs a step of the test as it is about to open a data file
     * of the environment; the creation of x.cdb on {@link #CREATOR_THREAD} is held between making
     * the file and writing its header (it holds the catalog's lock meanwhile, as any creation
     * does); and the backup's first copy of x.cdb into the backup directory is signalled.
     */
    private static final class CreationCaughtMidway extends OrderedDataFiles {
        private final java.util.concurrent.CountDownLatch headerAboutToBeWritten = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.CountDownLatch headerMayBeWritten = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.CountDownLatch xCopied = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.atomic.AtomicBoolean held = new java.util.concurrent.atomic.AtomicBoolean();

        CreationCaughtMidway(Path dataDir) {
            super(dataDir);
        }

        @Override
        public org.cairndb.io.StorageFile open(Path path, boolean write, boolean create) throws java.io.IOException {
            boolean inData = dataDir.equals(path.getParent());
            org.cairndb.io.StorageFile f = super.open(path, write, create); // runs the backup's step first
            if (!(inData && create && Thread.currentThread().getName().equals(CREATOR_THREAD)
                    && path.getFileName().toString().equals("x.cdb"))) {
                return f;
            }
            return new org.cairndb.io.ForwardingStorageFile(f) {
                @Override
                public void write(java.nio.ByteBuffer src, long position) throws java.io.IOException {
                    // The header goes into the second page, after the blank first one.
                    if (position > 0 && held.compareAndSet(false, true)) {
                        headerAboutToBeWritten.countDown();
                        await(headerMayBeWritten, "the test to let the creation of x.cdb write its header");
                    }
                    super.write(src, position);
                }
            };
        }

        @Override
        public void rename(Path source, Path target) throws java.io.IOException {
            super.rename(source, target);
            if (Thread.currentThread().getName().equals(BACKUP_THREAD) && target.getFileName().toString().equals("x.cdb")
                    && !dataDir.equals(target.getParent())) {
                xCopied.countDown();
            }
        }

        private static void await(java.util.concurrent.CountDownLatch latch, String what) throws java.io.IOException {
            try {
                if (!latch.await(30, TimeUnit.SECONDS)) {
                    throw new java.io.IOException("waited 30 s for " + what);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted waiting for " + what);
            }
        }
    }

    /**
     * Removed, and created again while the backup was opening its file: the backup copied the new
     * incarnation's file as the creation had left it so far, blank (a creation makes the file,
     * then writes its first header). A checkpoint before the next file's copy put the copy's
     * recovery start past the re-creation, so its replay did not make the file anew, and the
     * backup's recovery refused the blank file (or met writes to a database it had no file of).
     * The blank copy must not count: the database's file is copied again once its creation is done.
     */
    @Test
    void aDatabaseRecreatedWhileItsFileIsCopiedIsCopiedWhole() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        CreationCaughtMidway files = new CreationCaughtMidway(home.resolve("data").toAbsolutePath().normalize());
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(120), () -> {
            try (Environment env = Environment.open(home, HotBackupTest.cfg().fileIO(files))) {
                put(env, "a", "k", "1");
                put(env, "x", "old", "1");
                env.checkpoint(true);
                CompletableFuture<Void> creation = new CompletableFuture<>();
                files.beforeOpen.put("x.cdb", () -> {
                    env.removeDatabase("x");
                    Thread creator = new Thread(() -> {
                        try {
                            put(env, "x", "new", "1");
                            creation.complete(null);
                        } catch (Throwable e) {
                            creation.completeExceptionally(e);
                        }
                    }, CREATOR_THREAD);
                    creator.start();
                    try {
                        assertTrue(files.headerAboutToBeWritten.await(30, TimeUnit.SECONDS), "x.cdb was made again");
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                });
                files.beforeOpen.put("a.cdb", () -> {
                    creation.orTimeout(30, TimeUnit.SECONDS).join();
                    put(env, "x", "new2", "2");
                    env.checkpoint(true); // a.cdb's copy: the recovery start is past x's re-creation
                    put(env, "x", "new3", "3");
                });
                CompletableFuture<BackupResult> run = start(() -> HotBackup.run(env.internals(), backup, BackupOptions.defaults()));
                // The backup's copy of x.cdb is made while the creation is held: then the creation goes on.
                boolean copiedMidway = files.xCopied.await(30, TimeUnit.SECONDS);
                files.headerMayBeWritten.countDown();
                assertTrue(copiedMidway, "the backup copied x.cdb while it was being made");
                run.get(60, TimeUnit.SECONDS);
                creation.get(30, TimeUnit.SECONDS);
                assertTrue(files.beforeOpen.isEmpty(), "the backup opened x.cdb, then a.cdb");
            }
        });
        assertDatabases(backup, List.of("a", "x"));
        assertEquals(3, count(backup, "x"));
        assertEquals("3", get(backup, "x", "new3"));
    }

    /** Removed and created again between a backup and its update: the update holds the new incarnation only. */
    @Test
    void anUpdateAfterARecreationHoldsTheNewIncarnationOnly() throws Exception {
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(dir.resolve("env"), cfg())) {
            put(env, "keep", "k", "1");
            put(env, "x", "old", "1");
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            env.removeDatabase("x");
            put(env, "gone-too", "g", "1");
            put(env, "x", "new", "1");
            env.checkpoint(true);
            env.removeDatabase("gone-too");
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true));
            env.removeDatabase("x");
            put(env, "x", "newer", "1");
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true));
        }
        assertDatabases(backup, List.of("keep", "x"));
        assertEquals(1, count(backup, "x"));
        assertEquals("1", get(backup, "x", "newer"));
    }

    /** The same between failover updates, with the segments moved into the copy. */
    @Test
    void failoverUpdatesAfterRecreationsHoldTheNewIncarnationOnly() throws Exception {
        Path copy = dir.resolve("failover");
        try (Environment env = Environment.open(dir.resolve("env"), cfg())) {
            put(env, "keep", "k", "1");
            put(env, "x", "old", "1");
            Failover.update(env.internals(), copy, BackupOptions.defaults());
            for (int round = 0; round < 3; round++) {
                env.removeDatabase("x");
                for (int i = 0; i < 300; i++) {
                    put(env, "x", "r" + round + "-" + i, "v");
                }
                env.checkpoint(true);
                env.internals().logArchive().removeArchivable();
                Failover.update(env.internals(), copy, BackupOptions.defaults());
            }
            env.removeDatabase("x");
            Failover.update(env.internals(), copy, BackupOptions.defaults());
        }
        assertDatabases(copy, List.of("keep"));
        try (Environment opened = Environment.open(copy, HotBackupTest.cfg().allowCreate(false))) {
            assertEquals(List.of("keep"), opened.databaseNames());
        }
    }
}
