package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Normal recovery after an in-process crash (abandon): committed present, uncommitted absent. */
class RecoveryTest {

    @TempDir
    Path dir;

    @Test
    void committedWorkSurvivesAndUncommittedWorkVanishes() {
        Environment env = TestSupport.open(dir);
        Database a = env.openDatabase("a");
        Database c = env.openDatabase("c");
        for (int i = 0; i < 5000; i++) {
            a.put(null, b("k" + i), b("v" + i));
        }
        env.checkpoint(true);
        for (int i = 5000; i < 8000; i++) {
            a.put(null, b("k" + i), b("v" + i));
        }
        a.delete(null, b("k1"));
        Transaction multi = env.beginTransaction();
        a.put(multi, b("both"), b("A"));
        c.put(multi, b("both"), b("C"));
        multi.commit();
        Transaction open = env.beginTransaction();
        a.put(open, b("uncommitted"), b("x"));
        env.openDatabase("created-after-checkpoint").put(null, b("n"), b("1"));
        env.internals().abandon();

        try (Environment again = TestSupport.open(dir)) {
            RecoveryReport r = again.recoveryReport();
            assertTrue(r.transactionsRedone() >= 3002, r.toString());
            Database a2 = again.openDatabase("a", false);
            assertEquals(7999 + 1, a2.count());
            assertEquals("v7999", s(a2.get(null, b("k7999"))));
            assertNull(a2.get(null, b("k1")));
            assertNull(a2.get(null, b("uncommitted")));
            assertEquals("A", s(a2.get(null, b("both"))));
            assertEquals("C", s(again.openDatabase("c", false).get(null, b("both"))));
            assertEquals("1", s(again.openDatabase("created-after-checkpoint", false).get(null, b("n"))));
        }
    }

    @Test
    void removedDatabasesStayRemovedAndIdsAreNotReused() {
        Environment env = TestSupport.open(dir);
        Database x = env.openDatabase("x");
        x.put(null, b("k"), b("old incarnation"));
        env.checkpoint(true);
        x.put(null, b("k2"), b("written after the checkpoint"));
        env.removeDatabase("x");
        Database y = env.openDatabase("x");
        y.put(null, b("k"), b("new incarnation"));
        env.internals().abandon();
        try (Environment again = TestSupport.open(dir)) {
            Database x2 = again.openDatabase("x", false);
            assertEquals("new incarnation", s(x2.get(null, b("k"))));
            assertNull(x2.get(null, b("k2")));
            assertEquals(1, x2.count());
        }
    }

    @Test
    void recoveryIsRepeatableAndTheSecondOpenHasNothingToDo() throws InterruptedException {
        writeThousandKeysAndCrash();
        Environment second = TestSupport.open(dir);
        assertEquals(1000 + 0, second.recoveryReport().transactionsRedone());
        // The replayed commits reach the data files in a checkpoint the daemon takes after the open returned.
        TestSupport.awaitTrue(() -> second.stats().checkpoints() >= 1, "the checkpoint after recovery");
        second.internals().abandon(); // crash right after recovery's checkpoint
        try (Environment third = TestSupport.open(dir)) {
            assertEquals(0, third.recoveryReport().transactionsRedone());
            // Recovery's checkpoint recorded the last commit it replayed; this open, replaying none, names it.
            assertEquals(second.recoveryReport().lastCommitTxnId(), third.recoveryReport().lastCommitTxnId());
            assertEquals(second.recoveryReport().lastCommitTime(), third.recoveryReport().lastCommitTime());
            assertTrue(second.recoveryReport().lastCommitReplayed());
            assertFalse(third.recoveryReport().lastCommitReplayed());
            assertEquals(1000, third.openDatabase("a", false).count());
        }
    }

    /**
     * A recovery that replays no commit names the last one the data files' checkpoint holds (a
     * transaction that wrote nothing logs no commit and is not it); and a point-in-time recovery
     * to a time between that commit and the checkpoint is allowed, since the files say what they
     * hold (before, only the checkpoint's time was known, and such a target was refused).
     */
    @Test
    void theDataFilesNameTheirLastCommitForRecoveryAndForARecoveryToATime() throws Exception {
        long last;
        long afterCommit;
        try (Environment env = TestSupport.open(dir)) {
            Database a = env.openDatabase("a");
            Transaction t = env.beginTransaction();
            a.put(t, b("k"), b("v"));
            t.commit();
            last = t.id();
            afterCommit = System.currentTimeMillis();
            Transaction readOnly = env.beginTransaction();
            a.get(readOnly, b("k"));
            readOnly.commit();
            TestSupport.awaitTrue(() -> System.currentTimeMillis() > afterCommit + 2, "the clock to pass the commit");
        } // closing checkpoints, later than the commit
        RecoveryReport r;
        try (Environment again = TestSupport.open(dir)) {
            r = again.recoveryReport();
        }
        assertEquals(0, r.transactionsRedone(), r.toString());
        assertEquals(last, r.lastCommitTxnId(), r.toString());
        assertFalse(r.lastCommitReplayed());
        assertTrue(r.lastCommitTime().toEpochMilli() <= afterCommit, r.toString());
        assertTrue(r.toString().contains("last commit: transaction " + last + " at " + r.lastCommitTime()
                + " (in the data files' checkpoint)"), r.toString());

        java.time.Instant before = r.lastCommitTime().minusMillis(1);
        CairnException refused = org.junit.jupiter.api.Assertions.assertThrows(CairnException.class, () -> Environment.open(dir,
                TestSupport.config().catastrophicRecovery(true).recoveryTarget(RecoveryTarget.time(before, true))).close());
        assertTrue(refused.getMessage().contains("holds transaction " + last + ", committed at " + r.lastCommitTime()
                + ", after the target"), refused.getMessage());
        java.time.Instant between = java.time.Instant.ofEpochMilli(afterCommit + 1);
        try (Environment pitr = Environment.open(dir, TestSupport.config().catastrophicRecovery(true)
                .recoveryTarget(RecoveryTarget.time(between, true)))) {
            assertEquals("v", s(pitr.openDatabase("a", false).get(null, b("k"))));
            assertEquals(last, pitr.recoveryReport().lastCommitTxnId());
        }
    }

    /**
     * Data files that disagree about their last commit: a database created after the last
     * checkpoint names none (its file was never checkpointed). The others' still names the last
     * commit the environment holds; it used to be reported as unknown.
     */
    @Test
    void aDatabaseCreatedAfterTheLastCheckpointDoesNotHideTheLastCommit() {
        long last;
        try (Environment env = TestSupport.open(dir)) {
            Transaction t = env.beginTransaction();
            env.openDatabase("a").put(t, b("k"), b("v"));
            t.commit();
            last = t.id();
        } // closing checkpoints: a.cdb names transaction `last`
        Environment env = TestSupport.open(dir);
        env.openDatabase("created-later"); // a file that no checkpoint has written yet, and no commit
        env.internals().abandon();
        try (Environment again = TestSupport.open(dir)) {
            RecoveryReport r = again.recoveryReport();
            assertEquals(0, r.transactionsRedone(), r.toString());
            assertEquals(last, r.lastCommitTxnId(), r.toString());
            org.junit.jupiter.api.Assertions.assertNotNull(r.lastCommitTime(), r.toString());
            assertFalse(r.lastCommitReplayed(), r.toString());
            assertTrue(again.databaseNames().contains("created-later"), again.databaseNames().toString());
        }
    }

    @Test
    void aCrashBeforeTheCheckpointAfterRecoveryReplaysTheSameLogAgain() {
        writeThousandKeysAndCrash();
        Environment second = TestSupport.open(dir);
        assertEquals(1000, second.recoveryReport().transactionsRedone());
        Database again = second.openDatabase("a", false);
        for (int i = 0; i < 10; i++) {
            again.put(null, b("k" + i), b("w" + i)); // new commits while the checkpoint may still be running
        }
        second.internals().abandon();
        try (Environment third = TestSupport.open(dir)) {
            Database d = third.openDatabase("a", false);
            assertEquals(1000, d.count());
            for (int i = 0; i < 1000; i++) {
                assertEquals(i < 10 ? "w" + i : "v" + i, s(d.get(null, b("k" + i))));
            }
        }
    }

    /**
     * A replay much larger than the cache: batches are applied by a second thread, the data files
     * are checkpointed in the middle (dirty memory passes half the cache), and a database created
     * and another removed half-way make the reading thread wait for the batches in flight.
     */
    @Test
    void aReplayLargerThanTheCacheCheckpointsOnTheWayAndKeepsEveryDatabaseRight() {
        // Written with a large cache (so no checkpoint runs), replayed with a small one.
        Environment env = Environment.open(dir, TestSupport.config().cacheSize(64L << 20));
        EnvironmentConfig small = TestSupport.config().cacheSize(2L << 20);
        Database a = env.openDatabase("a");
        Database gone = env.openDatabase("gone");
        byte[] value = new byte[300];
        for (int i = 0; i < 20_000; i++) {
            a.put(null, b(String.format("k%06d", (i * 7919) % 20_000)), value);
            if (i % 1000 == 0) {
                gone.put(null, b("g" + i), value);
            }
        }
        env.removeDatabase("gone");
        Database late = env.openDatabase("late");
        for (int i = 0; i < 5_000; i++) {
            late.put(null, b("l" + i), b("v" + i));
            a.delete(null, b(String.format("k%06d", i)));
        }
        env.internals().abandon();
        try (Environment second = Environment.open(dir, small)) {
            assertTrue(second.stats().dirtyBytes() <= (2L << 20), "dirty memory " + second.stats().dirtyBytes());
            assertEquals(15_000, second.openDatabase("a", false).count());
            assertNull(second.openDatabase("a", false).get(null, b("k004999")));
            assertEquals(300, second.openDatabase("a", false).get(null, b("k005000")).length);
            assertEquals(5_000, second.openDatabase("late", false).count());
            assertEquals("v4999", s(second.openDatabase("late", false).get(null, b("l4999"))));
            assertTrue(!second.databaseNames().contains("gone"), "removed database came back: " + second.databaseNames());
        }
    }

    /** Commits k0..k999 = v0..v999 into database "a", one auto-commit each, then crashes (no checkpoint ran). */
    /** With the data files lost, the report says where the replay of the log alone began, not "0/0". */
    @Test
    void aRecoveryFromTheLogAloneReportsWhereItsReplayBegan() throws Exception {
        Path home = dir.resolve("log-alone");
        try (Environment env = Environment.open(home, TestSupport.config())) {
            env.openDatabase("t").put(null, b("k"), b("v"));
        }
        try (var files = java.nio.file.Files.list(home.resolve("data"))) {
            for (Path p : files.toList()) {
                java.nio.file.Files.delete(p);
            }
        }
        try (Environment env = Environment.open(home, TestSupport.config().catastrophicRecovery(true))) {
            assertEquals("v", s(env.openDatabase("t", false).get(null, b("k"))));
            String start = env.recoveryReport().startLsn();
            assertEquals(org.cairndb.log.Lsn.of(1, org.cairndb.log.SegmentHeader.SIZE),
                    org.cairndb.log.Lsn.parse(start), "the first record of segment 1: " + env.recoveryReport());
        }
    }

    private void writeThousandKeysAndCrash() {
        Environment env = TestSupport.open(dir);
        Database a = env.openDatabase("a");
        for (int i = 0; i < 1000; i++) {
            a.put(null, b("k" + i), b("v" + i));
        }
        env.internals().abandon();
    }
}
