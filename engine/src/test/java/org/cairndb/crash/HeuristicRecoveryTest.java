package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.HeuristicOutcome;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.Failover;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heuristic outcomes (an admin's commit or rollback of a prepared transaction, remembered until
 * forgotten) live only in the log: in the COMMIT or ABORT record of the decision, and repeated in
 * every CHECKPOINT record after it. Whatever moves the data files' recovery start must leave a
 * record that names them in the log recovery will scan: a checkpoint that a crash cuts off between
 * the data files and its own CHECKPOINT record, a checkpoint in the middle of a recovery, and the
 * recovery of a hot backup or failover copy (which writes no record into the copied log).
 */
class HeuristicRecoveryTest {

    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static EnvironmentConfig config(org.cairndb.io.FileIO io) {
        return new EnvironmentConfig().fileIO(io).durability(Durability.SYNC).checkpointerEnabled(false);
    }

    /** Prepares a transaction that writes {@code key}, then decides it as an admin would. */
    private static void decide(Environment env, Database db, String gid, boolean commit) {
        Transaction t = env.beginTransaction();
        db.put(t, b(gid + "-key"), b(gid + "-value"));
        t.prepare(b(gid));
        if (commit) {
            t.heuristicCommit();
        } else {
            t.heuristicRollback();
        }
    }

    private static Map<String, Boolean> outcomes(Environment env) {
        Map<String, Boolean> m = new TreeMap<>();
        for (HeuristicOutcome h : env.heuristicOutcomes()) {
            m.put(new String(h.globalId(), StandardCharsets.UTF_8), h.committed());
        }
        return m;
    }

    /**
     * Outcomes a, b (decided before a first checkpoint), c (decided and forgotten) and d (decided
     * after it); the expected outcomes and data are checked by {@link #assertOutcomes}.
     */
    private static void decideFour(Environment env, Database db) {
        decide(env, db, "a", true);
        decide(env, db, "b", false);
        decide(env, db, "c", true);
        assertTrue(env.forgetHeuristic(b("c")));
        env.checkpoint(true);
        decide(env, db, "d", true);
        db.put(null, b("later"), b("1"));
    }

    private static void assertOutcomes(Environment env, String what) {
        assertEquals(Map.of("a", true, "b", false, "d", true), outcomes(env), what);
        Database db = env.openDatabase("t", false);
        assertArrayEquals(b("a-value"), db.get(null, b("a-key")), what);
        assertNull(db.get(null, b("b-key")), what);
        assertArrayEquals(b("d-value"), db.get(null, b("d-key")), what);
        assertArrayEquals(b("1"), db.get(null, b("later")), what);
    }

    @Test
    void aCrashBetweenTheDataFilesAndTheCheckpointRecordKeepsTheOutcomes() {
        Path home = tmp.resolve("env");
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 1);
        Environment env = Environment.open(home, config(fio));
        Database db = env.openDatabase("t");
        decideFour(env, db);
        // Every commit and decision above was forced: the checkpoint's first log write is its
        // CHECKPOINT record, after the data files took their new recovery start.
        fio.crashOnWrite(1, CrashRig::isLogSegment, CrashOptions.lossOnly());
        RuntimeException e = assertThrows(RuntimeException.class, () -> env.checkpoint(true));
        assertTrue(CrashRig.chainMentions(e, "simulated power loss"), CrashRig.describe(e));
        env.internals().abandon();
        Environment again = Environment.open(home, config(NioFileIO.INSTANCE));
        assertOutcomes(again, "after a power loss before the checkpoint's record");
        // Two more checkpoints, then a crash: recovery still finds them.
        again.checkpoint(true);
        again.checkpoint(true);
        again.internals().abandon();
        try (Environment third = Environment.open(home, config(NioFileIO.INSTANCE))) {
            assertOutcomes(third, "after two more checkpoints and a crash");
            assertTrue(third.forgetHeuristic(b("a")));
        }
        try (Environment fourth = Environment.open(home, config(NioFileIO.INSTANCE))) {
            assertEquals(Map.of("b", false, "d", true), outcomes(fourth), "a forgotten outcome stays forgotten");
        }
    }

    @Test
    void aRecoveredHotBackupAndAFailoverCopyKeepTheOutcomes() throws IOException {
        Path home = tmp.resolve("env");
        Path backup = tmp.resolve("backup");
        Path failover = tmp.resolve("failover");
        try (Environment env = Environment.open(home, config(NioFileIO.INSTANCE))) {
            decideFour(env, env.openDatabase("t"));
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            assertOutcomes(env, "the source");
        }
        for (Path copy : new Path[] {backup, failover}) {
            try (Environment env = Environment.open(copy, config(NioFileIO.INSTANCE))) {
                assertOutcomes(env, "the recovered copy " + copy.getFileName());
            }
        }
    }

    @Test
    void aCrashAfterACheckpointInTheMiddleOfRecoveryKeepsTheOutcomes() throws IOException {
        Path crashed = tmp.resolve("crashed");
        Environment env = Environment.open(crashed, config(NioFileIO.INSTANCE).cacheSize(64L << 20));
        Database db = env.openDatabase("t");
        decideFour(env, db);
        // Far more than the 1 MiB cache of the next open: its recovery checkpoints in the middle.
        byte[] value = new byte[300];
        for (int i = 0; i < 30_000; i += 500) {
            try (Transaction t = env.beginTransaction()) {
                for (int j = i; j < i + 500; j++) {
                    db.put(t, b(String.format("k%08d", (j * 7919) % 30_000)), value);
                }
                t.commit();
            }
        }
        env.internals().abandon();
        Path home = tmp.resolve("env");
        TestSupport.copyTree(crashed, home);
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 2);
        // Two forces per data-file checkpoint (pages, then header): the fourth is in the second one.
        fio.crashOnForce(4, CrashRig::isDataFile, CrashOptions.lossOnly());
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> Environment.open(home, config(fio).cacheSize(1L << 20)).close());
        assertTrue(CrashRig.chainMentions(e, "simulated power loss"), CrashRig.describe(e));
        try (Environment again = Environment.open(home, config(NioFileIO.INSTANCE).cacheSize(1L << 20))) {
            assertOutcomes(again, "after a power loss during recovery's second checkpoint");
            // a-key, c-key (committed, then forgotten), d-key, later
            assertEquals(30_000 + 4, again.openDatabase("t", false).count());
        }
    }
    /**
     * Recovery to a time: a prepare, or an admin's decision, made after that time is past it as a
     * commit would be. The environment comes back as it was then: the transaction in doubt (with
     * its lock) if only its decision came later, not prepared at all if its prepare did.
     */
    @Test
    void aRecoveryToATimeBeforeADecisionLeavesTheTransactionInDoubt() throws Exception {
        Path home = tmp.resolve("env");
        Path backup = tmp.resolve("backup");
        long afterFirstPrepare;
        try (Environment env = Environment.open(home, config(NioFileIO.INSTANCE))) {
            Database db = env.openDatabase("t");
            db.put(null, b("a"), b("1"));
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            Transaction first = env.beginTransaction();
            db.put(first, b("first-key"), b("first-value"));
            first.prepare(b("first"));
            afterFirstPrepare = nextMillisecond();
            nextMillisecond();
            Transaction second = env.beginTransaction();
            db.put(second, b("second-key"), b("second-value"));
            second.prepare(b("second"));
            nextMillisecond();
            first.heuristicRollback();
            db.put(null, b("later"), b("2"));
        }
        Path atFirst = tmp.resolve("at-first");
        TestSupport.copyTree(backup, atFirst);
        try (Environment env = Environment.open(atFirst, config(NioFileIO.INSTANCE).catastrophicRecovery(true)
                .logSources(java.util.List.of(home.resolve("log")))
                .recoveryTarget(org.cairndb.RecoveryTarget.time(java.time.Instant.ofEpochMilli(afterFirstPrepare), true)))) {
            assertEquals(java.util.List.of("first"), env.preparedTransactions().stream()
                    .map(p -> new String(p.globalId(), StandardCharsets.UTF_8)).toList(),
                    "in doubt as it was at the target: its rollback and the second prepare came later");
            assertEquals(Map.of(), outcomes(env));
            Database db = env.openDatabase("t", false);
            assertArrayEquals(b("1"), db.get(null, b("a")));
            assertNull(db.get(null, b("second-key")));
            assertNull(db.get(null, b("later")));
        }
    }

    /** Waits for the clock to pass the current millisecond; returns the millisecond it was. */
    private static long nextMillisecond() throws InterruptedException {
        long now = System.currentTimeMillis();
        TestSupport.awaitTrue(() -> System.currentTimeMillis() > now + 1, "the clock to move on");
        return now + 1;
    }
}
