package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.cairndb.CairnException;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.DatabaseNotFoundException;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.IsolationLevel;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionException;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.tools.BackupVerifier;
import org.cairndb.tools.Verifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything at once, for a while: five threads run transactions at every isolation level over five
 * databases (puts of up to 40 KB, deletes, gets, cursors both ways), and a sixth checkpoints, takes
 * hot backups (flat and split) and removes databases, which the workers create again by opening
 * them. Small cache, small segments, immediate page reuse. The only failures allowed are the ones
 * the API promises (conflicts, lock timeouts, a database removed under a handle, a removal refused
 * while a transaction has written). Then the environment and every backup must verify and open.
 *
 * <p>This found two bugs: a hot backup whose recovery failed ("the log writes to database id N but
 * its data file is missing") when a write raced a database removal, and the backup's data-file
 * listing missing databases created while it copied.
 */
class ChaosTest {

    @TempDir
    Path root;

    /** What a run did. */
    private record Run(int commits, int backups, int removals, Map<String, AtomicInteger> allowed) {
    }

    private static EnvironmentConfig config() {
        return new EnvironmentConfig().cacheSize(2L << 20).checkpointKBytes(256).logSegmentSize(512L << 10)
                .pageReuseDelay(Duration.ZERO).lockTimeout(Duration.ofMillis(200));
    }

    @Test
    void concurrentWorkBackupsCheckpointsAndRemovalsLeaveEverythingVerifiable() throws Exception {
        long seed = seed();
        Path home = root.resolve("env");
        EnvironmentConfig config = config();
        Run run = run(home, config, seed, Integer.getInteger("cairn.chaos.seconds", 8), Integer.MAX_VALUE);
        Verifier.Report report = new Verifier(home).verify(List.of());
        assertTrue(report.ok(), "the environment verifies: " + report.problems());
        int checked = 0;
        for (int b = 1; b <= run.backups(); b++) {
            Path target = root.resolve("backup-" + b);
            BackupVerifier.Report br = new BackupVerifier(target).verify();
            assertTrue(br.ok(), target + " verifies as a backup: " + br.problems());
            Verifier.Report vr = new Verifier(target).verify(List.of());
            assertTrue(vr.ok(), target + " verifies as an environment: " + vr.problems());
            try (Environment copy = Environment.open(target, config)) {
                for (String name : copy.databaseNames()) {
                    copy.openDatabase(name, false).count();
                }
            }
            checked++;
        }
        try (Environment env = Environment.open(home, config)) {
            for (String name : env.databaseNames()) {
                env.openDatabase(name, false).count();
            }
        }
        assertTrue(checked > 0 && run.commits() > 0, "nothing happened: " + checked + " backups, " + run.commits() + " commits");
        System.out.println("[chaos] " + run.commits() + " transactions, " + checked + " backups verified, " + run.removals()
                + " removals; allowed failures: " + run.allowed());
    }

    /**
     * The archival procedure under the same load: one hot backup early, continuous archiving with
     * automatic log removal throughout, then catastrophic recovery of the backup with the archive
     * and the remaining log. The restore must equal the source, database by database, byte for byte.
     */
    @Test
    void aBackupPlusTheArchiveRestoresExactlyWhatTheSourceHolds() throws Exception {
        long seed = seed();
        Path home = root.resolve("env");
        Path archive = root.resolve("archive");
        EnvironmentConfig config = config().archiveEnabled(true).archiveDir(archive).logAutoRemove(true);
        Run run = run(home, config, seed, Integer.getInteger("cairn.chaos.seconds", 6), 1);
        assertEquals(1, run.backups(), "the backup was taken");
        assertTrue(!Files.exists(home.resolve("log").resolve("log.0000000001")),
                "automatic removal took the first segments out of log/, so the restore needs the archive");
        Map<String, String> source;
        try (Environment env = Environment.open(home, config)) {
            source = digests(env);
        }
        Path restore = root.resolve("restore");
        org.cairndb.TestSupport.copyTree(root.resolve("backup-1"), restore);
        EnvironmentConfig catastrophic = new EnvironmentConfig().cacheSize(8L << 20).catastrophicRecovery(true)
                .logSources(List.of(archive, home.resolve("log")));
        try (Environment restored = Environment.open(restore, catastrophic)) {
            assertEquals(source, digests(restored), "the restore holds exactly what the source holds (seed " + seed + ")");
        }
        System.out.println("[chaos] " + run.commits() + " transactions, " + run.removals() + " removals, restored exactly: "
                + source.keySet());
    }

    private static long seed() {
        long seed = Long.getLong("cairn.model.seed", System.nanoTime());
        System.out.println("[chaos] seed " + seed + " (repeat with -Dcairn.model.seed=" + seed + ", thread timing aside)");
        return seed;
    }

    /** SHA-256 of each database's records in key order. */
    private static Map<String, String> digests(Environment env) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String name : env.databaseNames()) {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            try (Cursor c = env.openDatabase(name, false).openCursor(null)) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    md.update(c.key());
                    md.update(new byte[] {0});
                    md.update(c.value());
                }
            }
            out.put(name, java.util.HexFormat.of().formatHex(md.digest()));
        }
        return out;
    }

    /** Five workers and an administrator for {@code seconds}; fails on any failure the API does not promise. */
    private Run run(Path home, EnvironmentConfig config, long seed, int seconds, int maxBackups) throws Exception {
        Map<String, AtomicInteger> allowed = new ConcurrentHashMap<>();
        Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger backups = new AtomicInteger();
        AtomicInteger removals = new AtomicInteger();
        AtomicInteger commits = new AtomicInteger();
        try (Environment env = Environment.open(home, config)) {
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 6; t++) {
                int id = t;
                Thread th = new Thread(() -> {
                    Random r = new Random(seed * 17 + id);
                    while (!stop.get()) {
                        try {
                            if (id == 5) {
                                admin(env, r, root, backups, removals, maxBackups);
                            } else {
                                work(env, r);
                                commits.incrementAndGet();
                            }
                        } catch (TransactionException | DatabaseNotFoundException e) {
                            allowed.computeIfAbsent(e.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
                        } catch (CairnException e) {
                            if (e.getMessage() != null && e.getMessage().contains("an unfinished transaction has written")) {
                                allowed.computeIfAbsent("removal refused", k -> new AtomicInteger()).incrementAndGet();
                            } else {
                                unexpected.add(e);
                            }
                        } catch (Throwable e) {
                            unexpected.add(e);
                        }
                    }
                }, "chaos-" + t);
                th.start();
                threads.add(th);
            }
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < deadline && unexpected.isEmpty()) {
                Thread.sleep(50); // the run's length; the workers do not depend on it
            }
            stop.set(true);
            for (Thread th : threads) {
                th.join(60_000);
                assertTrue(!th.isAlive(), th.getName() + " did not stop");
            }
        }
        if (!unexpected.isEmpty()) {
            Throwable first = unexpected.peek();
            throw new AssertionError(unexpected.size() + " unexpected failures (seed " + seed + "), the first: " + first, first);
        }
        return new Run(commits.get(), backups.get(), removals.get(), allowed);
    }

    private static void work(Environment env, Random r) {
        Database db = env.openDatabase("db" + r.nextInt(5));
        IsolationLevel level = IsolationLevel.values()[r.nextInt(IsolationLevel.values().length)];
        try (Transaction tx = env.beginTransaction(new TransactionConfig().isolation(level))) {
            int n = 1 + r.nextInt(6);
            for (int i = 0; i < n; i++) {
                byte[] k = ("k" + r.nextInt(400)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                int o = r.nextInt(10);
                if (o < 5) {
                    db.put(tx, k, new byte[r.nextInt(r.nextInt(10) == 0 ? 40_000 : 600)]);
                } else if (o < 7) {
                    db.delete(tx, k);
                } else if (o < 9) {
                    db.get(tx, k);
                } else {
                    try (Cursor c = db.openCursor(tx)) {
                        boolean forward = r.nextBoolean();
                        int m = 0;
                        for (boolean ok = forward ? c.first() : c.last(); ok && m < 200; ok = forward ? c.next() : c.prev()) {
                            m++;
                        }
                    }
                }
            }
            if (r.nextInt(10) == 0) {
                tx.abort();
            } else {
                tx.commit();
            }
        }
    }

    private static void admin(Environment env, Random r, Path root, AtomicInteger backups, AtomicInteger removals,
            int maxBackups) throws Exception {
        int op = r.nextInt(100);
        if (op < 50) {
            env.checkpoint(r.nextBoolean());
        } else if (op < 58 && backups.get() < maxBackups) {
            Path target = root.resolve("backup-" + (backups.get() + 1));
            HotBackup.run(env.internals(), target, BackupOptions.defaults().withSplitLayout(r.nextBoolean()));
            backups.incrementAndGet();
        } else if (op < 70) {
            env.removeDatabase("db" + r.nextInt(5));
            removals.incrementAndGet();
        } else {
            Thread.onSpinWait();
        }
    }
}
