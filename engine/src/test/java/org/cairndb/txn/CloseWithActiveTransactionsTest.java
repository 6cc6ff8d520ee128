package org.cairndb.txn;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.IsolationLevel;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing the environment while transactions of every isolation level are in use: committing at
 * every durability, scanning with cursors, and waiting for a lock. As documented, everything a
 * thread sees after the close is "environment ... is closed" (an IllegalStateException; a waiter is
 * also told it was rolled back while it waited), abort() of a transaction the close rolled back is
 * a no-op, every commit that returned is there after a reopen, and every commit that was refused
 * is not.
 */
class CloseWithActiveTransactionsTest {

    @TempDir
    Path dir;

    @Test
    void aCloseUnderLoadRefusesClearlyAndLosesNoCommit() throws Exception {
        long seed = Long.getLong("cairn.model.seed", System.nanoTime());
        System.out.println("[close-active] seed " + seed + " (repeat with -Dcairn.model.seed=" + seed + ")");
        for (int round = 0; round < 3; round++) {
            Path home = dir.resolve("round-" + round);
            String closed = "environment " + home + " is closed";
            EnvironmentConfig config = TestSupport.config().lockTimeout(Duration.ofMinutes(5)).cacheSize(2L << 20);
            Environment env = Environment.open(home, config);
            Database db = env.openDatabase("t");
            for (int i = 0; i < 300; i++) {
                db.put(null, b("base" + i), new byte[100]);
            }
            Set<String> acked = ConcurrentHashMap.newKeySet();
            Set<String> refused = ConcurrentHashMap.newKeySet();
            Queue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
            AtomicLong work = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            // Committers at every isolation level and durability.
            for (int c = 0; c < 3; c++) {
                int id = c;
                Random rnd = new Random(seed + round * 10 + c);
                threads.add(new Thread(() -> {
                    for (int i = 0; ; i++) {
                        String k = "c" + id + "-" + i;
                        Transaction t;
                        try {
                            t = env.beginTransaction(new TransactionConfig()
                                    .isolation(IsolationLevel.values()[rnd.nextInt(3)])
                                    .durability(Durability.values()[rnd.nextInt(Durability.values().length)]));
                        } catch (IllegalStateException e) {
                            expect(closed, e, unexpected);
                            return;
                        }
                        try {
                            db.get(t, b("base" + rnd.nextInt(300)));
                            db.put(t, b(k), b(k));
                        } catch (IllegalStateException e) {
                            expect(closed, e, unexpected);
                            refused.add(k);
                            t.abort(); // a no-op, as documented
                            return;
                        } catch (Throwable e) {
                            unexpected.add(e);
                            return;
                        }
                        try {
                            t.commit();
                            acked.add(k);
                            work.incrementAndGet();
                        } catch (IllegalStateException e) {
                            expect(closed, e, unexpected);
                            refused.add(k);
                            return;
                        } catch (Throwable e) {
                            unexpected.add(e);
                            return;
                        }
                    }
                }));
            }
            // Scanners with a cursor left open in a transaction of each level.
            for (IsolationLevel level : IsolationLevel.values()) {
                threads.add(new Thread(() -> {
                    Transaction t = env.beginTransaction(new TransactionConfig().isolation(level));
                    try (Cursor c = db.openCursor(t)) {
                        while (true) {
                            for (boolean ok = c.first(); ok; ok = c.next()) {
                                work.incrementAndGet();
                            }
                        }
                    } catch (IllegalStateException e) {
                        expect(closed, e, unexpected);
                    } catch (Throwable e) {
                        unexpected.add(e);
                    }
                    try {
                        t.abort();
                        assertFalse(t.isActive());
                    } catch (Throwable e) {
                        unexpected.add(e);
                    }
                }));
            }
            // A lock holder that never finishes, and a waiter for its lock.
            Transaction holder = env.beginTransaction();
            db.put(holder, b("hot"), b("held"));
            Transaction waiter = env.beginTransaction();
            threads.add(new Thread(() -> {
                try {
                    db.put(waiter, b("hot"), b("waited"));
                    unexpected.add(new AssertionError("the waiter got the lock of a transaction the close rolled back"));
                } catch (IllegalStateException e) {
                    expect(closed, e, unexpected);
                } catch (Throwable e) {
                    unexpected.add(e);
                }
            }));
            threads.forEach(Thread::start);
            TestSupport.awaitTrue(() -> waiter.isActive() && env.stats().locksHeld() >= 1 && acked.size() > 30 && work.get() > 300,
                    "work under way");
            env.close();
            for (Thread th : threads) {
                th.join(20_000);
                assertFalse(th.isAlive(), "a thread still runs after the close");
            }
            assertEquals(List.of(), unexpected.stream().map(Throwable::toString).toList(), "round " + round);
            holder.abort(); // rolled back by the close: a no-op
            assertFalse(holder.isActive());
            assertTrue(acked.size() > 10, "commits before the close: " + acked.size());
            try (Environment again = Environment.open(home, config)) {
                Database d = again.openDatabase("t");
                for (String k : acked) {
                    assertNotNull(d.get(null, b(k)), "round " + round + ": acknowledged " + k + " is missing");
                }
                for (String k : refused) {
                    assertNull(d.get(null, b(k)), "round " + round + ": refused " + k + " is there");
                }
                assertNull(d.get(null, b("hot")), "the held lock's write was rolled back by the close");
            }
        }
    }

    private static void expect(String closed, IllegalStateException e, Queue<Throwable> unexpected) {
        if (e.getMessage() == null || !e.getMessage().startsWith(closed)) {
            unexpected.add(e);
        }
    }

}
