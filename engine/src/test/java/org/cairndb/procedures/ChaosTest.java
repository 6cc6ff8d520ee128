package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.cairndb.CairnException;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.DatabaseNotFoundException;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.IsolationLevel;
import org.cairndb.RecoveryTarget;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionException;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.Failover;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.CommitRecord;
import org.cairndb.log.LogRecordType;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.tools.BackupVerifier;
import org.cairndb.tools.Verifier;
import org.cairndb.TestSupport;
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

    /** One step of the administrator's thread. */
    private interface Admin {
        void step(Environment env, Random r, AtomicInteger backups, AtomicInteger removals) throws Exception;
    }

    /**
     * A database no one removes, where every worker transaction first writes its own id: what a copy
     * holds of it says which transactions the copy holds. Transactions are sorted by what the worker
     * saw: acknowledged (commit returned), rolled back before any commit was tried, or unknown (the
     * commit call failed).
     */
    private static final class Ledger {
        final Set<Long> started = new ConcurrentSkipListSet<>();
        final Set<Long> acknowledged = new ConcurrentSkipListSet<>();
        final Set<Long> rolledBack = new ConcurrentSkipListSet<>();

        static byte[] key(long txnId) {
            return java.nio.ByteBuffer.allocate(8).putLong(txnId).array();
        }

        static TreeSet<Long> read(Environment env) {
            TreeSet<Long> ids = new TreeSet<>();
            if (!env.databaseNames().contains("ledger")) {
                return ids;
            }
            try (Cursor c = env.openDatabase("ledger", false).openCursor(null)) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    ids.add(java.nio.ByteBuffer.wrap(c.key()).getLong());
                }
            }
            return ids;
        }
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
        Run run = run(home, config, seed, Integer.getInteger("cairn.chaos.seconds", 8), backupsUpTo(Integer.MAX_VALUE), null);
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
        Run run = run(home, config, seed, Integer.getInteger("cairn.chaos.seconds", 6), backupsUpTo(1), null);
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

    /**
     * Hot failover and point-in-time recovery under the same load, with continuous archiving and
     * automatic log removal: the administrator takes one hot backup first, then updates a failover
     * copy and a second backup ({@code -u}) again and again. After each update a copy of what it
     * updated must verify, open and hold every transaction acknowledged before the update began
     * and none rolled back; after the run a last failover update must equal the source exactly; and
     * the first backup recovered with the archive to a transaction and to a time chosen at random
     * must hold exactly the transactions committed up to them.
     *
     * <p>This found two failover bugs: an update after log removal skipped the removed segments,
     * and a first update left out segments not yet archived (see {@code FailoverUnderLoadTest}).
     */
    @Test
    void failoverUpdatesAndPointInTimeRecoveryHoldExactlyTheRightTransactions() throws Exception {
        long seed = seed();
        Path home = root.resolve("env");
        Path archive = root.resolve("archive");
        Path failover = root.resolve("failover");
        EnvironmentConfig config = config().archiveEnabled(true).archiveDir(archive).logAutoRemove(true);
        Ledger ledger = new Ledger();
        AtomicInteger updates = new AtomicInteger();
        AtomicInteger backupUpdates = new AtomicInteger();
        Path updated = root.resolve("backup-updated");
        Admin admin = (env, r, backups, removals) -> {
            int op = r.nextInt(100);
            if (backups.get() == 0) {
                HotBackup.run(env.internals(), root.resolve("backup-1"), BackupOptions.defaults());
                backups.incrementAndGet();
            } else if (op < 40) {
                env.checkpoint(r.nextBoolean());
            } else if (op < 55) {
                Set<Long> before = new HashSet<>(ledger.acknowledged);
                Failover.update(env.internals(), failover, BackupOptions.defaults());
                checkCopy(failover, before, ledger, "failover update " + updates.incrementAndGet() + ", seed " + seed);
            } else if (op < 60) {
                // One more backup, brought up to date again and again (cairn hotbackup -u).
                Set<Long> before = new HashSet<>(ledger.acknowledged);
                boolean exists = Files.exists(updated.resolve("backup.manifest"));
                HotBackup.run(env.internals(), updated, BackupOptions.defaults().withUpdate(exists));
                checkCopy(updated, before, ledger, "backup update " + backupUpdates.incrementAndGet() + ", seed " + seed);
            } else if (op < 67) {
                removeADatabase(env, r, removals);
            } else {
                Thread.onSpinWait();
            }
        };
        Run run = run(home, config, seed, Integer.getInteger("cairn.chaos.seconds", 6), admin, ledger);
        assertTrue(updates.get() > 0 && !ledger.acknowledged.isEmpty(), updates + " failover updates, " + run.commits() + " commits");

        Map<String, String> source;
        try (Environment env = Environment.open(home, config)) {
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            source = digests(env);
        }
        try (Environment copy = Environment.open(failover, new EnvironmentConfig().allowCreate(false))) {
            assertEquals(source, digests(copy), "a failover update after the load ends equals the source (seed " + seed + ")");
        }

        // Every commit in log order, from the archive and the log that automatic removal left.
        TreeMap<Long, long[]> commits = new TreeMap<>();
        for (Path logs : List.of(archive, home.resolve("log"))) {
            new LogScanner(NioFileIO.INSTANCE, logs).scan(Lsn.NULL, null, f -> {
                if (f.type() == LogRecordType.COMMIT) {
                    CommitRecord c = (CommitRecord) f.decode();
                    commits.put(f.lsn(), new long[] {c.txnId(), c.commitMillis()});
                }
            });
        }
        // Targets among the later half of the commits, all after the backup.
        List<Long> late = new ArrayList<>(commits.tailMap(commits.lastKey() - (commits.lastKey() - commits.firstKey()) / 2)
                .entrySet().stream().filter(e -> ledger.acknowledged.contains(e.getValue()[0])).map(Map.Entry::getKey).toList());
        Random random = new Random(seed);
        long targetTxn = commits.get(late.get(random.nextInt(late.size())))[0];
        long targetMillis = commits.get(late.get(random.nextInt(late.size())))[1];
        TreeSet<Long> toTxn = new TreeSet<>();
        TreeSet<Long> toTime = new TreeSet<>();
        boolean reached = false;
        for (long[] c : commits.values()) {
            if (!reached && ledger.started.contains(c[0])) {
                toTxn.add(c[0]);
            }
            reached |= c[0] == targetTxn;
            if (c[1] <= targetMillis && ledger.started.contains(c[0])) {
                toTime.add(c[0]);
            }
        }
        List<Path> logs = List.of(archive, home.resolve("log"));
        assertEquals(toTxn, recoverBackup("pitr-txn", logs, RecoveryTarget.transaction(targetTxn, true)),
                "recovery to transaction " + targetTxn + " holds exactly the transactions committed up to it (seed " + seed + ")");
        java.time.Instant time = java.time.Instant.ofEpochMilli(targetMillis);
        assertEquals(toTime, recoverBackup("pitr-time", logs, RecoveryTarget.time(time, true)),
                "recovery to " + time + " holds exactly the transactions committed by then (seed " + seed + ")");
        System.out.println("[chaos] " + run.commits() + " transactions, " + updates + " failover updates and " + backupUpdates
                + " backup updates checked, " + run.removals() + " removals; of " + commits.size() + " commits, recovered "
                + toTxn.size() + " to transaction " + targetTxn + " and " + toTime.size() + " to " + time);
    }

    /** Catastrophic recovery of a copy of backup-1 with {@code logs} to {@code target}; the ledger it holds. */
    private TreeSet<Long> recoverBackup(String name, List<Path> logs, RecoveryTarget target) throws Exception {
        Path restore = root.resolve(name);
        org.cairndb.TestSupport.copyTree(root.resolve("backup-1"), restore);
        EnvironmentConfig pitr = new EnvironmentConfig().cacheSize(8L << 20).catastrophicRecovery(true).logSources(logs)
                .recoveryTarget(target);
        try (Environment restored = Environment.open(restore, pitr)) {
            return Ledger.read(restored);
        }
    }

    /** Opens a copy of a backup or failover copy: every transaction in {@code before} present, none rolled back. */
    private void checkCopy(Path copied, Set<Long> before, Ledger ledger, String what) throws Exception {
        BackupVerifier.Report verified = new BackupVerifier(copied).verify();
        assertTrue(verified.ok(), what + ": the copy verifies: " + verified.problems());
        Path check = root.resolve("copy-check");
        org.cairndb.TestSupport.copyTree(copied, check);
        try (Environment copy = Environment.open(check, new EnvironmentConfig().cacheSize(8L << 20).allowCreate(false))) {
            TreeSet<Long> held = Ledger.read(copy);
            Set<Long> missing = new TreeSet<>(before);
            missing.removeAll(held);
            assertTrue(missing.isEmpty(), what + ": acknowledged before the update began but missing: " + missing);
            Set<Long> rolledBack = new TreeSet<>(held);
            rolledBack.retainAll(ledger.rolledBack);
            assertTrue(rolledBack.isEmpty(), what + ": rolled back but present: " + rolledBack);
        } finally {
            TestSupport.deleteTree(check);
        }
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
    private Run run(Path home, EnvironmentConfig config, long seed, int seconds, Admin admin, Ledger ledger) throws Exception {
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
                                admin.step(env, r, backups, removals);
                            } else {
                                work(env, r, ledger);
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

    private static void work(Environment env, Random r, Ledger ledger) {
        Database db = env.openDatabase("db" + r.nextInt(5));
        IsolationLevel level = IsolationLevel.values()[r.nextInt(IsolationLevel.values().length)];
        boolean committing = false;
        Transaction tx = env.beginTransaction(new TransactionConfig().isolation(level));
        try (tx) {
            if (ledger != null) {
                ledger.started.add(tx.id());
                env.openDatabase("ledger").put(tx, Ledger.key(tx.id()), new byte[0]);
            }
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
                committing = true;
                tx.commit();
                if (ledger != null) {
                    ledger.acknowledged.add(tx.id());
                }
            }
        } finally {
            if (ledger != null && !committing) {
                ledger.rolledBack.add(tx.id());
            }
        }
    }

    /** Checkpoints, hot backups (at most {@code maxBackups}) and database removals. */
    private Admin backupsUpTo(int maxBackups) {
        return (env, r, backups, removals) -> {
            int op = r.nextInt(100);
            if (op < 50) {
                env.checkpoint(r.nextBoolean());
            } else if (op < 58 && backups.get() < maxBackups) {
                Path target = root.resolve("backup-" + (backups.get() + 1));
                HotBackup.run(env.internals(), target, BackupOptions.defaults().withSplitLayout(r.nextBoolean()));
                backups.incrementAndGet();
            } else if (op < 70) {
                removeADatabase(env, r, removals);
            } else {
                Thread.onSpinWait();
            }
        };
    }

    private static void removeADatabase(Environment env, Random r, AtomicInteger removals) {
        env.removeDatabase("db" + r.nextInt(5));
        removals.incrementAndGet();
    }
}
