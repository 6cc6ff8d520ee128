package org.cairndb.bench.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.cairndb.bench.BenchDirs;
import org.cairndb.bench.data.Records;
import org.cairndb.bench.store.KvStore;
import org.cairndb.bench.store.Session;
import org.cairndb.bench.store.StoreConfig;
import org.cairndb.bench.store.Stores;

/**
 * Benchmark 5: recovery time after a crash. For each store a child JVM ({@link RecoveryWriter})
 * writes with background checkpoints off until it has committed {@code --mb} megabytes of keys and
 * values (200 MB: about 1.8 million 116-byte records in transactions of 100) since it opened the
 * store; this process then kills it with SIGKILL ({@code destroyForcibly}) and times how long
 * opening the store takes, which is when each store runs its crash recovery. The reopened store
 * must hold every record the child had committed when it announced it was ready.
 *
 * <p>With {@code --reopens N} the crashed directory is kept as it was left and each of N reopens
 * runs on a fresh copy of it; the median is reported (the same crash, so the spread is the
 * machine's noise, not the writer's).
 *
 * <pre>java -cp benchmarks.jar org.cairndb.bench.harness.RecoveryBench [--stores cairn,je] [--mb 200] [--reopens 1] [--csv FILE]</pre>
 */
public final class RecoveryBench {

    private static final long CACHE = 1L << 30;
    private static final String CHILD_HEAP = "-Xmx3g";

    private RecoveryBench() {
    }

    record Result(String store, long bytesWritten, long records, double reopenSeconds, double gcSeconds, String note) {
    }

    public static void main(String[] args) throws Exception {
        List<String> stores = List.of("cairn", "je", "bdbc", "h2", "derby", "rocksdb");
        long mb = 200;
        int reopens = 1;
        Path csv = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--stores" -> stores = List.of(args[++i].split(","));
                case "--mb" -> mb = Long.parseLong(args[++i]);
                case "--csv" -> csv = Path.of(args[++i]);
                case "--reopens" -> reopens = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        if (reopens < 1) {
            throw new IllegalArgumentException("--reopens must be at least 1, was " + reopens);
        }
        List<Result> results = new ArrayList<>();
        for (String store : stores) {
            String why = Stores.unavailableReason(store);
            if (why != null) {
                System.out.println("note: skipping store '" + store + "': " + why);
                continue;
            }
            results.add(run(store, mb << 20, reopens));
        }
        System.out.println();
        System.out.println("| store | directory growth (MB) | records committed | reopen (s) | GC during the reopen (s) | note |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | --- |");
        for (Result r : results) {
            System.out.printf("| %s | %d | %d | %.2f | %.2f | %s |%n", r.store, r.bytesWritten >> 20, r.records,
                    r.reopenSeconds, r.gcSeconds, r.note);
        }
        if (csv != null) {
            try (PrintStream out = new PrintStream(Files.newOutputStream(csv), true, StandardCharsets.UTF_8)) {
                out.println("store,bytes_written,records,reopen_seconds,note,gc_seconds");
                for (Result r : results) {
                    out.printf(java.util.Locale.ROOT, "%s,%d,%d,%.3f,\"%s\",%.3f%n", r.store, r.bytesWritten, r.records,
                            r.reopenSeconds, r.note.replace('"', '\''), r.gcSeconds);
                }
            }
        }
    }

    static Result run(String store, long target, int reopens) throws IOException, InterruptedException {
        warmUp(store);
        Path dir = BenchDirs.fresh("recovery-" + store);
        Path copy = null;
        try {
            System.out.printf("%s: committing %d MB of records in a child JVM...%n", store, target >> 20);
            long[] ready = crashAfter(store, dir, target);
            long committed = ready[0];
            System.out.printf("%s: killed after %d records committed; the directory had grown by %d MB; %d MB on disk%n", store,
                    committed, ready[1] >> 20, BenchDirs.size(dir) >> 20);
            double[][] times = new double[reopens][];
            for (int i = 0; i < reopens; i++) {
                Path target0 = dir;
                if (reopens > 1) {
                    BenchDirs.delete(copy);
                    copy = BenchDirs.fresh("recovery-copy-" + store);
                    BenchDirs.copyTree(dir, copy);
                    target0 = copy;
                }
                times[i] = reopen(store, target0, committed);
            }
            java.util.Arrays.sort(times, java.util.Comparator.comparingDouble(t -> t[0]));
            double seconds = times[reopens / 2][0];
            double gcSeconds = times[reopens / 2][1];
            String note = store.equals("derby") ? "Derby checkpoints every 128 MB of log at most" : "";
            if (reopens > 1) {
                note = (note.isEmpty() ? "" : note + "; ") + "median of " + reopens + " reopens of copies of the crashed"
                        + String.format(java.util.Locale.ROOT, " directory (%.2f–%.2f s)", times[0][0], times[reopens - 1][0]);
            }
            return new Result(store, ready[1], committed, seconds, gcSeconds, note);
        } finally {
            BenchDirs.delete(copy);
            BenchDirs.delete(dir);
        }
    }

    /**
     * Opens the crashed store in {@code dir}, checks the committed records, closes it; returns the
     * seconds to open and the seconds this JVM spent in garbage collection meanwhile (the
     * collectors' accumulated time, as the platform MXBeans report it; near zero for a store whose
     * recovery runs in native code).
     */
    private static double[] reopen(String store, Path dir, long committed) {
        long gc0 = GcTime.totalMillis();
        long cpu0 = GcTime.processCpuNanos();
        long t0 = System.nanoTime();
        KvStore kv = Stores.open(store, dir, new StoreConfig(CACHE, true), List.of("data"));
        double seconds = (System.nanoTime() - t0) / 1e9;
        double gcSeconds = (GcTime.totalMillis() - gc0) / 1e3;
        double cpuSeconds = (GcTime.processCpuNanos() - cpu0) / 1e9;
        try {
            verify(kv, committed);
            System.out.printf("%s: reopened in %.2f s (%.2f s of it in GC; %.2f s of CPU in this JVM, all threads); all %d committed records present%n",
                    store, seconds, gcSeconds, cpuSeconds, committed);
            if (!kv.recoverySummary().isEmpty()) {
                System.out.println(store + ": " + kv.recoverySummary());
            }
        } finally {
            kv.close();
        }
        return new double[] {seconds, gcSeconds};
    }

    /** Opens and closes an empty store first, so that class loading and JIT are not timed. */
    private static void warmUp(String store) {
        Path dir = BenchDirs.fresh("recovery-warmup-" + store);
        try {
            KvStore kv = Stores.open(store, dir, new StoreConfig(64L << 20, true), List.of("data"));
            try (Session s = kv.session()) {
                s.begin();
                s.insert(0, Records.key(1), Records.value(1));
                s.commit();
                s.read(0, Records.key(1));
            }
            kv.close();
            kv = Stores.open(store, dir, new StoreConfig(64L << 20, true), List.of("data"));
            kv.close();
        } finally {
            BenchDirs.delete(dir);
        }
    }

    /** Runs the writer until it is ready, SIGKILLs it; returns {records committed, bytes written}. */
    private static long[] crashAfter(String store, Path dir, long target) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(CHILD_HEAP);
        cmd.add("-Djava.library.path=" + System.getProperty("java.library.path"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(RecoveryWriter.class.getName());
        cmd.add(store);
        cmd.add(dir.toString());
        cmd.add(Long.toString(target));
        cmd.add(Long.toString(CACHE));
        Process child = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(RecoveryWriter.READY + " ")) {
                    String[] f = line.split(" ");
                    child.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no final checkpoint
                    child.waitFor(60, TimeUnit.SECONDS);
                    return new long[] {Long.parseLong(f[1]), Long.parseLong(f[2])};
                }
                System.out.println("  child: " + line);
            }
        } finally {
            if (child.isAlive()) {
                child.destroyForcibly();
                child.waitFor(60, TimeUnit.SECONDS);
            }
        }
        throw new IllegalStateException(store + ": the writer exited with status " + child.exitValue()
                + " before committing " + (target >> 20) + " MB");
    }

    private static void verify(KvStore kv, long committed) {
        SplittableRandom r = new SplittableRandom(7);
        try (Session s = kv.session()) {
            for (int i = 0; i < 10_000; i++) {
                long n = i == 0 ? committed - 1 : r.nextLong(committed);
                long m = RecoveryWriter.recordNumber(n);
                if (!Records.isValue(m, s.read(0, Records.key(m)))) {
                    throw new IllegalStateException(kv.name() + " lost committed record #" + n
                            + " (key number " + m + ") in recovery");
                }
            }
        }
    }
}
