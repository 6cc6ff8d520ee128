package org.cairndb.crash;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.TransactionConfig;

/**
 * Bank transfers from several threads, until stopped or until the environment fails. Records, for
 * each transfer, when its commit was called and when it returned on one global clock, so that a
 * test can check that whatever survived a crash is a prefix of the acknowledged order: a transfer
 * whose commit returned before another's commit began must be present if the other one is.
 * Optionally a further thread checkpoints at random moments.
 */
public final class BankWorkload {

    /** A transfer whose commit was attempted: clock values at the call and at the return (0 if it never returned). */
    static final class Attempt {
        final Bank.Transfer transfer;
        final long started;
        volatile long acked;

        Attempt(Bank.Transfer transfer, long started) {
            this.transfer = transfer;
            this.started = started;
        }
    }

    private final Environment env;
    private final int accounts;
    private final String prefix;
    private final Durability durability;
    private final AtomicLong clock = new AtomicLong();
    private final Map<String, Attempt> attempts = new ConcurrentHashMap<>();
    private final AtomicLong ackedCount = new AtomicLong();
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong checkpoints = new AtomicLong();
    private volatile boolean stop;
    private int firstAccount;

    public BankWorkload(Environment env, int accounts, String prefix, Durability durability) {
        this.env = env;
        this.accounts = accounts;
        this.prefix = prefix;
        this.durability = durability;
    }

    /** Transfers only between accounts from {@code first} on (the ones below are left to the test). */
    BankWorkload accountsFrom(int first) {
        this.firstAccount = first;
        return this;
    }

    /** Starts {@code threads} transfer threads and, if {@code checkpointEvery} > 0, a thread checkpointing after a random 1..2x that many acks. */
    public BankWorkload start(int threadCount, long seed, int checkpointEvery) {
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        TransactionConfig config = new TransactionConfig().durability(durability).lockTimeout(Duration.ofSeconds(2));
        for (int t = 0; t < threadCount; t++) {
            Random r = new Random(seed * 31 + t);
            String id = prefix + "t" + t + "-";
            Thread th = new Thread(() -> {
                long seq = 0;
                try {
                    while (!stop) {
                        int span = accounts - firstAccount;
                        int from = firstAccount + r.nextInt(span);
                        int to = firstAccount + r.nextInt(span - 1);
                        if (to >= from) {
                            to++;
                        }
                        Bank.Transfer tr = new Bank.Transfer(id + (seq++), from, to, 1 + r.nextInt(100));
                        Attempt a = new Attempt(tr, clock.incrementAndGet());
                        attempts.put(tr.id(), a);
                        Bank.transfer(env, acc, hist, tr, config);
                        a.acked = clock.incrementAndGet();
                        ackedCount.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "bank-" + prefix + t);
            th.setDaemon(true);
            threads.add(th);
        }
        if (checkpointEvery > 0) {
            Random r = new Random(seed ^ 0xC0FFEE);
            Thread cp = new Thread(() -> {
                try {
                    while (!stop) {
                        long target = ackedCount.get() + checkpointEvery + r.nextInt(checkpointEvery);
                        while (!stop && ackedCount.get() < target && failures.isEmpty()) {
                            Thread.onSpinWait();
                            Thread.sleep(1);
                        }
                        if (stop || !failures.isEmpty()) {
                            return;
                        }
                        env.checkpoint(r.nextBoolean());
                        checkpoints.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "bank-checkpointer-" + prefix);
            cp.setDaemon(true);
            threads.add(cp);
        }
        for (Thread t : threads) {
            t.start();
        }
        return this;
    }

    public long acked() {
        return ackedCount.get();
    }

    long checkpoints() {
        return checkpoints.get();
    }

    public List<Throwable> failures() {
        return new ArrayList<>(failures);
    }

    /** Waits until {@code condition} holds or a thread failed; false if the deadline passed first. */
    boolean await(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(2);
        }
        return true;
    }

    /** Stops every thread and waits for them (they end at their next commit or failure). */
    public void stopAndJoin(Duration timeout) throws InterruptedException {
        stop = true;
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : threads) {
            long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            t.join(left);
            if (t.isAlive()) {
                throw new AssertionError("workload thread " + t.getName() + " did not stop within " + timeout
                        + "; stack: " + java.util.Arrays.toString(t.getStackTrace()));
            }
        }
    }

    /** Ids of the transfers whose commit returned. */
    public List<String> ackedIds() {
        List<String> ids = new ArrayList<>();
        for (Attempt a : attempts.values()) {
            if (a.acked != 0) {
                ids.add(a.transfer.id());
            }
        }
        return ids;
    }

    Map<String, Attempt> attempts() {
        return attempts;
    }

    /**
     * Checks prefix consistency: if a transfer of this workload is present, every transfer acknowledged
     * before its commit began is present too. Returns a description of the first violation, or null.
     */
    String prefixViolation(java.util.Set<String> present) {
        long latestStart = 0;
        String latest = null;
        for (Attempt a : attempts.values()) {
            if (present.contains(a.transfer.id()) && a.started > latestStart) {
                latestStart = a.started;
                latest = a.transfer.id();
            }
        }
        for (Attempt a : attempts.values()) {
            if (a.acked != 0 && a.acked < latestStart && !present.contains(a.transfer.id())) {
                return "transfer " + a.transfer.id() + " (acknowledged at clock " + a.acked + ") is missing although "
                        + latest + " (commit begun at clock " + latestStart + ", after it) is present";
            }
        }
        return null;
    }
}
