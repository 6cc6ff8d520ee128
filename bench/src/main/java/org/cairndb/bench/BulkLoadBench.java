package org.cairndb.bench;

import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.cairndb.bench.data.Loader;
import org.cairndb.bench.data.Records;
import org.cairndb.bench.store.Session;
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
 * Benchmark 3: bulk load. One thread loads {@code records} records (16-byte keys in ascending
 * order, 100-byte values) into an empty store, {@code perTxn} records per durable transaction. Each
 * iteration starts from a fresh directory. The score is seconds per load; the report turns it into
 * records per second. Closing the store (and its final checkpoint) is not timed: every record is
 * already durable when the last commit returns.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 2)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class BulkLoadBench {

    @State(Scope.Benchmark)
    public static class Target {
        @Param({"cairn", "je", "h2", "derby", "rocksdb"})
        public String store;

        @Param("1000000")
        public int records;

        @Param("1000")
        public int perTxn;

        OpenStore db;
        Session session;

        @Setup(Level.Iteration)
        public void open() {
            db = new OpenStore(store, "bulkload", List.of("data"));
            session = db.session();
        }

        @TearDown(Level.Iteration)
        public void close() {
            try {
                verify();
            } finally {
                db.close();
            }
        }

        /** Reads back a sample, so that a store that loses records cannot win. */
        private void verify() {
            SplittableRandom r = new SplittableRandom(42);
            for (int i = 0; i < 1000; i++) {
                long n = i == 0 ? records - 1 : r.nextInt(records);
                if (!Records.isValue(n, session.read(0, Records.key(n)))) {
                    throw new IllegalStateException(store + ": record " + n + " missing or wrong after the load");
                }
            }
        }
    }

    @Benchmark
    public void load(Target t) {
        Loader.load(t.session, 0, 0, t.records, t.perTxn);
    }
}
