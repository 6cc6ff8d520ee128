package org.cairndb.bench;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cairn only: one-record commits (WRITE_NO_SYNC, so that the disk's forces do not hide the CPU
 * path) beside {@code inDoubt} prepared transactions left waiting for their transaction manager
 * (one that was away for a while). A commit must not cost more the more there are: each commit
 * once checked its writes against every prepared transaction, under the lock that orders commits.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class InDoubtCommitBench {

    @State(Scope.Benchmark)
    public static class Store {
        @Param({"0", "16000"})
        public int inDoubt;

        Environment env;
        Database db;

        @Setup(Level.Trial)
        public void open() throws Exception {
            env = Environment.open(BenchDirs.fresh("indoubt"), new EnvironmentConfig().durability(Durability.WRITE_NO_SYNC));
            db = env.openDatabase("data", true);
            // Prepared from 16 threads, whose PREPARE records then share forces of the log.
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int first = t;
                done.add(pool.submit(() -> {
                    for (int i = first; i < inDoubt; i += 16) {
                        Transaction x = env.beginTransaction();
                        db.put(x, ("in-doubt-" + i).getBytes(StandardCharsets.US_ASCII), new byte[100]);
                        x.prepare(("gtrid-" + i).getBytes(StandardCharsets.US_ASCII));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
        }

        @TearDown(Level.Trial)
        public void close() {
            env.close(); // the prepared transactions stay prepared in the log
        }
    }

    @State(Scope.Thread)
    public static class Worker {
        final SplittableRandom random = new SplittableRandom(System.nanoTime() ^ Thread.currentThread().getId());
        final byte[] value = new byte[100];
    }

    @Benchmark
    public void commit(Store st, Worker w) {
        byte[] key = ("k" + w.random.nextInt(100_000)).getBytes(StandardCharsets.US_ASCII);
        w.random.nextBytes(w.value);
        while (true) {
            try (Transaction t = st.env.beginTransaction()) {
                st.db.put(t, key, w.value);
                t.commit();
                return;
            } catch (org.cairndb.TransactionException retry) {
                // Two threads on one key: the loser runs again.
            }
        }
    }
}
