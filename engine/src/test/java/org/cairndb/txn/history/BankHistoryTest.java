package org.cairndb.txn.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.IsolationLevel;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Money moved between accounts in two databases by concurrent transactions, an account that falls
 * to zero deleted and one that gets money from nothing inserted (putIfAbsent), so that balances come
 * and go as keys. Every transfer must keep the total (no lost update at any level, reading with
 * getForUpdate under READ_COMMITTED); under SNAPSHOT and SERIALIZABLE every scan of all accounts,
 * across both databases, must add up to the total (one snapshot: no read skew, no phantom). The
 * write-skew rule: a withdrawal may take from account i only what accounts i and i+4 (a pair)
 * hold together; under SERIALIZABLE no pair ever goes below zero, as docs/isolation.md promises.
 * Some transfers are prepared before they commit; checkpoints run throughout.
 */
class BankHistoryTest {

    private static final int ACCOUNTS = 8;
    private static final long TOTAL = 800;

    @TempDir
    Path dir;

    private final List<String> problems = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger committed = new AtomicInteger();
    private final AtomicInteger checkedReads = new AtomicInteger();

    @ParameterizedTest(name = "{0}, locking reads {1}")
    @CsvSource({ "READ_COMMITTED, 1.0", "SNAPSHOT, 0.0", "SNAPSHOT, 0.5", "SERIALIZABLE, 0.3" })
    void transfersKeepTheTotalAndSerializableKeepsEveryPair(IsolationLevel level, double locking) throws Exception {
        long seed = Long.getLong("cairn.history.seed", System.nanoTime());
        System.out.println("[bank] " + level + " seed " + seed + " (repeat with -Dcairn.history.seed=" + seed + ")");
        long seconds = Long.getLong("cairn.history.seconds", 2);
        EnvironmentConfig config = new EnvironmentConfig().cacheSize(1L << 20).checkpointerEnabled(false)
                .durability(Durability.NO_SYNC).pageReuseDelay(Duration.ZERO).logSegmentSize(1L << 20);
        try (Environment env = Environment.open(dir, config)) {
            List<Database> dbs = List.of(env.openDatabase("a"), env.openDatabase("b"));
            // Half the accounts hold everything; the others start absent.
            for (int i = 0; i < ACCOUNTS; i += 2) {
                db(dbs, i).put(null, key(i), num(TOTAL / (ACCOUNTS / 2)));
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            AtomicBoolean running = new AtomicBoolean(true);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 7; w++) {
                Random rnd = new Random(seed * 7919 + w);
                workers.add(pool.submit(() -> {
                    while (System.nanoTime() < deadline && problems.isEmpty()) {
                        int n = rnd.nextInt(10);
                        if (n < 3) {
                            audit(env, dbs, level, rnd);
                        } else {
                            transfer(env, dbs, level, locking, rnd, n == 3);
                        }
                    }
                    return null;
                }));
            }
            Future<?> checkpoints = pool.submit(() -> {
                while (running.get()) {
                    env.checkpoint(true);
                }
                return null;
            });
            try {
                for (Future<?> f : workers) {
                    f.get(seconds + 60, TimeUnit.SECONDS);
                }
            } finally {
                running.set(false);
                checkpoints.get(60, TimeUnit.SECONDS);
                pool.shutdown();
                assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
            }
            System.out.println("[bank] " + level + ": " + committed + " transfers committed, " + checkedReads
                    + " audits checked");
            assertEquals(List.of(), problems, level + " seed " + seed);
            assertEquals(TOTAL, sum(balances(env, dbs, IsolationLevel.SNAPSHOT)), "the final total (seed " + seed + ")");
            assertTrue(committed.get() > 100, "too few transfers committed: " + committed);
        }
        try (Environment env = Environment.open(dir, config)) {
            List<Database> dbs = List.of(env.openDatabase("a"), env.openDatabase("b"));
            assertEquals(TOTAL, sum(balances(env, dbs, IsolationLevel.SNAPSHOT)), "the total after a reopen");
        }
    }

    /** Moves money from one account to another, or out of the bank to a pair-constrained withdrawal. */
    private void transfer(Environment env, List<Database> dbs, IsolationLevel level, double locking, Random rnd,
            boolean prepare) {
        int from = rnd.nextInt(ACCOUNTS);
        int to = (from + 1 + rnd.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
        Transaction t = env.beginTransaction(new TransactionConfig().isolation(level).lockTimeout(Duration.ofMillis(300)));
        try {
            boolean lockAll = level == IsolationLevel.READ_COMMITTED || rnd.nextDouble() < locking;
            // The write-skew rule reads the partner of the account it takes from; it is not written.
            int partner = (from + ACCOUNTS / 2) % ACCOUNTS;
            long fromBalance = read(dbs, t, from, lockAll);
            long partnerBalance = partner == to ? read(dbs, t, partner, lockAll) : read(dbs, t, partner, false);
            long pair = fromBalance + partnerBalance;
            if (fromBalance == 0 || pair <= 0) {
                t.abort();
                return;
            }
            // May take more than the account holds, as long as the pair stays at or above zero,
            // paid back into "to" so that the total is kept.
            long amount = 1 + rnd.nextInt((int) Math.min(pair, 200));
            long toBalance = read(dbs, t, to, lockAll);
            write(dbs, t, from, fromBalance, fromBalance - amount);
            write(dbs, t, to, toBalance, toBalance + amount);
            if (prepare) {
                t.prepare(("bank-" + t.id()).getBytes(StandardCharsets.US_ASCII));
            }
            t.commit();
            committed.incrementAndGet();
        } catch (TransactionException e) {
            // rolled back (conflict, deadlock, lock timeout): as documented, nothing to check
        } catch (RuntimeException | Error e) {
            problems.add("transaction " + t.id() + " failed: " + e);
        } finally {
            t.close();
        }
    }

    private long read(List<Database> dbs, Transaction t, int account, boolean locking) {
        byte[] v = locking ? db(dbs, account).getForUpdate(t, key(account)) : db(dbs, account).get(t, key(account));
        return v == null ? 0 : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
    }

    /** Writes a balance: an account at zero is deleted, one that had none is inserted. */
    private void write(List<Database> dbs, Transaction t, int account, long before, long after) {
        Database d = db(dbs, account);
        if (after == 0) {
            if (!d.delete(t, key(account))) {
                throw new AssertionError("delete of account " + account + " found nothing; it was read as " + before);
            }
        } else if (before == 0) {
            if (!d.putIfAbsent(t, key(account), num(after))) {
                throw new AssertionError("putIfAbsent of account " + account + " found one; it was read as absent");
            }
        } else {
            d.put(t, key(account), num(after));
        }
    }

    /** Reads every account (scans of both databases, or gets) in one transaction and checks what it promises. */
    private void audit(Environment env, List<Database> dbs, IsolationLevel level, Random rnd) {
        try (Transaction t = env.beginTransaction(new TransactionConfig().isolation(level))) {
            long[] b = rnd.nextBoolean() ? scanAll(dbs, t) : getAll(dbs, t);
            long[] again = rnd.nextBoolean() ? scanAll(dbs, t) : getAll(dbs, t);
            if (level == IsolationLevel.READ_COMMITTED) {
                return;
            }
            checkedReads.incrementAndGet();
            if (sum(b) != TOTAL) {
                problems.add(level + " read skew: transaction " + t.id() + " read " + java.util.Arrays.toString(b) + ", total "
                        + sum(b));
            }
            if (!java.util.Arrays.equals(b, again)) {
                problems.add(level + " non-repeatable read: transaction " + t.id() + " read " + java.util.Arrays.toString(b)
                        + ", then " + java.util.Arrays.toString(again));
            }
            if (level == IsolationLevel.SERIALIZABLE) {
                for (int i = 0; i < ACCOUNTS / 2; i++) {
                    if (b[i] + b[i + ACCOUNTS / 2] < 0) {
                        problems.add("write skew under SERIALIZABLE: accounts " + i + " and " + (i + ACCOUNTS / 2) + " hold "
                                + b[i] + " and " + b[i + ACCOUNTS / 2] + " (transaction " + t.id() + " read "
                                + java.util.Arrays.toString(b) + ")");
                    }
                }
            }
            t.commit();
        } catch (TransactionException e) {
            if (level == IsolationLevel.SERIALIZABLE) {
                problems.add("a read-only SERIALIZABLE transaction failed: " + e);
            }
        }
    }

    private long[] scanAll(List<Database> dbs, Transaction t) {
        long[] b = new long[ACCOUNTS];
        for (Database d : dbs) {
            try (Cursor c = d.openCursor(t)) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    b[Integer.parseInt(new String(c.key(), StandardCharsets.US_ASCII).substring(1))] =
                            Long.parseLong(new String(c.value(), StandardCharsets.US_ASCII));
                }
            }
        }
        return b;
    }

    private long[] getAll(List<Database> dbs, Transaction t) {
        long[] b = new long[ACCOUNTS];
        for (int i = 0; i < ACCOUNTS; i++) {
            b[i] = read(dbs, t, i, false);
        }
        return b;
    }

    private long[] balances(Environment env, List<Database> dbs, IsolationLevel level) {
        try (Transaction t = env.beginTransaction(new TransactionConfig().isolation(level))) {
            return scanAll(dbs, t);
        }
    }

    private static long sum(long[] b) {
        long s = 0;
        for (long x : b) {
            s += x;
        }
        return s;
    }

    /** Accounts alternate between the two databases. */
    private static Database db(List<Database> dbs, int account) {
        return dbs.get(account % 2);
    }

    private static byte[] key(int account) {
        return ("a" + account).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] num(long n) {
        return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }
}
