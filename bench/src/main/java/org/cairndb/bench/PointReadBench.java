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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Benchmark 4: random point reads. Two threads read random records out of {@code records}
 * preloaded ones, each read a committed read outside any explicit transaction. The cache (512 MiB
 * by default) holds the whole set, so this measures the read path, not the disk.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Threads(2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class PointReadBench {

    @State(Scope.Benchmark)
    public static class Store {
        @Param({"cairn", "je", "h2", "derby", "rocksdb"})
        public String store;

        @Param("1000000")
        public int records;

        OpenStore db;

        @Setup(Level.Trial)
        public void open() {
            db = new OpenStore(store, "pointread", List.of("data"));
            Loader.preload(db.kv, 0, records);
        }

        @TearDown(Level.Trial)
        public void close() {
            db.close();
        }
    }

    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Reader {
        /** Reads that found nothing; must stay zero. */
        public long misses;

        Session session;
        SplittableRandom random;

        @Setup(Level.Trial)
        public void start(Store st) {
            session = st.db.session();
            random = new SplittableRandom(System.nanoTime() ^ Thread.currentThread().getId());
        }
    }

    @Benchmark
    public byte[] get(Store st, Reader r) {
        byte[] v = r.session.read(0, Records.key(r.random.nextInt(st.records)));
        if (v == null) {
            r.misses++;
        }
        return v;
    }
}
