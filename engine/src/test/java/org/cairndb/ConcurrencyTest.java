package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** Many threads moving money between accounts at each isolation level, with checkpoints; the total never changes. */
class ConcurrencyTest {

    static final int ACCOUNTS = 200;
    static final int THREADS = 8;
    static final int TRANSFERS = 400;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(IsolationLevel.class)
    void transfersKeepTheTotalAtEveryIsolationLevel(IsolationLevel level) throws Exception {
        AtomicLong committed = new AtomicLong();
        try (Environment env = Environment.open(dir, TestSupport.config().durability(Durability.NO_SYNC)
                .cacheSize(4L << 20))) {
            Database acc = env.openDatabase("accounts");
            for (int i = 0; i < ACCOUNTS; i++) {
                acc.put(null, key(i), b("1000"));
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int seed = t;
                futures.add(pool.submit(() -> {
                    Random rnd = new Random(seed);
                    for (int n = 0; n < TRANSFERS; n++) {
                        int from = rnd.nextInt(ACCOUNTS);
                        int to = (from + 1 + rnd.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
                        int amount = rnd.nextInt(100);
                        while (true) {
                            try (Transaction txn = env.beginTransaction(new TransactionConfig().isolation(level))) {
                                // Plain reads then writes: READ_COMMITTED must use getForUpdate to avoid lost updates.
                                byte[] fv = level == IsolationLevel.READ_COMMITTED ? acc.getForUpdate(txn, key(from))
                                        : acc.get(txn, key(from));
                                byte[] tv = level == IsolationLevel.READ_COMMITTED ? acc.getForUpdate(txn, key(to))
                                        : acc.get(txn, key(to));
                                acc.put(txn, key(from), b(String.valueOf(Long.parseLong(s(fv)) - amount)));
                                acc.put(txn, key(to), b(String.valueOf(Long.parseLong(s(tv)) + amount)));
                                txn.commit();
                                committed.incrementAndGet();
                                break;
                            } catch (TransactionException e) {
                                // a conflict, deadlock or lock timeout: this transfer is tried again
                            }
                        }
                    }
                    return null;
                }));
            }
            futures.add(pool.submit(() -> {
                for (int i = 0; i < 20; i++) {
                    env.checkpoint(true);
                    // Each round of checkpoints also reads a consistent snapshot: the total is always right.
                    try (Transaction r = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SNAPSHOT))) {
                        assertEquals(ACCOUNTS * 1000L, total(acc, r));
                    }
                }
                return null;
            }));
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
            pool.shutdown();
            assertEquals(THREADS * TRANSFERS, committed.get());
            assertEquals(ACCOUNTS * 1000L, total(acc, null));
            env.internals().abandon();
        }
        try (Environment env = TestSupport.open(dir)) {
            // NO_SYNC: the tail of the log may be lost in a crash, but whatever survived is consistent.
            assertEquals(ACCOUNTS * 1000L, total(env.openDatabase("accounts", false), null));
        }
    }

    static byte[] key(int i) {
        return b(String.format("acct-%08d", i));
    }

    static long total(Database acc, Transaction txn) {
        long sum = 0;
        int n = 0;
        try (Cursor c = acc.openCursor(txn)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                sum += Long.parseLong(s(c.value()));
                n++;
            }
        }
        assertEquals(ACCOUNTS, n);
        return sum;
    }
}
