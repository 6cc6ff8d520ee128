package org.cairndb.bench;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.cairndb.bench.data.Loader;
import org.cairndb.bench.data.Records;
import org.cairndb.bench.store.Session;
import org.openjdk.jmh.annotations.AuxCounters;
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
 * Benchmark 1: durable one-record transactions. Each operation is a transaction that overwrites
 * one random record (16-byte key, 100-byte value) of a preloaded set and commits with a forced log.
 * Run it at 1, 4, 16 and 64 threads ({@code -t}); the score is commits per second.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class OneRecordTxnBench {

    @State(Scope.Benchmark)
    public static class Store {
        @Param({"cairn", "je", "h2", "derby", "rocksdb"})
        public String store;

        /** Size of the preloaded set the random keys are drawn from. */
        @Param("100000")
        public int records;

        OpenStore db;

        @Setup(Level.Trial)
        public void open() {
            db = new OpenStore(store, "onerecord", List.of("data"));
            Loader.preload(db.kv, 0, records);
        }

        @TearDown(Level.Trial)
        public void close() {
            db.close();
        }
    }

    /** One benchmark thread's session; its public counter is reported beside the score. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Worker {
        /** Attempts rolled back (deadlock victim, conflict, lock timeout) and run again. */
        public long retries;

        Session session;
        SplittableRandom random;
        final byte[] value = new byte[Records.VALUE_SIZE];

        @Setup(Level.Trial)
        public void start(Store st) {
            session = st.db.session();
            random = new SplittableRandom(System.nanoTime() ^ Thread.currentThread().getId());
        }
    }

    @Benchmark
    public void commit(Store st, Worker w) {
        byte[] key = Records.key(w.random.nextInt(st.records));
        w.random.nextBytes(w.value);
        w.retries += Txns.run(w.session, s -> s.put(0, key, w.value));
    }
}
