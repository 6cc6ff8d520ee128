package org.cairndb.bench.harness;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.cairndb.bench.BenchDirs;
import org.cairndb.bench.data.Records;
import org.cairndb.bench.store.KvStore;
import org.cairndb.bench.store.Session;
import org.cairndb.bench.store.StoreConfig;
import org.cairndb.bench.store.Stores;

/**
 * Benchmark 6: a load far larger than the heap. Run it in a JVM with a small heap
 * ({@code -Xmx256m}); it loads {@code --records} records (16-byte keys, 100-byte values, 1,000
 * per durable transaction) into a fresh store with a {@code --cache} cache, reads a random sample
 * back, closes, reopens and reads the sample again. An {@code OutOfMemoryError} is a failure.
 *
 * <pre>java -Xmx256m -cp benchmarks.jar org.cairndb.bench.harness.MemoryBench [--store cairn]
 *     [--records 10000000] [--cache 64m] [--csv FILE]</pre>
 */
public final class MemoryBench {

    private static final int PER_TXN = 1000;
    private static final int SAMPLE = 100_000;

    private MemoryBench() {
    }

    public static void main(String[] args) throws Exception {
        String store = "cairn";
        long records = 10_000_000;
        long cache = 64L << 20;
        Path csv = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--store" -> store = args[++i];
                case "--records" -> records = Long.parseLong(args[++i]);
                case "--cache" -> cache = parseSize(args[++i]);
                case "--csv" -> csv = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        long maxHeap = Runtime.getRuntime().maxMemory();
        System.out.printf("%s: loading %,d records with a %d MB cache in a %d MB heap%n", store, records,
                cache >> 20, maxHeap >> 20);
        Path dir = BenchDirs.fresh("memory-" + store);
        String outcome;
        double loadSeconds = 0;
        long diskBytes = 0;
        long liveAfterLoad = 0;
        try {
            StoreConfig config = new StoreConfig(cache, true);
            KvStore kv = Stores.open(store, dir, config, List.of("data"));
            long t0 = System.nanoTime();
            try (Session s = kv.session()) {
                long step = Math.max(PER_TXN, records / 10 / PER_TXN * PER_TXN);
                for (long n = 0; n < records; n += step) {
                    long count = Math.min(step, records - n);
                    org.cairndb.bench.data.Loader.load(s, 0, n, count, PER_TXN);
                    System.out.printf("  %,12d records  %7.1f s  heap used %4d MB%n", n + count,
                            (System.nanoTime() - t0) / 1e9, used() >> 20);
                }
            }
            loadSeconds = (System.nanoTime() - t0) / 1e9;
            liveAfterLoad = liveHeap();
            verify(kv, records, "after the load");
            if (!kv.stats().isEmpty()) {
                System.out.println(store + " stats: " + kv.stats());
            }
            kv.close();
            diskBytes = BenchDirs.size(dir);
            kv = Stores.open(store, dir, config, List.of("data"));
            verify(kv, records, "after reopening");
            kv.close();
            outcome = "completed and read back";
        } catch (OutOfMemoryError e) {
            outcome = "OutOfMemoryError";
            System.out.println(store + ": " + e);
        } finally {
            BenchDirs.delete(dir);
        }
        long gcMillis = GcTime.totalMillis();
        System.out.printf("%s: %s; load %.1f s (%,.0f records/s), live heap after the load %d MB of %d MB,"
                + " GC %.1f s, %d MB on disk%n", store, outcome, loadSeconds, records / Math.max(loadSeconds, 1e-9),
                liveAfterLoad >> 20, maxHeap >> 20, gcMillis / 1e3, diskBytes >> 20);
        if (csv != null) {
            boolean header = !Files.exists(csv);
            try (PrintStream out = new PrintStream(Files.newOutputStream(csv,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND), true,
                    StandardCharsets.UTF_8)) {
                if (header) {
                    out.println("store,records,heap_mb,cache_mb,outcome,load_seconds,live_heap_mb,gc_seconds,disk_mb");
                }
                out.printf(java.util.Locale.ROOT, "%s,%d,%d,%d,%s,%.1f,%d,%.1f,%d%n", store, records, maxHeap >> 20,
                        cache >> 20, outcome, loadSeconds, liveAfterLoad >> 20, gcMillis / 1e3, diskBytes >> 20);
            }
        }
        if (!outcome.startsWith("completed")) {
            System.exit(1);
        }
    }

    private static void verify(KvStore kv, long records, String when) {
        SplittableRandom r = new SplittableRandom(11);
        try (Session s = kv.session()) {
            for (int i = 0; i < SAMPLE; i++) {
                long n = i == 0 ? records - 1 : r.nextLong(records);
                if (!Records.isValue(n, s.read(0, Records.key(n)))) {
                    throw new IllegalStateException(kv.name() + ": record " + n + " missing or wrong " + when);
                }
            }
        }
        System.out.printf("  %,d random records read back %s%n", SAMPLE, when);
    }

    private static long used() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Heap still in use after a full collection: what the open store with its cache really holds. */
    private static long liveHeap() {
        System.gc();
        return used();
    }

    private static long parseSize(String s) {
        String t = s.toLowerCase(java.util.Locale.ROOT);
        long unit = t.endsWith("g") ? 1L << 30 : t.endsWith("m") ? 1L << 20 : t.endsWith("k") ? 1L << 10 : 1;
        return Long.parseLong(unit == 1 ? t : t.substring(0, t.length() - 1)) * unit;
    }
}
