package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Lock waits, hand-over, timeouts, deadlock victims and transaction timeouts. */
class LockingTest extends EnvironmentFixture {

    /**
     * The lock timeout of a waiter the test wakes itself (by a commit, an interrupt): not under
     * test, and the environment's 2 s could pass on a loaded machine before the test got to it.
     */
    private static final Duration WAITS_OUT_THE_TEST = Duration.ofMinutes(1);

    @BeforeEach
    void setUp() {
        db.put(null, b("a"), b("1"));
        db.put(null, b("b"), b("1"));
    }

    @Test
    void aWaitingWriterGetsTheLockWhenTheHolderCommits() throws Exception {
        Transaction holder = env.beginTransaction();
        db.put(holder, b("a"), b("2"));
        CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> {
            try (Transaction t = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.READ_COMMITTED)
                    .lockTimeout(WAITS_OUT_THE_TEST))) {
                String v = s(db.getForUpdate(t, b("a")));
                db.put(t, b("a"), b(v + "+"));
                t.commit();
                return v;
            }
        }, TestSupport.OWN_THREAD);
        awaitWaiters(1, Duration.ofSeconds(5));
        assertFalse(waiter.isDone());
        holder.commit();
        assertEquals("2", waiter.get(10, TimeUnit.SECONDS));
        assertEquals("2+", s(db.get(null, b("a"))));
    }

    @Test
    void interruptingAWaiterEndsItsWaitAndRollsItBack() throws Exception {
        Transaction holder = env.beginTransaction();
        db.put(holder, b("a"), b("2"));
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        CompletableFuture<LockTimeoutException> waiter = CompletableFuture.supplyAsync(() -> {
            waiterThread.set(Thread.currentThread());
            Transaction t = env.beginTransaction(new TransactionConfig().lockTimeout(WAITS_OUT_THE_TEST));
            try {
                LockTimeoutException e = assertThrows(LockTimeoutException.class, () -> db.put(t, b("a"), b("3")));
                assertFalse(t.isActive(), "the interrupted waiter's transaction was rolled back");
                assertTrue(Thread.currentThread().isInterrupted(), "the waiter keeps its interrupt status");
                return e;
            } finally {
                Thread.interrupted();
            }
        }, TestSupport.OWN_THREAD);
        awaitWaiters(1, Duration.ofSeconds(5));
        waiterThread.get().interrupt();
        LockTimeoutException e = waiter.get(10, TimeUnit.SECONDS);
        // Like a lock timeout's message: who waited for what, held by whom, and that it was rolled back.
        assertEquals("transaction " + e.txnId() + " was interrupted while it waited for key 'a' in database 't'"
                + " held by transaction " + holder.id() + "; transaction " + e.txnId() + " was rolled back",
                e.getMessage());
        holder.commit();
        assertEquals("2", s(db.get(null, b("a"))));
    }

    @Test
    void lockTimeoutNamesKeyDatabaseAndHolder() {
        Transaction holder = env.beginTransaction();
        db.put(holder, b("a"), b("2"));
        Transaction t = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(100)));
        LockTimeoutException e = assertThrows(LockTimeoutException.class, () -> db.put(t, b("a"), b("3")));
        assertTrue(e.getMessage().contains("'a'"), e.getMessage());
        assertTrue(e.getMessage().contains("database 't'"), e.getMessage());
        assertTrue(e.getMessage().contains("transaction " + holder.id()), e.getMessage());
        assertFalse(t.isActive());
        holder.commit();
    }

    /**
     * An auto-commit write that timed out was reported as "transaction N was rolled back", naming a
     * transaction the caller never began; it speaks of the write now, and still of key, database and holder.
     */
    @Test
    void aLockTimeoutOfAnAutoCommitWriteSpeaksOfTheWrite() {
        Transaction holder = env.beginTransaction();
        db.put(holder, b("a"), b("2"));
        LockTimeoutException e = assertThrows(LockTimeoutException.class, () -> db.put(null, b("a"), b("3")));
        assertEquals("lock timeout after 2000 ms: a single-operation (auto-commit) write waited for key 'a' in database"
                + " 't' held by transaction " + holder.id() + "; the write was not made", e.getMessage());
        holder.commit();
        assertEquals("2", s(db.get(null, b("a"))));
    }

    @Test
    void anInterruptedAutoCommitWriteSpeaksOfTheWrite() throws Exception {
        // An auto-commit write waits as long as the environment says: here longer than the test takes to interrupt it.
        env.close();
        env = Environment.open(dir, TestSupport.config().lockTimeout(WAITS_OUT_THE_TEST));
        db = env.openDatabase("t");
        Transaction holder = env.beginTransaction();
        db.put(holder, b("a"), b("2"));
        AtomicReference<Thread> waiterThread = new AtomicReference<>();
        CompletableFuture<LockTimeoutException> waiter = CompletableFuture.supplyAsync(() -> {
            waiterThread.set(Thread.currentThread());
            try {
                return assertThrows(LockTimeoutException.class, () -> db.delete(null, b("a")));
            } finally {
                Thread.interrupted();
            }
        }, TestSupport.OWN_THREAD);
        awaitWaiters(1, Duration.ofSeconds(5));
        waiterThread.get().interrupt();
        assertEquals("a single-operation (auto-commit) write was interrupted while it waited for key 'a' in database 't'"
                + " held by transaction " + holder.id() + "; the write was not made",
                waiter.get(10, TimeUnit.SECONDS).getMessage());
        holder.commit();
        assertEquals("2", s(db.get(null, b("a"))));
    }

    @Test
    void deadlockPicksOneVictimAndNamesTheCycle() throws Exception {
        Transaction t1 = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofSeconds(20)));
        Transaction t2 = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofSeconds(20)));
        db.put(t1, b("a"), b("t1"));
        db.put(t2, b("b"), b("t2"));
        CountDownLatch t1Waiting = new CountDownLatch(1);
        CompletableFuture<Void> first = CompletableFuture.runAsync(() -> {
            t1Waiting.countDown();
            db.put(t1, b("b"), b("t1"));
        }, TestSupport.OWN_THREAD);
        assertTrue(t1Waiting.await(5, TimeUnit.SECONDS));
        awaitWaiting(t1, Duration.ofSeconds(5));
        DeadlockException e = assertThrows(DeadlockException.class, () -> db.put(t2, b("a"), b("t2")));
        assertEquals(t2.id(), e.txnId());
        assertTrue(e.getMessage().contains("transaction " + t1.id()), e.getMessage());
        assertTrue(e.getMessage().contains("transaction " + t2.id()), e.getMessage());
        assertEquals(2, e.cycle().length);
        first.get(10, TimeUnit.SECONDS); // the survivor got its lock
        t1.commit();
        assertEquals("t1", s(db.get(null, b("a"))));
        assertEquals("t1", s(db.get(null, b("b"))));
    }

    @Test
    void transactionTimeoutRollsBackAndReleasesLocks() throws Exception {
        Transaction t = env.beginTransaction(new TransactionConfig().timeout(Duration.ofMillis(200)));
        db.put(t, b("a"), b("late"));
        // The background reaper runs about once a second; wait for it to roll t back.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.isActive() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals("ABORTED", t.state());
        // The same retryable exception as when the call finds the deadline passed before the reaper.
        TransactionTimeoutException e = assertThrows(TransactionTimeoutException.class, t::commit);
        assertTrue(e.getMessage().contains("timeout"), e.getMessage());
        db.put(null, b("a"), b("free")); // the lock was released
        assertEquals("free", s(db.get(null, b("a"))));
    }

    @Test
    void aTimedOutTransactionFailsOnItsNextOperation() {
        Transaction t = env.beginTransaction(new TransactionConfig().timeout(Duration.ofNanos(1)));
        TransactionTimeoutException e = assertThrows(TransactionTimeoutException.class, () -> db.get(t, b("a")));
        assertTrue(e.getMessage().contains("timeout"), e.getMessage());
    }

    /**
     * Two transactions that each hold one key and ask for the other's at the same instant close one
     * cycle together: both may see it at once, and exactly one must give up, the other committing.
     */
    @Test
    void twoTransactionsClosingOneCycleAtOnceMakeOneVictim() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 1500; round++) {
                byte[] x = b("x" + round);
                byte[] y = b("y" + round);
                java.util.concurrent.atomic.AtomicInteger holding = new java.util.concurrent.atomic.AtomicInteger();
                java.util.concurrent.Future<String> first = pool.submit(() -> crossWrite(x, y, holding));
                java.util.concurrent.Future<String> second = pool.submit(() -> crossWrite(y, x, holding));
                String a = first.get(30, TimeUnit.SECONDS);
                String c = second.get(30, TimeUnit.SECONDS);
                assertEquals(java.util.List.of("committed", "deadlock victim"), java.util.stream.Stream.of(a, c).sorted().toList(),
                        "round " + round + ": one victim, one commit (got " + a + " and " + c + ")");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Writes {@code mine}, waits until the other transaction holds its first key too, then writes {@code theirs}. */
    private String crossWrite(byte[] mine, byte[] theirs, java.util.concurrent.atomic.AtomicInteger holding) {
        Transaction t = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofSeconds(20)));
        try {
            db.put(t, mine, b("1"));
            holding.incrementAndGet();
            while (holding.get() < 2) {
                Thread.onSpinWait();
            }
            db.put(t, theirs, b("1"));
            t.commit();
            return "committed";
        } catch (DeadlockException e) {
            return "deadlock victim";
        } finally {
            if (t.isActive()) {
                t.abort();
            }
        }
    }

    /**
     * The operation that finds its transaction past its timeout rolls it back before it throws (as
     * every TransactionException leaves its transaction), freeing its locks at once rather than when
     * the background reaper comes by. The same for a commit.
     */
    @Test
    void theOperationThatFindsTheTimeoutPassedRollsTheTransactionBackAndFreesItsLocks() throws InterruptedException {
        for (String next : new String[] {"get", "put", "cursor", "commit"}) {
            Transaction t = env.beginTransaction();
            db.put(t, b("held"), b("by " + next));
            // Set after the write: counted from the begin, a 50 ms timeout could pass before the write
            // on a loaded machine, which then failed instead of the operation under test.
            t.setTimeout(Duration.ofMillis(50));
            long began = System.nanoTime();
            TestSupport.awaitTrue(() -> System.nanoTime() - began > Duration.ofMillis(60).toNanos(), "the timeout to pass");
            TransactionTimeoutException e = assertThrows(TransactionTimeoutException.class, () -> {
                switch (next) {
                    case "get" -> db.get(t, b("other"));
                    case "put" -> db.put(t, b("other"), b("x"));
                    case "cursor" -> {
                        try (Cursor c = db.openCursor(t)) {
                            c.first();
                        }
                    }
                    default -> t.commit();
                }
            }, next);
            assertTrue(e.getMessage().contains("was rolled back"), e.getMessage());
            assertEquals("ABORTED", t.state(), next + " left the transaction rolled back");
            Transaction other = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(50)));
            db.put(other, b("held"), b("free"));
            other.commit();
        }
        assertEquals("free", s(db.get(null, b("held"))));
    }

    /**
     * Closing the environment rolls back the transaction that holds a lock, so a thread waiting for
     * it is woken and told the environment closed. It used to wait out its whole lock timeout for a
     * holder that could never finish, and was then told of a lock timeout.
     */
    @Test
    void closingTheEnvironmentWakesAThreadWaitingForALock() throws Exception {
        Transaction holder = env.beginTransaction();
        db.put(holder, b("a"), b("2"));
        CompletableFuture<String> waiter = CompletableFuture.supplyAsync(() -> {
            Transaction t = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMinutes(5)));
            try {
                db.put(t, b("a"), b("3"));
                return "got the lock";
            } catch (IllegalStateException e) {
                return e.getMessage();
            } finally {
                t.close();
            }
        }, TestSupport.OWN_THREAD);
        awaitWaiters(1, Duration.ofSeconds(5));
        env.close();
        String seen = waiter.get(20, TimeUnit.SECONDS);
        // Woken by the roll-back of its own transaction or, if the holder's came first and handed it
        // the lock, told so as its write goes on: either way, that the environment is closed.
        assertTrue(seen.equals("environment " + dir + " is closed") || seen.equals("environment " + dir + " is closed;"
                + " transaction " + (holder.id() + 1) + " was rolled back while it waited for key 'a' in database 't'"), seen);
        assertEquals("ABORTED", holder.state(), "the holder was rolled back by the close");
        holder.close();
        try (Environment again = TestSupport.open(dir)) {
            assertEquals("1", s(again.openDatabase("t").get(null, b("a"))), "neither write reached the log");
        }
    }

    private void awaitWaiting(Transaction t, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (t.txn().waitingFor() == null) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("transaction " + t.id() + " never started waiting");
            }
            Thread.sleep(1);
        }
    }

    private void awaitWaiters(int n, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (env.internals().txns().waitingCount() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no transaction started waiting for a lock");
            }
            Thread.sleep(1);
        }
    }

    @Test
    void closedTransactionsCannotBeUsedAgain() throws ExecutionException {
        Transaction t = env.beginTransaction();
        db.put(t, b("a"), b("x"));
        t.commit();
        TransactionStateException e = assertThrows(TransactionStateException.class, () -> db.put(t, b("a"), b("y")));
        assertTrue(e.getMessage().contains("committed"), e.getMessage());
        assertThrows(TransactionStateException.class, t::commit);
    }
}
