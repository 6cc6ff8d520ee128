package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prepare(): durable, survives a crash with writes and locks, then commit or rollback. */
class TwoPhaseCommitTest {

    @TempDir
    Path dir;

    @Test
    void preparedTransactionsSurviveACrashWithTheirLocksAndCanThenBeResolved() {
        Environment env = TestSupport.open(dir);
        Database db = env.openDatabase("t");
        db.put(null, b("k1"), b("old1"));
        db.put(null, b("k2"), b("old2"));
        Transaction toCommit = env.beginTransaction();
        db.put(toCommit, b("k1"), b("new1"));
        db.delete(toCommit, b("k2"));
        toCommit.prepare(b("gid-commit"));
        Transaction toAbort = env.beginTransaction();
        db.put(toAbort, b("k3"), b("never"));
        toAbort.prepare(b("gid-abort"));
        assertEquals(2, env.preparedTransactions().size());
        assertEquals("old1", s(db.get(null, b("k1"))), "prepared is not committed");
        env.internals().abandon(); // crash

        Environment again = TestSupport.open(dir);
        Database db2 = again.openDatabase("t", false);
        assertEquals(2, again.recoveryReport().preparedRestored());
        List<PreparedTransaction> inDoubt = again.preparedTransactions();
        assertEquals(2, inDoubt.size());
        PreparedTransaction p = inDoubt.stream().filter(t -> s(t.globalId()).equals("gid-commit")).findFirst().orElseThrow();
        assertEquals(2, p.keysWritten());
        assertEquals(List.of("t"), p.databases());
        assertEquals("old1", s(db2.get(null, b("k1"))));

        // Its locks are held: a conflicting writer times out naming the prepared transaction and its global id.
        Transaction blocked = again.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(100)));
        LockTimeoutException e = assertThrows(LockTimeoutException.class, () -> db2.put(blocked, b("k1"), b("x")));
        assertTrue(e.getMessage().contains("prepared"), e.getMessage());
        assertTrue(e.getMessage().contains(org.cairndb.util.Bytes.hex(b("gid-commit"))), e.getMessage());

        Transaction handle = again.preparedTransaction(b("gid-commit"));
        assertNotNull(handle);
        assertArrayEquals(b("gid-commit"), handle.globalId());
        handle.commit();
        again.preparedTransaction(b("gid-abort")).abort();
        assertTrue(again.preparedTransactions().isEmpty());
        assertEquals("new1", s(db2.get(null, b("k1"))));
        assertNull(db2.get(null, b("k2")));
        assertNull(db2.get(null, b("k3")));
        db2.put(null, b("k1"), b("after")); // lock released
        again.internals().abandon(); // crash again: the outcomes are durable

        try (Environment third = TestSupport.open(dir)) {
            Database db3 = third.openDatabase("t", false);
            assertTrue(third.preparedTransactions().isEmpty());
            assertEquals("after", s(db3.get(null, b("k1"))));
            assertNull(db3.get(null, b("k2")));
            assertNull(db3.get(null, b("k3")));
            assertEquals(1, third.recoveryReport().transactionsRolledBack(), "the ABORT of gid-abort was replayed");
        }
    }

    /**
     * A prepared transaction that wrote nothing (found by ModelTest): committing it used to leave it
     * in the list of prepared transactions, counted in the statistics, and holding back where
     * recovery starts (so no log segment after its PREPARE could be archived) until a restart.
     */
    @Test
    void aPreparedTransactionThatWroteNothingIsGoneOnceCompleted() {
        try (Environment env = TestSupport.open(dir)) {
            Database db = env.openDatabase("t");
            db.put(null, b("k"), b("v"));
            String[] ways = {"commit through a handle", "commit", "rollback", "heuristic commit", "heuristic rollback"};
            for (int i = 0; i < ways.length; i++) {
                String way = ways[i];
                byte[] gid = b("g" + i);
                Transaction t = env.beginTransaction();
                assertEquals("v", s(db.get(t, b("k"))));
                t.prepare(gid);
                long preparedAt = org.cairndb.log.Lsn.parse(env.stats().logEndLsn());
                assertEquals(1, env.preparedTransactions().size(), way);
                switch (way) {
                    case "commit through a handle" -> env.preparedTransaction(gid).commit();
                    case "commit" -> t.commit();
                    case "rollback" -> t.abort();
                    case "heuristic commit" -> t.heuristicCommit();
                    default -> t.heuristicRollback();
                }
                assertEquals(List.of(), env.preparedTransactions(), way + ": still listed as prepared");
                assertNull(env.preparedTransaction(gid), way);
                assertEquals(0, env.stats().preparedTransactions(), way + ": still counted as prepared");
                db.put(null, b("k"), b("v"));
                env.checkpoint(true);
                // While heuristic outcomes are remembered, recovery starts at the last CHECKPOINT
                // record (which lists them), one checkpoint behind: the second one starts after the prepare.
                env.checkpoint(true);
                long start = org.cairndb.log.Lsn.parse(env.stats().recoveryStartLsn());
                assertTrue(start > preparedAt, way + ": recovery still starts at " + env.stats().recoveryStartLsn()
                        + ", before the prepare at " + org.cairndb.log.Lsn.toString(preparedAt));
            }
            assertEquals(2, env.heuristicOutcomes().size(), "the two heuristic decisions are remembered");
        }
    }

    @Test
    void preparedTransactionsSurviveCheckpointsAndCleanCloses() {
        try (Environment env = TestSupport.open(dir)) {
            Database db = env.openDatabase("t");
            Transaction t = env.beginTransaction();
            db.put(t, b("k"), b("v"));
            t.prepare(b("g"));
            db.put(null, b("other"), b("1"));
            env.checkpoint(true);
        }
        try (Environment env = TestSupport.open(dir)) {
            assertEquals(1, env.preparedTransactions().size());
            env.checkpoint(true);
        }
        try (Environment env = TestSupport.open(dir)) {
            Transaction t = env.preparedTransaction(b("g"));
            assertNotNull(t);
            t.commit();
            assertEquals("v", s(env.openDatabase("t").get(null, b("k"))));
        }
    }

    @Test
    void heuristicDecisionsAreDurableAcrossCheckpointsAndRestartsUntilForgotten() {
        try (Environment env = TestSupport.open(dir)) {
            Database db = env.openDatabase("t");
            Transaction c = env.beginTransaction();
            db.put(c, b("hc"), b("committed by admin"));
            c.prepare(b("gid-hc"));
            Transaction r = env.beginTransaction();
            db.put(r, b("hr"), b("rolled back by admin"));
            r.prepare(b("gid-hr"));
            c.heuristicCommit();
            env.preparedTransaction(b("gid-hr")).heuristicRollback();
            assertEquals(2, env.heuristicOutcomes().size());
            assertTrue(env.heuristicOutcome(b("gid-hc")).committed());
            assertEquals(false, env.heuristicOutcome(b("gid-hr")).committed());
            assertTrue(env.preparedTransactions().isEmpty());
            Transaction notPrepared = env.beginTransaction();
            assertThrows(TransactionStateException.class, notPrepared::heuristicCommit);
            notPrepared.abort();
        }
        // Survives a checkpoint (the CHECKPOINT record carries it) and a crash.
        Environment env = TestSupport.open(dir);
        assertEquals(2, env.heuristicOutcomes().size());
        env.checkpoint(true);
        assertTrue(env.forgetHeuristic(b("gid-hc")));
        assertEquals(false, env.forgetHeuristic(b("gid-hc")));
        env.internals().abandon();
        try (Environment again = TestSupport.open(dir)) {
            assertEquals(1, again.heuristicOutcomes().size());
            assertNull(again.heuristicOutcome(b("gid-hc")));
            assertNotNull(again.heuristicOutcome(b("gid-hr")));
            Database db = again.openDatabase("t");
            assertEquals("committed by admin", s(db.get(null, b("hc"))));
            assertNull(db.get(null, b("hr")));
        }
    }

    /**
     * A global id whose heuristic outcome is remembered is not prepared again until forgotten, as one
     * a prepared transaction holds is not: the prepare was accepted, and a heuristic decision on the
     * new transaction then replaced the outcome remembered for the first, unforgotten (the admin's
     * commit of the first was from then on reported, also after a restart, as a roll-back).
     */
    @Test
    void aGlobalIdWithARememberedHeuristicOutcomeIsNotPreparedAgainUntilForgotten() {
        try (Environment env = TestSupport.open(dir)) {
            Database db = env.openDatabase("t");
            Transaction first = env.beginTransaction();
            db.put(first, b("a"), b("committed by admin"));
            first.prepare(b("gid"));
            first.heuristicCommit();
            Transaction second = env.beginTransaction();
            db.put(second, b("b"), b("v"));
            TransactionStateException e = assertThrows(TransactionStateException.class, () -> second.prepare(b("gid")));
            assertEquals("global id 0x676964 is already used by transaction " + first.id() + ", heuristically committed"
                    + " and not yet forgotten (Environment.forgetHeuristic)", e.getMessage());
            assertTrue(second.isActive(), "the refusal left the transaction as it was");
            assertEquals(first.id(), env.heuristicOutcome(b("gid")).txnId());
            assertTrue(env.heuristicOutcome(b("gid")).committed());
            assertTrue(env.forgetHeuristic(b("gid")));
            second.prepare(b("gid"));
            second.heuristicRollback();
            assertEquals(second.id(), env.heuristicOutcome(b("gid")).txnId(), "once forgotten, the global id is free");
        }
    }

    /**
     * A prepared transaction keeps every lock it held, also those on keys it did not write: keys
     * read with getForUpdate, and under SERIALIZABLE every key it read (present or absent), which
     * the prepare locks so that no write skew can slip in before the outcome. After a crash they
     * come back from the PREPARE record with the written keys' locks.
     */
    @Test
    void keysLockedWithoutBeingWrittenStayLockedAcrossACrash() {
        Environment env = TestSupport.open(dir);
        Database db = env.openDatabase("t");
        db.put(null, b("present"), b("1"));
        db.put(null, b("for-update"), b("2"));
        Transaction serial = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SERIALIZABLE));
        assertNull(db.get(serial, b("absent")));
        assertEquals("1", s(db.get(serial, b("present"))));
        db.put(serial, b("written"), b("by serial"));
        serial.prepare(b("gid-serial"));
        Transaction snapshot = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SNAPSHOT));
        assertEquals("2", s(db.getForUpdate(snapshot, b("for-update"))));
        db.put(snapshot, b("other"), b("by snapshot"));
        snapshot.prepare(b("gid-snapshot"));
        List<String> locked = List.of("absent", "present", "written", "for-update", "other");
        assertLocked(env, db, locked, "before the crash");
        env.internals().abandon();

        try (Environment again = TestSupport.open(dir)) {
            Database db2 = again.openDatabase("t", false);
            java.util.Map<String, Integer> locks = new java.util.TreeMap<>();
            for (PreparedTransaction p : again.preparedTransactions()) {
                locks.put(s(p.globalId()), p.locksHeld());
            }
            assertEquals(java.util.Map.of("gid-serial", 3, "gid-snapshot", 2), locks);
            assertLocked(again, db2, locked, "after the crash");
            again.preparedTransaction(b("gid-serial")).commit();
            again.preparedTransaction(b("gid-snapshot")).abort();
            for (String k : locked) {
                db2.put(null, b(k), b("free"));
            }
            assertEquals("free", s(db2.get(null, b("absent"))));
        }
    }

    private static void assertLocked(Environment env, Database db, List<String> keys, String when) {
        for (String k : keys) {
            Transaction t = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(50)));
            LockTimeoutException e = assertThrows(LockTimeoutException.class, () -> db.put(t, b(k), b("x")),
                    "key " + k + " is locked by its prepared transaction " + when);
            assertTrue(e.getMessage().contains("prepared"), e.getMessage());
            t.abort();
        }
    }

    /**
     * Listing the prepared transactions (what an XA recovery scan does) while others are being
     * prepared and completed: each listed transaction is described as it was while prepared, never
     * half-completed.
     */
    @Test
    void listingPreparedTransactionsWhileOthersCompleteNeverFails() throws InterruptedException {
        try (Environment env = TestSupport.open(dir)) {
            Database db = env.openDatabase("t");
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicReference<Throwable> failure = new java.util.concurrent.atomic.AtomicReference<>();
            Thread lister = new Thread(() -> {
                try {
                    while (!done.get()) {
                        for (PreparedTransaction p : env.preparedTransactions()) {
                            assertEquals(300, p.keysWritten(), "a listed transaction is described whole");
                            assertEquals(300, p.locksHeld(), "a listed transaction is described whole");
                            assertEquals(List.of("t"), p.databases());
                        }
                    }
                } catch (Throwable t) {
                    failure.set(t);
                }
            });
            lister.start();
            try {
                for (int n = 0; n < 400 && failure.get() == null; n++) {
                    Transaction t = env.beginTransaction();
                    for (int i = 0; i < 300; i++) {
                        db.put(t, b("k" + (n % 4) + "-" + i), b("v"));
                    }
                    t.prepare(b("gid-" + n));
                    if (n % 2 == 0) {
                        t.commit();
                    } else {
                        t.abort();
                    }
                }
            } finally {
                done.set(true);
                lister.join();
            }
            if (failure.get() != null) {
                throw new AssertionError("listing failed while branches completed", failure.get());
            }
        }
    }

    @Test
    void badPrepareArguments() {
        try (Environment env = TestSupport.open(dir)) {
            Database db = env.openDatabase("t");
            Transaction a = env.beginTransaction();
            db.put(a, b("k"), b("v"));
            assertThrows(IllegalArgumentException.class, () -> a.prepare(new byte[0]));
            a.prepare(b("same"));
            Transaction c = env.beginTransaction();
            db.put(c, b("j"), b("v"));
            TransactionStateException e = assertThrows(TransactionStateException.class, () -> c.prepare(b("same")));
            assertTrue(e.getMessage().contains("already used"), e.getMessage());
            assertThrows(TransactionStateException.class, () -> db.put(a, b("x"), b("y")));
            a.abort();
        }
    }
}
