package org.cairndb.bench.harness;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.cairndb.Database;
import org.cairndb.bench.BenchDirs;
import org.cairndb.DeadlockException;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.LockTimeoutException;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.WriteConflictException;

/**
 * How many durable one-record commits share a force of the log: {@code threads} threads commit
 * one 100-byte record at a time (random keys of 100,000) for {@code seconds}, twice, and the second
 * round prints commits/s, commits per force and forces/s from the environment's counters. Used to
 * compare the group commit of two engine builds run one after the other (see docs/benchmarks.md).
 *
 * <pre>java -cp benchmarks.jar org.cairndb.bench.harness.GroupCommitProbe DIR THREADS SECONDS</pre>
 */
public final class GroupCommitProbe {
    private GroupCommitProbe() {
    }

    public static void main(String[] a) throws Exception {
        Path dir = Path.of(a[0]);
        int threads = Integer.parseInt(a[1]);
        int seconds = Integer.parseInt(a[2]);
        BenchDirs.delete(dir);
        try (Environment env = Environment.open(dir, new EnvironmentConfig().cacheSize(256L << 20))) {
            Database db = env.openDatabase("data");
            byte[] v = new byte[100];
            for (int i = 0; i < 100_000; i += 1000) {
                try (Transaction t = env.beginTransaction(new TransactionConfig().durability(Durability.NO_SYNC))) {
                    for (int k = i; k < i + 1000; k++) db.put(t, key(k), v);
                    t.commit();
                }
            }
            env.checkpoint(true);
            for (int round = 0; round < 2; round++) {
                AtomicBoolean stop = new AtomicBoolean();
                LongAdder commits = new LongAdder();
                List<Thread> ts = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    Thread t = new Thread(() -> {
                        SplittableRandom r = new SplittableRandom();
                        byte[] val = new byte[100];
                        while (!stop.get()) {
                            r.nextBytes(val);
                            byte[] k = key(r.nextInt(100_000));
                            while (true) {
                                try (Transaction t2 = env.beginTransaction()) {
                                    db.put(t2, k, val);
                                    t2.commit();
                                    break;
                                } catch (LockTimeoutException | DeadlockException | WriteConflictException e) {
                                }
                            }
                            commits.increment();
                        }
                    });
                    ts.add(t);
                }
                long f0 = env.stats().logForces();
                long t0 = System.nanoTime();
                ts.forEach(Thread::start);
                Thread.sleep(seconds * 1000L);
                stop.set(true);
                for (Thread t : ts) t.join();
                double s = (System.nanoTime() - t0) / 1e9;
                long f = env.stats().logForces() - f0;
                if (round == 1) System.out.printf(Locale.ROOT, "threads %d: %.0f commits/s, %.2f commits per force, %.0f forces/s%n", threads, commits.sum() / s, commits.sum() / (double) f, f / s);
            }
        }
    }
    static byte[] key(int k) { return String.format("key-%012d", k).getBytes(StandardCharsets.US_ASCII); }
}
