package org.cairndb.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import org.cairndb.Durability;
import org.cairndb.IsolationLevel;
import org.cairndb.LockTimeoutException;
import org.cairndb.TestSupport;
import org.junit.jupiter.api.Test;

/**
 * A lock waiter that is interrupted at the moment the holder hands it the lock. The waiter reports
 * the interrupt (a {@link LockTimeoutException}, after which its transaction is rolled back), so it
 * must not keep the lock: its transaction's roll-back releases only the locks it recorded, and a
 * lock the wait failed for is never recorded. Before the fix the lock stayed with the rolled-back
 * transaction for good, and every later writer of the key waited out its lock timeout.
 *
 * <p>The race is made certain by holding the key's stripe lock: the interrupt wakes the waiter,
 * which then queues for the stripe lock; the holder's release (reentrant, in this thread) hands
 * the lock over before the waiter can look, so the waiter sees both the interrupt and the lock.
 */
class InterruptedLockHandoffTest {

    private static Txn txn(long id) {
        return new Txn(id, IsolationLevel.SNAPSHOT, Durability.SYNC, 0, TimeUnit.SECONDS.toNanos(30));
    }

    @Test
    void aWaiterInterruptedAsItIsHandedTheLockDoesNotKeepIt() throws Exception {
        LockManager locks = new LockManager(id -> "db" + id);
        LockKey key = new LockKey(1, "k".getBytes(StandardCharsets.UTF_8));
        Txn holder = txn(1);
        Txn waiter = txn(2);
        assertTrue(locks.lock(holder, key, 0));

        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        CompletableFuture<Object> wait = CompletableFuture.supplyAsync(() -> {
            waiterThread.set(Thread.currentThread());
            try {
                return locks.lock(waiter, key, TimeUnit.SECONDS.toNanos(30));
            } catch (RuntimeException e) {
                return e;
            } finally {
                Thread.interrupted();
            }
        }, TestSupport.OWN_THREAD);
        TestSupport.awaitTrue(() -> waiter.waitingFor == holder, "the waiter to wait for the holder");

        ReentrantLock stripe = locks.stripeLock(key);
        stripe.lock();
        try {
            // The waiter sleeps on the stripe's condition, having released the stripe lock.
            waiterThread.get().interrupt();
            Thread t = waiterThread.get();
            TestSupport.awaitTrue(() -> stripe.hasQueuedThread(t), "the interrupted waiter to queue for the stripe lock");
            locks.releaseAll(holder, List.of(key));
        } finally {
            stripe.unlock();
        }
        Object outcome = wait.get(10, TimeUnit.SECONDS);
        if (outcome instanceof Boolean granted) {
            // Also acceptable: the wait ended with the lock (the interrupt left set for the caller).
            assertTrue(granted);
            assertEquals(waiter, locks.owner(key));
            return;
        }
        assertInstanceOf(LockTimeoutException.class, outcome);
        assertNotSame(waiter, locks.owner(key), "the interrupted waiter reported failure but kept the lock");
        Txn later = txn(3);
        assertTrue(locks.lock(later, key, 0), "a later transaction takes the free lock at once");
        assertEquals(1, locks.size());
    }
}
