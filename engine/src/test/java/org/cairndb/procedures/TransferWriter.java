package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionException;
import org.cairndb.tools.Bench;

/**
 * The application of the procedure tests: threads moving money between the accounts of
 * {@link Bench}'s bank (so {@link Bench#check} proves nothing was made or lost), each transfer one
 * SYNC transaction that also records {@code w<thread>-<seq>} in the history. Each thread's
 * transfers are numbered in order, so "every commit acknowledged before instant T" is, per thread,
 * every number up to the one whose commit had returned at T: {@link #acknowledged()}.
 */
final class TransferWriter implements AutoCloseable {

    private final Environment env;
    private final Database accounts;
    private final Database history;
    private final int accountCount;
    private final AtomicLongArray acked;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
    private final List<Thread> threads = new ArrayList<>();
    private final long pauseMicros;

    /** Creates the bank ({@code accounts} accounts) in {@code env}. */
    static void initBank(Environment env, int accounts) {
        Bench.init(env, accounts, new PrintWriter(new StringWriter()));
    }

    /**
     * Starts {@code threadCount} writers on {@code env}'s bank; each waits up to {@code pauseMicros}
     * (random) between transfers, so that tests can keep the rate modest.
     */
    TransferWriter(Environment env, int threadCount, long seed, long pauseMicros) {
        this.env = env;
        this.accounts = env.openDatabase(Bench.ACCOUNTS, false);
        this.history = env.openDatabase(Bench.HISTORY, false);
        this.accountCount = (int) accounts.count();
        this.acked = new AtomicLongArray(threadCount);
        this.pauseMicros = pauseMicros;
        for (int i = 0; i < threadCount; i++) {
            acked.set(i, -1);
            int index = i;
            Random random = new Random(seed * 31 + i);
            Thread t = new Thread(() -> work(index, random), "transfer-writer-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
    }

    private void work(int index, Random random) {
        TransactionConfig sync = new TransactionConfig().durability(Durability.SYNC);
        try {
            for (long seq = 0; !stop.get(); seq++) {
                int from = random.nextInt(accountCount);
                int to = random.nextInt(accountCount - 1);
                if (to >= from) {
                    to++;
                }
                long amount = 1 + random.nextInt(100);
                gate.readLock().lock();
                try {
                    transfer(sync, from, to, amount, "w" + index + "-" + seq);
                    // Acknowledged before the gate opens: pause() must find every committed transfer
                    // counted (set after the unlock, a commit could slip between the two).
                    acked.set(index, seq);
                } finally {
                    gate.readLock().unlock();
                }
                if (pauseMicros > 0) {
                    long p = random.nextLong(pauseMicros + 1);
                    if (p > 0) {
                        Thread.sleep(p / 1000, (int) (p % 1000) * 1000);
                    }
                }
            }
        } catch (Throwable t) {
            if (!stop.get()) {
                failure.compareAndSet(null, t);
            }
        }
    }

    private void transfer(TransactionConfig cfg, int from, int to, long amount, String id) {
        for (int attempt = 0; ; attempt++) {
            try (Transaction txn = env.beginTransaction(cfg)) {
                byte[] a = Bench.accountKey(Math.min(from, to));
                byte[] b = Bench.accountKey(Math.max(from, to));
                long balA = Long.parseLong(ascii(accounts.getForUpdate(txn, a)));
                long balB = Long.parseLong(ascii(accounts.getForUpdate(txn, b)));
                long delta = from < to ? -amount : amount; // applied to a
                accounts.put(txn, a, bytes(Long.toString(balA + delta)));
                accounts.put(txn, b, bytes(Long.toString(balB - delta)));
                history.put(txn, bytes(id), bytes(from + "," + to + "," + amount));
                txn.commit();
                return;
            } catch (TransactionException e) {
                if (attempt > 1000) {
                    throw e;
                }
            }
        }
    }

    /** Per thread, the highest transfer number whose commit has returned (-1: none yet). */
    long[] acknowledged() {
        long[] a = new long[acked.length()];
        for (int i = 0; i < a.length; i++) {
            a[i] = acked.get(i);
        }
        return a;
    }

    /** Transfers committed so far. */
    long total() {
        long n = 0;
        for (long a : acknowledged()) {
            n += a + 1;
        }
        return n;
    }

    /** Waits until at least {@code n} more transfers than now have committed; fails after 60 s. */
    void awaitMore(long n) throws InterruptedException {
        long target = total() + n;
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (total() < target) {
            checkHealthy();
            assertTrue(System.nanoTime() < deadline, "writers stuck at " + total() + " transfers, waiting for " + target);
            Thread.sleep(2);
        }
    }

    /**
     * Stops new transfers and waits for the ones under way (the standard backup's "commit or abort
     * all ongoing transactions, stop writing"), until {@link #resume}.
     */
    void pause() {
        gate.writeLock().lock();
    }

    void resume() {
        gate.writeLock().unlock();
    }

    void checkHealthy() {
        Throwable t = failure.get();
        if (t != null) {
            throw new AssertionError("a writer failed: " + t, t);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(60_000);
            assertTrue(!t.isAlive(), t.getName() + " did not stop");
        }
        checkHealthy();
    }

    /**
     * Checks a recovered environment: the bank's balances agree with its history (nothing made or
     * lost, no transfer torn), and every transfer in {@code acknowledged} is there.
     */
    static void assertConsistentAndHolds(Environment restored, long[] acknowledged, String context) {
        Bench.CheckResult check = Bench.check(restored);
        assertTrue(check.ok(), context + ": " + check.message());
        Database h = restored.openDatabase(Bench.HISTORY, false);
        for (int i = 0; i < acknowledged.length; i++) {
            for (long seq = 0; seq <= acknowledged[i]; seq++) {
                assertNotNull(h.get(null, bytes("w" + i + "-" + seq)), context + ": transfer w" + i + "-" + seq
                        + " was acknowledged before the copy began but is missing (thread " + i + " had "
                        + (acknowledged[i] + 1) + " acknowledged)");
            }
        }
    }

    /** Transfers in the history of {@code env}. */
    static long transfers(Environment env) {
        return env.openDatabase(Bench.HISTORY, false).count();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static String ascii(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }
}
