package org.cairndb.recovery;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cairndb.Cursor;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.TransactionException;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.BackupResult;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.CommitRecord;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point-in-time recovery of a log written by concurrent writers (group commits, segment switches
 * under load, checkpoints and automatic removal of archived segments beside them, a hot backup
 * taken while they run): every commit's writes are noted by transaction; the expected contents at
 * a target are those of the commits before it in log order, and a recovery of the backup plus the
 * archive to it must hold exactly them.
 */
class PointInTimeConcurrentOracleTest {

    @TempDir
    Path dir;

    record Commit(long txnId, long lsn, long end, long millis) {
    }

    private final Map<Long, TreeMap<String, String>> writesByTxn = new ConcurrentHashMap<>();

    private static EnvironmentConfig config(Path archive) {
        return TestSupport.config().logSegmentSize(64 << 10).archiveEnabled(true).archiveDir(archive).logAutoRemove(true);
    }

    @Test
    void concurrentCommitsRecoverToEveryKindOfTarget() throws Exception {
        Path home = dir.resolve("env");
        Path archive = dir.resolve("archive");
        Path backup = dir.resolve("backup");
        BackupResult taken;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Environment env = Environment.open(home, config(archive))) {
            env.openDatabase("t");
            AtomicBoolean running = new AtomicBoolean(true);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                int seed = w;
                futures.add(pool.submit(() -> {
                    write(env, new Random(seed), running);
                    return null;
                }));
            }
            futures.add(TestSupport.checkpointWhile(pool, env, running));
            waitForLog(env, 3);
            taken = HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(true).withRecover(false));
            waitForLog(env, 6);
            running.set(false);
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        List<Commit> commits = readCommits(home, archive);
        long backupEnd = Lsn.parse(taken.manifest().endLsn());
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < commits.size(); i++) {
            if (commits.get(i).lsn() > backupEnd && i > 0) {
                candidates.add(i);
            }
        }
        assertTrue(candidates.size() > 20, "commits after the backup: " + candidates.size());
        Random rnd = new Random(42);
        for (int n = 0; n < 12; n++) {
            int i = candidates.get(rnd.nextInt(candidates.size()));
            Commit c = commits.get(i);
            RecoveryTarget t;
            int keep;
            switch (n % 6) {
                case 0 -> { t = RecoveryTarget.lsn(c.lsn(), true); keep = i + 1; }
                case 1 -> { t = RecoveryTarget.lsn(c.lsn(), false); keep = i; }
                case 2 -> { t = RecoveryTarget.transaction(c.txnId(), true); keep = i + 1; }
                case 3 -> { t = RecoveryTarget.transaction(c.txnId(), false); keep = i; }
                case 4 -> {
                    t = RecoveryTarget.time(Instant.ofEpochMilli(c.millis()), true);
                    keep = i + 1;
                    while (keep < commits.size() && commits.get(keep).millis() <= c.millis()) {
                        keep++;
                    }
                }
                default -> {
                    t = RecoveryTarget.time(Instant.ofEpochMilli(c.millis()), false);
                    keep = i;
                    while (keep > 0 && commits.get(keep - 1).millis() >= c.millis()) {
                        keep--;
                    }
                    if (commits.get(keep).lsn() <= backupEnd) {
                        continue;
                    }
                }
            }
            TreeMap<String, String> expected = new TreeMap<>();
            for (int j = 0; j < keep; j++) {
                writesByTxn.get(commits.get(j).txnId()).forEach((k, v) -> {
                    if (v == null) {
                        expected.remove(k);
                    } else {
                        expected.put(k, v);
                    }
                });
            }
            Path restored = dir.resolve("restored-" + n);
            TestSupport.copyTree(backup, restored);
            try (Environment env = Environment.open(restored, TestSupport.config().catastrophicRecovery(true).recoveryTarget(t)
                    .logSources(List.of(archive, home.resolve("log"))))) {
                TreeMap<String, String> got = new TreeMap<>();
                try (Cursor cur = env.openDatabase("t", false).openCursor(null)) {
                    for (boolean ok = cur.first(); ok; ok = cur.next()) {
                        got.put(s(cur.key()), s(cur.value()));
                    }
                }
                assertEquals(expected, got, t + ", commit " + i + " " + c + ": " + env.recoveryReport());
            }
            TestSupport.deleteTree(restored);
        }
    }

    /** Waits until the log has gone on {@code segments} more segments. */
    private static void waitForLog(Environment env, int segments) throws InterruptedException {
        long until = env.internals().log().currentSegment() + segments;
        TestSupport.awaitTrue(() -> env.internals().log().currentSegment() >= until, "segment " + until);
    }

    private void write(Environment env, Random rnd, AtomicBoolean running) {
        while (running.get()) {
            Transaction t = env.beginTransaction();
            TreeMap<String, String> writes = new TreeMap<>();
            try {
                int n = 1 + rnd.nextInt(4);
                for (int j = 0; j < n; j++) {
                    String key = String.format("k%03d", rnd.nextInt(200));
                    if (rnd.nextInt(5) == 0) {
                        env.openDatabase("t", false).delete(t, b(key));
                        writes.put(key, null);
                    } else {
                        String v = t.id() + "-" + j + "x".repeat(rnd.nextInt(600));
                        env.openDatabase("t", false).put(t, b(key), b(v));
                        writes.put(key, v);
                    }
                }
                writesByTxn.put(t.id(), writes); // before the commit: a reader of the log may meet it at once
                t.commit();
            } catch (TransactionException e) {
                writesByTxn.remove(t.id());
                if (t.isActive()) {
                    t.abort();
                }
            }
        }
    }

    private static List<Commit> readCommits(Path home, Path archive) throws Exception {
        Path all = home.resolveSibling("all-log");
        Files.createDirectories(all);
        for (Path d : List.of(archive, home.resolve("log"))) {
            try (var st = Files.list(d)) {
                for (Path p : st.filter(p -> p.getFileName().toString().matches("log\\.\\d+")).toList()) {
                    Files.copy(p, all.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        List<Commit> commits = new ArrayList<>();
        new LogScanner(NioFileIO.INSTANCE, all).scan(Lsn.NULL, null, f -> {
            if (f.decode() instanceof CommitRecord c) {
                commits.add(new Commit(c.txnId(), f.lsn(), f.endLsn(), c.commitMillis()));
            }
        });
        for (int i = 1; i < commits.size(); i++) {
            assertTrue(commits.get(i).millis() >= commits.get(i - 1).millis(), "commit times go back at " + commits.get(i));
        }
        return commits;
    }
}
