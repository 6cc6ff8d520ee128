package org.cairndb.txn;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.cairndb.Database;
import org.cairndb.DeadlockException;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.IsolationLevel;
import org.cairndb.LockTimeoutException;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counters incremented by transactions that lock several of them in random order, so that they
 * wait, deadlock, time out (lock timeouts and transaction timeouts) and are interrupted while they
 * wait, at every isolation level, and are rolled back by their owners at random. The oracle: every
 * counter ends at the number of increments whose transaction's commit returned normally (so no
 * update of a committed transaction is lost and none of a failed or rolled-back one is seen), every
 * thread finishes (no hang), every deadlock's victim is named in its cycle, and once the threads are
 * done no lock is held and a transaction with no lock timeout takes every key at once.
 */
class LockChaosTest {

    private static final int KEYS = 12;
    private static final int THREADS = 6;
    private static final long RUN_MILLIS = Long.getLong("cairn.model.millis", 3_000);

    @TempDir
    Path dir;

    @Test
    void countersAddUpAndNoLockOutlivesItsTransaction() throws Exception {
        long seed = Long.getLong("cairn.model.seed", System.nanoTime());
        System.out.println("[lock-chaos] seed " + seed + " (repeat with -Dcairn.model.seed=" + seed + ")");
        EnvironmentConfig config = new EnvironmentConfig().cacheSize(4L << 20).checkpointerEnabled(false)
                .durability(Durability.NO_SYNC).lockTimeout(Duration.ofMillis(150)).logSegmentSize(1L << 20);
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        AtomicLongArray committed = new AtomicLongArray(KEYS);
        AtomicLongArray outcomes = new AtomicLongArray(Outcome.values().length);
        AtomicReferenceArray<Thread> threads = new AtomicReferenceArray<>(THREADS);
        try (Environment env = Environment.open(dir, config)) {
            Database db = env.openDatabase("counters");
            for (int k = 0; k < KEYS; k++) {
                db.put(null, key(k), b("0"));
            }
            AtomicBoolean running = new AtomicBoolean(true);
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < THREADS; w++) {
                Random rnd = new Random(seed + w);
                int slot = w;
                workers.add(pool.submit(() -> {
                    threads.set(slot, Thread.currentThread());
                    try {
                        while (running.get()) {
                            Thread.interrupted(); // an interrupt meant for the previous transaction
                            Outcome o = oneTransaction(env, db, rnd, committed);
                            outcomes.incrementAndGet(o.ordinal());
                        }
                    } finally {
                        threads.set(slot, null);
                        Thread.interrupted();
                    }
                    return null;
                }));
            }
            // Interrupts at random, of threads waiting for a lock among others.
            Random chaos = new Random(seed - 1);
            long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RUN_MILLIS);
            while (System.nanoTime() < end) {
                Thread.sleep(1 + chaos.nextInt(5));
                // Only the first two threads: the others' waits are left to time out or deadlock.
                Thread t = threads.get(chaos.nextInt(2));
                if (t != null) {
                    t.interrupt();
                }
            }
            running.set(false);
            for (Future<?> f : workers) {
                f.get(30, TimeUnit.SECONDS); // a hang fails here
            }
            System.out.println("[lock-chaos] outcomes " + Arrays.toString(Outcome.values()) + " " + outcomes);
            assertTrue(outcomes.get(Outcome.COMMITTED.ordinal()) > 50, "commits: " + outcomes);
            assertTrue(outcomes.get(Outcome.DEADLOCK.ordinal()) > 0, "deadlocks: " + outcomes);
            assertTrue(outcomes.get(Outcome.INTERRUPTED.ordinal()) > 0, "interrupted waits: " + outcomes);
            assertTrue(outcomes.get(Outcome.LOCK_TIMEOUT.ordinal()) > 0, "lock timeouts: " + outcomes);

            assertEquals(0, env.stats().activeTransactions(), "transactions left active");
            assertEquals(0, env.stats().locksHeld(), "locks left held after every transaction ended");
            try (Transaction t = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ZERO))) {
                for (int k = 0; k < KEYS; k++) {
                    long value = Long.parseLong(s(db.getForUpdate(t, key(k))));
                    assertEquals(committed.get(k), value, "counter " + k + ": committed increments");
                }
                t.commit();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    enum Outcome { COMMITTED, ROLLED_BACK, DEADLOCK, LOCK_TIMEOUT, INTERRUPTED, TXN_TIMEOUT, CONFLICT }

    private static Outcome oneTransaction(Environment env, Database db, Random rnd, AtomicLongArray committed) {
        IsolationLevel level = IsolationLevel.values()[rnd.nextInt(3)];
        TransactionConfig tc = new TransactionConfig().isolation(level);
        boolean shortTimeout = rnd.nextInt(8) == 0;
        if (shortTimeout) {
            tc.timeout(Duration.ofMillis(5 + rnd.nextInt(30)));
        }
        // READ_COMMITTED loses updates read without getForUpdate, as documented: it always locks first.
        boolean locking = level == IsolationLevel.READ_COMMITTED || rnd.nextBoolean();
        int n = 2 + rnd.nextInt(3);
        int[] keys = rnd.ints(0, KEYS).distinct().limit(n).toArray();
        Transaction t = env.beginTransaction(tc);
        long[] increments = new long[KEYS];
        try {
            for (int k : keys) {
                byte[] v = locking ? db.getForUpdate(t, key(k)) : db.get(t, key(k));
                if (rnd.nextInt(4) == 0) {
                    // Now and then longer than the lock timeout, so that others' waits for it time out.
                    pause(rnd.nextInt(30) == 0 ? 200 : rnd.nextInt(shortTimeout ? 40 : 10));
                }
                db.put(t, key(k), b(Long.toString(Long.parseLong(s(v)) + 1)));
                increments[k]++;
            }
            if (rnd.nextInt(10) == 0) {
                t.abort();
                return Outcome.ROLLED_BACK;
            }
            t.commit();
            for (int k = 0; k < KEYS; k++) {
                committed.addAndGet(k, increments[k]);
            }
            return Outcome.COMMITTED;
        } catch (DeadlockException e) {
            assertTrue(Arrays.stream(e.cycle()).anyMatch(id -> id == t.id()), "the victim is in its cycle: " + e.getMessage());
            assertTrue(e.cycle().length >= 2, e.getMessage());
            return rolledBack(t, Outcome.DEADLOCK);
        } catch (LockTimeoutException e) {
            return rolledBack(t, e.getMessage().contains("interrupted") ? Outcome.INTERRUPTED : Outcome.LOCK_TIMEOUT);
        } catch (org.cairndb.TransactionTimeoutException e) {
            return rolledBack(t, Outcome.TXN_TIMEOUT);
        } catch (org.cairndb.WriteConflictException e) {
            return rolledBack(t, Outcome.CONFLICT);
        } catch (TransactionException e) {
            fail("unexpected " + e, e);
            return null;
        } catch (InterruptedPause e) {
            t.abort();
            return Outcome.ROLLED_BACK;
        }
    }

    /** A failed transaction is already rolled back, as documented; abort is then a no-op. */
    private static Outcome rolledBack(Transaction t, Outcome o) {
        assertTrue(!t.isActive(), "a transaction that failed with " + o + " is rolled back");
        t.abort();
        return o;
    }

    /** Work that takes a while (the workload's, not the test's synchronization). */
    private static void pause(int millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw new InterruptedPause();
        }
    }

    private static final class InterruptedPause extends RuntimeException {
    }

    private static byte[] key(int k) {
        return b(String.format("counter%02d", k));
    }


    private static String s(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
