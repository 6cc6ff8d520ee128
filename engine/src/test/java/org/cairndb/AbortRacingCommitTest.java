package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * An abort() from another thread that reads the transaction active just before its commit (or
 * prepare) ends. The abort must then say what it found, as it does when it comes a moment later:
 * before the fix it returned normally, as if it had rolled the transaction back, though the commit
 * had made its writes durable (or the prepare had left it in doubt, its locks held).
 *
 * <p>The race is ordered by the transaction's monitor: the test thread holds it, so the aborting
 * thread stops on it after reading the state; the test thread (which may enter it again) then
 * commits or prepares, and lets the abort go on.
 */
class AbortRacingCommitTest extends EnvironmentFixture {

    /** Runs {@code abort} in another thread, stopped on the transaction's monitor, while {@code end} ends it here. */
    private Object race(Transaction txn, Runnable end) throws Exception {
        AtomicReference<Thread> aborter = new AtomicReference<>();
        CompletableFuture<Object> abort;
        synchronized (txn.txn()) {
            abort = CompletableFuture.supplyAsync(() -> {
                aborter.set(Thread.currentThread());
                try {
                    txn.abort();
                    return "returned";
                } catch (RuntimeException e) {
                    return e;
                }
            }, TestSupport.OWN_THREAD);
            TestSupport.awaitTrue(() -> aborter.get() != null && aborter.get().getState() == Thread.State.BLOCKED,
                    "the abort to stop on the transaction's monitor");
            end.run();
        }
        return abort.get(30, TimeUnit.SECONDS);
    }

    @Test
    void anAbortThatLosesTheRaceToACommitSaysTheTransactionCommitted() throws Exception {
        Transaction txn = env.beginTransaction();
        db.put(txn, b("k"), b("v"));
        Object outcome = race(txn, txn::commit);
        assertEquals("COMMITTED", txn.state());
        assertEquals("v", s(db.get(null, b("k"))));
        assertTrue(outcome instanceof TransactionStateException, "the abort returned as if it had rolled back: " + outcome);
        assertEquals("cannot abort transaction " + txn.id() + ": it is committed", ((Exception) outcome).getMessage());
    }

    @Test
    void anAbortThatLosesTheRaceToAPrepareRollsThePreparedTransactionBack() throws Exception {
        Transaction txn = env.beginTransaction();
        db.put(txn, b("k"), b("v"));
        Object outcome = race(txn, () -> txn.prepare(b("gid")));
        // Asked to roll back, it does, as an abort just after the prepare would: the prepared
        // transaction does not stay in doubt with its locks held while its caller believes it gone.
        assertEquals("returned", outcome);
        assertEquals("ABORTED", txn.state());
        assertEquals(0, env.preparedTransactions().size());
        assertEquals(0, env.stats().locksHeld());
        assertNull(db.get(null, b("k")));
    }

    @Test
    void aCloseThatLosesTheRaceToACommitIsStillANoOp() throws Exception {
        Transaction txn = env.beginTransaction();
        db.put(txn, b("k"), b("v"));
        AtomicReference<Thread> closer = new AtomicReference<>();
        CompletableFuture<Object> close;
        synchronized (txn.txn()) {
            close = CompletableFuture.supplyAsync(() -> {
                closer.set(Thread.currentThread());
                try {
                    txn.close();
                    return "returned";
                } catch (RuntimeException e) {
                    return e;
                }
            }, TestSupport.OWN_THREAD);
            TestSupport.awaitTrue(() -> closer.get() != null && closer.get().getState() == Thread.State.BLOCKED,
                    "the close to stop on the transaction's monitor");
            txn.commit();
        }
        assertEquals("returned", close.get(30, TimeUnit.SECONDS));
        assertEquals("v", s(db.get(null, b("k"))));
    }
}
