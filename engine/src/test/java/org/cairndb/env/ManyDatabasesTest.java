package org.cairndb.env;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.io.CountingFileIO;
import org.cairndb.storage.DataFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An environment of more databases than it may keep files open. Each database is a data file, and
 * every one was held open from its creation or the environment's open to the close: past the
 * process's limit on open files (1,024 is a common default) no database could be created, and the
 * environment could not be opened again at all ("Too many open files").
 */
class ManyDatabasesTest {

    private static final int DATABASES = 120;
    private static final int OPEN = 10;

    @TempDir
    Path dir;

    @Test
    void moreDatabasesThanOpenFilesAreCreatedWrittenReopenedAndRead() throws Exception {
        Path home = dir.resolve("home");
        CountingFileIO io = CountingFileIO.ofNamesEndingWith(DataFile.SUFFIX);
        EnvironmentConfig config = new EnvironmentConfig().fileIO(io).openDataFiles(OPEN).cacheSize(1 << 20);
        try (Environment env = Environment.open(home, config)) {
            for (int d = 0; d < DATABASES; d++) {
                Database db = env.openDatabase("db" + d, true);
                try (Transaction t = env.beginTransaction()) {
                    for (int i = 0; i < 20; i++) {
                        db.put(t, b("k" + i), b("db" + d + "/v" + i + "/" + "x".repeat(300)));
                    }
                    t.commit();
                }
                if (d % 40 == 39) {
                    env.checkpoint(true); // pages written to many files, each forced
                }
            }
            checkEvery(env);
        }
        assertEquals(0, io.open.get(), "data files left open after close");
        assertTrue(io.most.get() <= OPEN, "at most " + OPEN + " data files open at once, were " + io.most.get());

        io.most.set(0);
        // Reopened, read through a cache too small to hold them (so pages come from every file), written again.
        try (Environment env = Environment.open(home, config.copy().allowCreate(false))) {
            assertEquals(DATABASES, env.databaseNames().size());
            checkEvery(env);
            for (int d = 0; d < DATABASES; d += 7) {
                env.openDatabase("db" + d, false).put(null, b("after"), b("reopen"));
            }
            env.checkpoint(true);
        }
        assertTrue(io.most.get() <= OPEN, "at most " + OPEN + " data files open at once after the reopen, were " + io.most.get());
        assertEquals(0, io.open.get());

        // The limit comes from cairn.properties too.
        Files.writeString(home.resolve(EnvironmentConfig.PROPERTIES_FILE), "cairn.open.data.files=5\n");
        io.most.set(0);
        try (Environment env = Environment.open(home, new EnvironmentConfig().fileIO(io).allowCreate(false).cacheSize(1 << 20))) {
            checkEvery(env);
            assertArrayEquals(b("reopen"), env.openDatabase("db7", false).get(null, b("after")));
        }
        assertTrue(io.most.get() <= 5, "cairn.open.data.files=5, but " + io.most.get() + " were open at once");
    }

    /**
     * Writers and readers over many databases through few open files and a cache too small for
     * them, with checkpoints running: files are closed and opened again under concurrent reads,
     * writes and forces. Every committed value must read back, then and after a reopen.
     */
    @Test
    void concurrentWorkOverMoreDatabasesThanOpenFiles() throws Exception {
        Path home = dir.resolve("busy");
        CountingFileIO io = CountingFileIO.ofNamesEndingWith(DataFile.SUFFIX);
        EnvironmentConfig config = new EnvironmentConfig().fileIO(io).openDataFiles(3).cacheSize(1 << 20)
                .durability(org.cairndb.Durability.WRITE_NO_SYNC);
        int dbs = 40;
        java.util.concurrent.ConcurrentHashMap<String, String> committed = new java.util.concurrent.ConcurrentHashMap<>();
        try (Environment env = Environment.open(home, config)) {
            for (int d = 0; d < dbs; d++) {
                env.openDatabase("db" + d, true);
            }
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
            java.util.List<java.util.concurrent.Future<?>> work = new java.util.ArrayList<>();
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(5);
            for (int w = 0; w < 4; w++) {
                int worker = w;
                work.add(pool.submit(() -> {
                    java.util.Random r = new java.util.Random(worker);
                    int n = 0;
                    while (System.nanoTime() < deadline) {
                        String db = "db" + r.nextInt(dbs);
                        String key = "w" + worker + "-" + r.nextInt(200);
                        String value = key + "@" + n++ + "/" + "v".repeat(r.nextInt(400));
                        env.openDatabase(db, false).put(null, b(key), b(value));
                        committed.put(db + "/" + key, value);
                        String other = "db" + r.nextInt(dbs);
                        String otherKey = "w" + worker + "-" + r.nextInt(200);
                        String expected = committed.get(other + "/" + otherKey);
                        byte[] got = env.openDatabase(other, false).get(null, b(otherKey));
                        assertArrayEquals(expected == null ? null : b(expected), got, other + "/" + otherKey);
                    }
                    return null;
                }));
            }
            work.add(pool.submit(() -> {
                while (System.nanoTime() < deadline) {
                    env.checkpoint(true);
                }
                return null;
            }));
            pool.shutdown();
            for (java.util.concurrent.Future<?> f : work) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        assertEquals(0, io.open.get(), "data files left open after close");
        try (Environment env = Environment.open(home, config.copy().allowCreate(false))) {
            for (java.util.Map.Entry<String, String> e : committed.entrySet()) {
                String[] dbKey = e.getKey().split("/", 2);
                assertArrayEquals(b(e.getValue()), env.openDatabase(dbKey[0], false).get(null, b(dbKey[1])), e.getKey());
            }
        }
        assertTrue(committed.size() > 100, "the run did some work: " + committed.size());
    }

    private static void checkEvery(Environment env) {
        for (int d = 0; d < DATABASES; d++) {
            Database db = env.openDatabase("db" + d, false);
            for (int i = 0; i < 20; i += 3) {
                assertArrayEquals(b("db" + d + "/v" + i + "/" + "x".repeat(300)), db.get(null, b("k" + i)), "db" + d + " k" + i);
            }
        }
    }
}
