package org.cairndb.txn;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.cairndb.EnvironmentFixture;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionException;
import org.junit.jupiter.api.Test;

/**
 * A transaction rolled back with abort() from another thread (a request cancelled by its caller)
 * while its own thread waits for a lock: the wait ends at once, and the waiting thread is told its
 * transaction was rolled back, not that it ran past a timeout it never had (before the fix it got
 * a TransactionTimeoutException, which invites a retry of work its caller had cancelled; it is now a
 * plain TransactionException). Its lock request leaves no lock behind, and its writes are never seen.
 */
class AbortWhileWaitingTest extends EnvironmentFixture {

    @Test
    void anAbortFromAnotherThreadEndsTheLockWaitAndSaysItWasRolledBack() throws Exception {
        Transaction holder = env.beginTransaction();
        db.put(holder, b("a"), b("holder"));
        Transaction t = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMinutes(5)));
        db.put(t, b("b"), b("t"));
        CompletableFuture<Throwable> wait = CompletableFuture.supplyAsync(() -> {
            try {
                db.put(t, b("a"), b("t"));
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        }, TestSupport.OWN_THREAD);
        TestSupport.awaitTrue(() -> env.internals().txns().waitingCount() == 1, "the transaction to wait for the lock");
        t.abort(); // from this thread, not the one waiting
        Throwable e = wait.get(10, TimeUnit.SECONDS);
        // A TransactionException (the transaction was rolled back), but not a timeout.
        assertEquals(TransactionException.class, e.getClass(), String.valueOf(e));
        assertEquals("transaction " + t.id() + " was rolled back by abort() while it waited for key 'a' in database 't'",
                e.getMessage());
        assertFalse(t.isActive());
        holder.commit();
        assertEquals("holder", s(db.get(null, b("a"))));
        assertEquals(null, db.get(null, b("b")), "the aborted transaction's write is not seen");
        try (Transaction later = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ZERO))) {
            db.put(later, b("a"), b("later")); // free at once
            db.put(later, b("b"), b("later"));
            later.commit();
        }
        assertEquals(0, env.stats().locksHeld());
        assertTrue(env.stats().activeTransactions() == 0);
    }
}
