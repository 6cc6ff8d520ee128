package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.cairndb.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SERIALIZABLE transaction validates its reads when it prepares, and can no longer fail after:
 * what it read must stay unchanged until it ends, or its commit would complete a history that no
 * serial order explains. Keys it read are locked; ranges it scanned are protected by refusing
 * writers into them (also after a crash, from its PREPARE record).
 */
class PreparedSerializableTest {

    /**
     * The lock timeout of a transaction the test frees by its next steps: not under test, and the
     * 2 s of {@link TestSupport#config()} could pass on a loaded machine before those steps ran.
     */
    private static final java.time.Duration WAITS_OUT_THE_TEST = java.time.Duration.ofMinutes(1);

    @TempDir
    Path dir;

    private static final TransactionConfig SERIALIZABLE = new TransactionConfig().isolation(IsolationLevel.SERIALIZABLE);

    /** P scanned k1..k5 (seeing k1 and k3), wrote "count"; prepared. */
    private Transaction prepareScanner(Environment env, Database d, String gid) {
        Transaction p = env.beginTransaction(SERIALIZABLE);
        int seen = 0;
        try (Cursor c = d.openCursor(p, b("k1"), b("k5"))) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                seen++;
            }
        }
        d.put(p, b("count"), b(Integer.toString(seen)));
        p.prepare(b(gid));
        return p;
    }

    /**
     * The prepare locks the keys the transaction read; when that times out the transaction is rolled
     * back, and its owner's abort and close that follow succeed, with its locks released (a prepare
     * that fails otherwise before its record hands the transaction back to its owner for them).
     */
    @Test
    void aPrepareThatTimesOutLockingWhatItReadLeavesTheTransactionToItsOwner() {
        try (Environment env = TestSupport.open(dir)) {
            Database d = env.openDatabase("d");
            d.put(null, b("read"), b("0"));
            Transaction p = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SERIALIZABLE)
                    .lockTimeout(java.time.Duration.ofMillis(100)));
            assertEquals("0", s(d.get(p, b("read"))));
            d.put(p, b("written"), b("p"));
            Transaction holder = env.beginTransaction(new TransactionConfig().lockTimeout(WAITS_OUT_THE_TEST));
            d.put(holder, b("read"), b("1")); // holds the key P must lock to prepare

            assertThrows(LockTimeoutException.class, () -> p.prepare(b("gid-timeout")));
            p.abort();
            p.close();
            holder.commit();
            Transaction next = env.beginTransaction(new TransactionConfig().lockTimeout(java.time.Duration.ofSeconds(5)));
            d.put(next, b("written"), b("next")); // P's lock on it is gone
            next.commit();
            assertEquals("next", s(d.get(null, b("written"))));
            assertEquals("1", s(d.get(null, b("read"))));
            assertTrue(env.preparedTransactions().isEmpty());
        }
    }

    /**
     * A SERIALIZABLE prepare checks the writes of each prepared transaction against the ranges it
     * scanned as that transaction prepared them, not in its live write set, which its completion in
     * another thread empties outside the lock the check holds. Reading the live set failed now and
     * then with a NullPointerException (IsolationHistoryTest, SERIALIZABLE with prepares), and the
     * preparing transaction stayed claimed by its failed prepare, its abort and close refused ("its
     * prepare is under way"). Here the prepared transaction's write set is emptied as its completion
     * would empty it: the check still finds its write in the scanned range.
     */
    @Test
    void thePrepareChecksWhatThePreparedTransactionsPreparedNotTheirLiveWriteSets() {
        try (Environment env = TestSupport.open(dir)) {
            Database d = env.openDatabase("d");
            d.put(null, b("k1"), b("1"));
            Transaction q = env.beginTransaction();
            d.put(q, b("k2"), b("q"));
            q.prepare(b("gid-q"));

            Transaction s = env.beginTransaction(SERIALIZABLE);
            try (Cursor c = d.openCursor(s, b("k1"), b("k5"))) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    // scanned: k1 (k2 is q's, not committed)
                }
            }
            d.put(s, b("count"), b("1"));
            env.preparedTransaction(b("gid-q")).txn().writes().clear(); // as q's completion does, in its thread
            WriteConflictException e = assertThrows(WriteConflictException.class, () -> s.prepare(b("gid-s")));
            assertTrue(e.getMessage().contains("a range scanned by transaction " + s.id()), e.getMessage());
            s.close();
            q.abort();
            assertTrue(env.preparedTransactions().isEmpty());
            assertNull(d.get(null, b("count")));
        }
    }

    @Test
    void aWriteIntoARangeAPreparedSerializableTransactionScannedFailsUntilItEnds() {
        try (Environment env = TestSupport.open(dir)) {
            Database d = env.openDatabase("d");
            d.put(null, b("k1"), b("1"));
            d.put(null, b("k3"), b("3"));
            Transaction p = prepareScanner(env, d, "gid-scan");

            Transaction w = env.beginTransaction();
            d.put(w, b("k2"), b("2"));
            WriteConflictException e = assertThrows(WriteConflictException.class, w::commit);
            assertTrue(e.getMessage().contains(Bytes.hex(b("gid-scan"))), e.getMessage());
            assertTrue(e.getMessage().contains("prepared"), e.getMessage());
            assertNull(d.get(null, b("k2")), "the refused write is not committed");

            d.put(null, b("k9"), b("9")); // outside the range: no conflict
            p.commit();
            d.put(null, b("k2"), b("2")); // the range is free once P ended
            assertEquals("2", s(d.get(null, b("count"))));
            assertEquals("2", s(d.get(null, b("k2"))));
        }
    }

    @Test
    void thePreparedTransactionsScannedRangesAreProtectedAfterACrashToo() {
        Environment env = TestSupport.open(dir);
        Database d = env.openDatabase("d");
        d.put(null, b("k1"), b("1"));
        prepareScanner(env, d, "gid-crash");
        env.internals().abandon();

        try (Environment again = TestSupport.open(dir)) {
            Database d2 = again.openDatabase("d", false);
            Transaction w = again.beginTransaction();
            d2.put(w, b("k4"), b("4"));
            WriteConflictException e = assertThrows(WriteConflictException.class, w::commit);
            assertTrue(e.getMessage().contains(Bytes.hex(b("gid-crash"))), e.getMessage());
            again.preparedTransaction(b("gid-crash")).abort();
            d2.put(null, b("k4"), b("4"));
            assertEquals("4", s(d2.get(null, b("k4"))));
        }
    }

    @Test
    void aTransactionThatWritesIntoAPreparedRangeCannotPrepareEither() {
        try (Environment env = TestSupport.open(dir)) {
            Database d = env.openDatabase("d");
            Transaction p = prepareScanner(env, d, "gid-1");
            Transaction q = env.beginTransaction();
            d.put(q, b("k2"), b("2"));
            assertThrows(WriteConflictException.class, () -> q.prepare(b("gid-2")));
            assertTrue(env.preparedTransactions().size() == 1, env.preparedTransactions().toString());
            p.abort();
        }
    }

    @Test
    void aSerializableTransactionCannotPrepareOverARangeAnotherPreparedTransactionWritesInto() {
        try (Environment env = TestSupport.open(dir)) {
            Database d = env.openDatabase("d");
            Transaction q = env.beginTransaction();
            d.put(q, b("k2"), b("2"));
            q.prepare(b("gid-writer"));
            // P's snapshot does not see k2, which Q will commit later: P must not be promised.
            WriteConflictException e = assertThrows(WriteConflictException.class, () -> prepareScanner(env, d, "gid-scan"));
            assertTrue(e.getMessage().contains(Bytes.hex(b("gid-writer"))), e.getMessage());
            q.commit();
        }
    }

    /**
     * P read k (seeing "v0"); W wrote k and holds its lock. P prepares: it validates its reads, then
     * waits for the lock on k, which W holds. W commits in that window: when P gets the lock it must
     * see that k changed after its snapshot and fail, not be prepared on a value already overwritten.
     */
    @Test
    void aKeyReadByAPreparingTransactionCannotChangeBetweenItsValidationAndItsLock() throws Exception {
        try (Environment env = TestSupport.open(dir)) {
            Database d = env.openDatabase("d");
            d.put(null, b("k"), b("v0"));
            Transaction p = env.beginTransaction(SERIALIZABLE);
            assertEquals("v0", s(d.get(p, b("k"))));
            d.put(p, b("x"), b("derived from v0"));
            Transaction w = env.beginTransaction();
            d.put(w, b("k"), b("v1"));
            p.setLockTimeout(WAITS_OUT_THE_TEST); // its wait ends by the test's next steps, not by a timeout
            CompletableFuture<Void> preparing = CompletableFuture.runAsync(() -> p.prepare(b("gid-p")), TestSupport.OWN_THREAD);
            TestSupport.awaitTrue(() -> env.internals().txns().waitingCount() == 1 || preparing.isDone(),
                    "P to wait for the lock on k");
            w.commit();
            ExecutionException e = assertThrows(ExecutionException.class, () -> preparing.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof WriteConflictException, String.valueOf(e.getCause()));
            assertTrue(env.preparedTransactions().isEmpty());
            assertNull(d.get(null, b("x")));
            assertEquals("v1", s(d.get(null, b("k"))));
        }
    }

    /**
     * P scanned k1..k5 (seeing nothing) and read r; it wrote x. W read x (absent: P's write is its own)
     * and wrote k2: each misses the other's write, a write skew. P prepares: it validates its reads,
     * then waits for the lock on r, which L holds. W commits in that window, into P's range, before P
     * is registered as prepared (so W's commit did not refuse it). P must fail when it gets the lock,
     * as it fails when W commits before its validation; it was prepared and then committed, and the
     * concurrent history checker (IsolationHistoryTest) found the G2 cycle.
     */
    @Test
    void aRangeScannedByAPreparingTransactionCannotChangeBetweenItsValidationAndItsRegistration() throws Exception {
        try (Environment env = TestSupport.open(dir)) {
            Database d = env.openDatabase("d");
            Transaction p = env.beginTransaction(SERIALIZABLE);
            try (Cursor c = d.openCursor(p, b("k1"), b("k5"))) {
                assertTrue(!c.first(), "the range is empty");
            }
            assertNull(d.get(p, b("r")));
            d.put(p, b("x"), b("k1..k5 was empty"));
            Transaction l = env.beginTransaction();
            d.getForUpdate(l, b("r"));
            p.setLockTimeout(WAITS_OUT_THE_TEST); // its wait ends by the test's next steps, not by a timeout
            CompletableFuture<Void> preparing = CompletableFuture.runAsync(() -> p.prepare(b("gid-p")), TestSupport.OWN_THREAD);
            TestSupport.awaitTrue(() -> env.internals().txns().waitingCount() == 1 || preparing.isDone(),
                    "P to wait for the lock on r");
            Transaction w = env.beginTransaction(SERIALIZABLE);
            assertNull(d.get(w, b("x")));
            d.put(w, b("k2"), b("x was absent"));
            w.commit();
            l.abort();
            ExecutionException e = assertThrows(ExecutionException.class, () -> preparing.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof WriteConflictException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("range scanned by transaction " + p.id()), e.getCause().getMessage());
            assertTrue(env.preparedTransactions().isEmpty());
            assertNull(d.get(null, b("x")));
        }
    }
}
