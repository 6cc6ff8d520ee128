package org.cairndb.bench.harness;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryReport;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.BackupProgress;
import org.cairndb.backup.BackupResult;
import org.cairndb.backup.HotBackup;
import org.cairndb.bench.BenchDirs;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;

/**
 * Benchmark 7: hot backup and catastrophic recovery (Cairn only; the issue gives the peers' figures
 * for reference).
 *
 * <ol>
 * <li>Loads {@code --mb} (1024) megabytes of 1,000-byte values into an environment (1,000 records
 * per WRITE_NO_SYNC transaction) and checkpoints it.</li>
 * <li><b>Writer alone</b>: {@code --writers} (4) threads commit one 100-byte record per SYNC
 * transaction for {@code --seconds} (10): commits/s.</li>
 * <li>{@code --runs} (3) times: a <b>plain copy</b> of exactly the files a backup copies (the data
 * files and the log from the recovery start) with {@code Files.copy}, forcing each file, no writer:
 * MB/s of the disk for this job; then a <b>hot backup while the writer runs</b>: MB/s of the copy
 * phase (data files and log, the part that competes with the writer), of the whole backup (with
 * recovery of the copy and the manifest's SHA-256 of every file), and the writer's commits/s and
 * longest commit during the copy (a stall shows in the latter, hardly in the rate). Dirty pages are written out ({@code sync}) before each measurement. Medians are
 * reported.</li>
 * <li><b>Catastrophic recovery</b>: a backup taken without recovery, then {@code --replay-mb} (256)
 * megabytes of log written after it in transactions of 100 records (records of {@code --replay-value}
 * bytes, default 100 and 1,000 both), the backup updated with the new segments, and the time to open
 * it with catastrophic recovery: MB/s of log replayed. With {@code --cli bin/cairn}, a copy of the
 * same backup is also recovered by {@code cairn recover -c} in a JVM of its own, as an admin does it
 * (the launcher's JVM options, the default cache).</li>
 * </ol>
 *
 * <pre>java -cp benchmarks.jar org.cairndb.bench.harness.BackupBench [--mb 1024] [--writers 4] [--seconds 10]
 *      [--runs 3] [--max-rate MB/s] [--no-replay] [--replay-mb 256] [--replay-value 100|1000] [--replay-only]
 *      [--cli bin/cairn] [--csv FILE]</pre>
 *
 * <p>{@code --max-rate} gives the hot backups the rate limit of {@code cairn hotbackup --max-rate}:
 * how much of the writer's rate a limit buys back, and what it costs the backup.
 */
public final class BackupBench {

    private static final int VALUE = 1000;
    private static final int WRITER_VALUE = 100;

    private BackupBench() {
    }

    public static void main(String[] args) throws Exception {
        long mb = 1024;
        int writers = 4;
        int seconds = 10;
        int runs = 3;
        long replayMb = 256;
        double maxRate = 0;
        List<Integer> replayValues = List.of(100, 1000);
        Path csv = null;
        String cli = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mb" -> mb = Long.parseLong(args[++i]);
                case "--writers" -> writers = Integer.parseInt(args[++i]);
                case "--seconds" -> seconds = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--replay-mb" -> replayMb = Long.parseLong(args[++i]);
                case "--replay-value" -> replayValues = List.of(Integer.parseInt(args[++i]));
                case "--csv" -> csv = Path.of(args[++i]);
                case "--replay-only" -> runs = 0;
                case "--max-rate" -> maxRate = Double.parseDouble(args[++i]);
                case "--no-replay" -> replayValues = List.of();
                case "--cli" -> cli = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        List<String[]> rows = new ArrayList<>();
        Path dir = BenchDirs.fresh("backup");
        try {
            EnvironmentConfig config = new EnvironmentConfig().cacheSize(256L << 20);
            if (runs > 0) {
                measureBackup(dir, config, mb, writers, seconds, runs, maxRate, rows);
            }
            for (int value : replayValues) {
                syncDisk();
                Path replayHome = dir.resolve("replay-" + value);
                double[] replay = catastrophicReplay(replayHome, dir.resolve("replay-backup-" + value), replayMb, value, cli);
                System.out.printf(Locale.ROOT, "catastrophic recovery, %d-byte values: %.0f MB of log in %.2f s = %.0f MB/s"
                        + " (%.0f records/s)%n", value, replay[0] / 1e6, replay[1], replay[0] / 1e6 / replay[1],
                        replay[2] / replay[1]);
                rows.add(row("catastrophic recovery, " + value + "-byte values", "MB/s", replay[0] / 1e6 / replay[1]));
                rows.add(row("catastrophic recovery, " + value + "-byte values", "records/s", replay[2] / replay[1]));
                rows.add(row("catastrophic recovery, " + value + "-byte values, open", "s", replay[1]));
                System.out.printf(Locale.ROOT, "  of which replay (the recovery report's time, mid-recovery checkpoints"
                        + " included): %.2f s = %.0f MB/s; then the checkpoint of the replayed pages%n", replay[3],
                        replay[0] / 1e6 / replay[3]);
                rows.add(row("catastrophic recovery, " + value + "-byte values, replay only (the report's time)", "MB/s",
                        replay[0] / 1e6 / replay[3]));
                if (cli != null) {
                    System.out.printf(Locale.ROOT, "  the same backup by `cairn recover -c` in a fresh JVM: replay %.2f s = %.0f"
                            + " MB/s (the report's time), %.2f s for the whole command%n", replay[4], replay[0] / 1e6 / replay[4],
                            replay[5]);
                    rows.add(row("cairn recover -c, " + value + "-byte values, replay (the report's time)", "MB/s",
                            replay[0] / 1e6 / replay[4]));
                    rows.add(row("cairn recover -c, " + value + "-byte values, whole command", "s", replay[5]));
                }
                BenchDirs.delete(replayHome);
            }
        } finally {
            BenchDirs.delete(dir);
        }
        System.out.println();
        System.out.println("| measure | unit | value |");
        System.out.println("| --- | --- | ---: |");
        for (String[] r : rows) {
            System.out.println("| " + r[0] + " | " + r[1] + " | " + r[2] + " |");
        }
        if (csv != null) {
            try (PrintStream out = new PrintStream(Files.newOutputStream(csv), true, StandardCharsets.UTF_8)) {
                out.println("measure,unit,value");
                for (String[] r : rows) {
                    out.println("\"" + r[0] + "\"," + r[1] + "," + r[2].replace(",", ""));
                }
            }
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Writes every dirty page of the machine out (sync(1)), so that a measurement does not pay for earlier work. */
    private static void syncDisk() throws IOException, InterruptedException {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
    }

    private static String[] row(String measure, String unit, double value) {
        return new String[] {measure, unit, unit.equals("ratio") || unit.equals("s") ? String.format(Locale.ROOT, "%.2f", value)
                : String.format(Locale.ROOT, "%,.0f", value)};
    }

    /** Loads {@code n} records with keys from {@code first}, {@code perTxn} per transaction, without forcing the log. */
    private static void load(Database db, Environment env, long n, int valueSize, long first, int perTxn) {
        SplittableRandom random = new SplittableRandom(first);
        byte[] value = new byte[valueSize];
        TransactionConfig tc = new TransactionConfig().durability(Durability.WRITE_NO_SYNC);
        for (long i = 0; i < n; i += perTxn) {
            try (Transaction t = env.beginTransaction(tc)) {
                for (long k = i; k < Math.min(n, i + perTxn); k++) {
                    random.nextBytes(value);
                    db.put(t, key(first + k), value);
                }
                t.commit();
            }
        }
    }

    private static byte[] key(long k) {
        return String.format("k%015d", k).getBytes(StandardCharsets.US_ASCII);
    }

    /** What a backup started now copies: every data file and the log from the recovery start on. */
    private static List<Path> backedUpFiles(Environment env) throws IOException {
        List<Path> files = new ArrayList<>(env.internals().logArchive().dataFiles());
        long first = Lsn.segment(env.internals().logArchive().recoveryStartLsn());
        for (long seg = first; seg <= env.internals().log().currentSegment(); seg++) {
            files.add(env.internals().home().logDir().resolve(SegmentFiles.name(seg)));
        }
        return files;
    }

    /** Copies and forces each file; bytes per second. */
    private static double plainCopy(List<Path> files, Path target) throws IOException {
        Files.createDirectories(target);
        long t0 = System.nanoTime();
        long bytes = 0;
        for (Path f : files) {
            Path to = target.resolve(f.getFileName());
            Files.copy(f, to);
            try (FileChannel c = FileChannel.open(to, StandardOpenOption.WRITE)) {
                c.force(true);
            }
            bytes += Files.size(to);
        }
        double rate = bytes / seconds(t0);
        BenchDirs.delete(target);
        return rate;
    }

    /** The plain copy while the writer runs: {bytes/s of the copy, the writer's commits/s meanwhile, its longest commit in ms}. */
    private static double[] plainCopyWhileWriting(Environment env, Database db, int writers, List<Path> files, Path target)
            throws Exception {
        try (Writer w = new Writer(env, db, writers)) {
            Thread.sleep(1000);
            long c0 = w.commits.get();
            w.longestSince();
            long t0 = System.nanoTime();
            double rate = plainCopy(files, target);
            double s = seconds(t0);
            return new double[] {rate, (w.commits.get() - c0) / s, w.longestSince()};
        }
    }

    /** A writer of SYNC one-record transactions, counting its commits until stopped. */
    private static final class Writer implements AutoCloseable {
        final AtomicLong commits = new AtomicLong();
        /** The longest commit (ns) since the last {@link #longestSince}: a backup's stall shows here, not in the rate. */
        final AtomicLong longest = new AtomicLong();
        final AtomicBoolean stop = new AtomicBoolean();
        final List<Thread> threads = new ArrayList<>();
        volatile Throwable failure;

        Writer(Environment env, Database db, int n) {
            for (int i = 0; i < n; i++) {
                int id = i;
                Thread t = new Thread(() -> {
                    SplittableRandom random = new SplittableRandom(id);
                    byte[] value = new byte[WRITER_VALUE];
                    try {
                        while (!stop.get()) {
                            random.nextBytes(value);
                            long t0 = System.nanoTime();
                            try (Transaction txn = env.beginTransaction()) {
                                db.put(txn, key(id * 1_000_000L + random.nextInt(100_000)), value);
                                txn.commit();
                            }
                            long took = System.nanoTime() - t0;
                            commits.incrementAndGet();
                            longest.accumulateAndGet(took, Math::max);
                        }
                    } catch (Throwable e) {
                        failure = e;
                    }
                }, "writer-" + i);
                threads.add(t);
                t.start();
            }
        }

        /** The longest commit, in ms, since the last call (or the start), and starts counting anew. */
        double longestSince() {
            return longest.getAndSet(0) / 1e6;
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            if (failure != null) {
                throw new IllegalStateException("the writer failed", failure);
            }
        }
    }

    private static double writerAlone(Environment env, Database db, int writers, int seconds) throws Exception {
        try (Writer w = new Writer(env, db, writers)) {
            Thread.sleep(1000); // warm up
            long c0 = w.commits.get();
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            return (w.commits.get() - c0) / seconds(t0);
        }
    }

    record BackupRun(long bytes, long copyMillis, long recoveryMillis, long manifestMillis, long totalMillis,
            long writerCommits, double writerLongestMillis) {
        double copyMbps() {
            return bytes / 1e3 / copyMillis;
        }

        double wholeMbps() {
            return bytes / 1e3 / totalMillis;
        }

        double writerRate() {
            return writerCommits * 1000.0 / copyMillis;
        }
    }

    private static BackupRun backupWhileWriting(Environment env, Database db, int writers, Path target, double maxRate)
            throws Exception {
        try (Writer w = new Writer(env, db, writers)) {
            Thread.sleep(1000);
            long[] phases = new long[2]; // elapsed ms at the start of recovery, of the manifest
            long[] commitsAtCopyEnd = {-1};
            double[] longest = {0};
            long c0 = w.commits.get();
            w.longestSince();
            BackupResult r = HotBackup.run(env.internals(), target.toAbsolutePath(), BackupOptions.defaults()
                    .withMaxRate(maxRate).withProgress((BackupProgress p) -> {
                        if (p.phase().equals("recovery")) {
                            phases[0] = p.elapsedMillis();
                            commitsAtCopyEnd[0] = w.commits.get();
                            longest[0] = w.longestSince();
                        } else if (p.phase().equals("manifest")) {
                            phases[1] = p.elapsedMillis();
                        }
                    }));
            long copyMillis = Math.max(1, phases[0]);
            return new BackupRun(r.bytesCopied(), copyMillis, phases[1] - phases[0], r.durationMillis() - phases[1],
                    r.durationMillis(), commitsAtCopyEnd[0] - c0, longest[0]);
        }
    }

    /** Plain copies and hot backups of a 1 GiB environment, with and without the writer; adds the rows. */
    private static void measureBackup(Path dir, EnvironmentConfig config, long mb, int writers, int seconds, int runs,
            double maxRate, List<String[]> rows) throws Exception {
        try (Environment env = Environment.open(dir.resolve("env"), config)) {
            long t0 = System.nanoTime();
            load(env.openDatabase("bulk"), env, (mb << 20) / (VALUE + 16), VALUE, 0, 1000);
            env.checkpoint(true);
            System.out.printf(Locale.ROOT, "loaded %d MB in %.1f s%n", mb, seconds(t0));

            List<Path> files = backedUpFiles(env);
            long bytes = 0;
            for (Path f : files) {
                bytes += Files.size(f);
            }
            Database w = env.openDatabase("w");
            syncDisk();
            double alone = writerAlone(env, w, writers, seconds);
            System.out.printf(Locale.ROOT, "writer alone, %d threads: %.0f commits/s%n", writers, alone);
            rows.add(row("writer alone, " + writers + " threads, SYNC", "commits/s", alone));

            // Each run: a plain copy of the same files (no writer), then a hot backup while the
            // writer runs; the disk's dirty pages are written out before each, so that neither
            // pays for the other's write-back.
            List<Double> plain = new ArrayList<>();
            List<Double> plainWriting = new ArrayList<>();
            List<Double> writerPlain = new ArrayList<>();
            List<Double> writerPlainLongest = new ArrayList<>();
            List<BackupRun> backups = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                syncDisk();
                double copyMbps = plainCopy(files, dir.resolve("plain-copy")) / 1e6;
                plain.add(copyMbps);
                System.out.printf(Locale.ROOT, "run %d: plain copy and force of %d files, %.0f MB: %.0f MB/s%n", run,
                        files.size(), bytes / 1e6, copyMbps);
                syncDisk();
                double[] pw = plainCopyWhileWriting(env, w, writers, files, dir.resolve("plain-copy"));
                plainWriting.add(pw[0] / 1e6);
                writerPlain.add(pw[1]);
                writerPlainLongest.add(pw[2]);
                System.out.printf(Locale.ROOT, "run %d: plain copy while the writer runs: %.0f MB/s; writer %.0f commits/s,"
                        + " longest commit %.0f ms%n", run, pw[0] / 1e6, pw[1], pw[2]);
                syncDisk();
                Path target = dir.resolve("backup-" + run);
                BackupRun r = backupWhileWriting(env, w, writers, target, maxRate);
                backups.add(r);
                System.out.printf(Locale.ROOT, "run %d: hot backup, copy %.0f MB at %.0f MB/s (%.0f%% of the plain copy),"
                        + " whole backup %.0f MB/s (recovery %.2f s, manifest %.2f s); writer %.0f commits/s during the"
                        + " copy (%.0f%% of alone), longest commit %.0f ms%n", run, r.bytes / 1e6, r.copyMbps(),
                        100 * r.copyMbps() / copyMbps, r.wholeMbps(), r.recoveryMillis / 1e3, r.manifestMillis / 1e3,
                        r.writerRate(), 100 * r.writerRate() / alone, r.writerLongestMillis());
                BenchDirs.delete(target);
            }
            double plainMedian = median(plain);
            double copyMedian = median(backups.stream().map(BackupRun::copyMbps).toList());
            double writerMedian = median(backups.stream().map(BackupRun::writerRate).toList());
            rows.add(row("plain copy + force, no writer (median of " + runs + ")", "MB/s", plainMedian));
            double plainWritingMedian = median(plainWriting);
            rows.add(row("plain copy + force, writer running (median)", "MB/s", plainWritingMedian));
            rows.add(row("writer during the plain copy (median)", "commits/s", median(writerPlain)));
            rows.add(row("writer's longest commit during the plain copy (median)", "ms", median(writerPlainLongest)));
            rows.add(row("hot backup, copy phase, writer running (median)", "MB/s", copyMedian));
            rows.add(row("hot backup copy / plain copy, no writer", "ratio", copyMedian / plainMedian));
            rows.add(row("hot backup copy / plain copy, both with the writer", "ratio", copyMedian / plainWritingMedian));
            rows.add(row("hot backup, whole: copy, recovery of the copy, manifest (median)", "MB/s",
                    median(backups.stream().map(BackupRun::wholeMbps).toList())));
            rows.add(row("writer during the backup's copy (median)", "commits/s", writerMedian));
            rows.add(row("writer during the copy / alone", "ratio", writerMedian / alone));
            rows.add(row("writer's longest commit during the backup's copy (median)", "ms",
                    median(backups.stream().map(BackupRun::writerLongestMillis).toList())));
        }
    }

    /**
     * A backup without recovery, then {@code mb} of log written after it, the backup updated with the
     * new segments, and the time to open it with catastrophic recovery. Returns {log bytes replayed,
     * seconds to open, records written after the backup, seconds of replay by the recovery report}.
     * With {@code cli} (the path of {@code bin/cairn}), a copy of the same backup is also recovered
     * by {@code cairn recover -c} in a JVM of its own, as an admin does, with the launcher's JVM
     * options and the default cache; two more values: its replay by the report and the whole
     * command, in seconds.
     */
    private static double[] catastrophicReplay(Path home, Path backup, long mb, int valueSize, String cli) throws Exception {
        EnvironmentConfig config = new EnvironmentConfig().cacheSize(256L << 20).checkpointerEnabled(false)
                .checkpointKBytes(0).checkpointMinutes(0);
        long records = (mb << 20) / (valueSize + 16 + 40);
        try (Environment env = Environment.open(home, config)) {
            Database db = env.openDatabase("r");
            load(db, env, 10_000, valueSize, 0, 1000);
            env.checkpoint(true);
            HotBackup.run(env.internals(), backup.toAbsolutePath(), BackupOptions.defaults().withRecover(false));
            load(db, env, records, valueSize, 1_000_000_000L, 100); // transactions of 100, as RecoveryBench writes
            HotBackup.run(env.internals(), backup.toAbsolutePath(), BackupOptions.defaults().withUpdate(true).withRecover(false));
        }
        Path copy = backup.resolveSibling(backup.getFileName() + "-cli");
        if (cli != null) {
            copyTree(backup, copy);
        }
        syncDisk();
        // The time to open, which is when recovery runs (the final checkpoint of close() is not counted).
        long t0 = System.nanoTime();
        RecoveryReport report;
        double s;
        try (Environment restored = Environment.open(backup, new EnvironmentConfig().cacheSize(256L << 20)
                .allowCreate(false).catastrophicRecovery(true))) {
            s = seconds(t0);
            report = restored.recoveryReport();
        }
        long start = Lsn.parse(report.startLsn());
        long end = Lsn.parse(report.endLsn());
        long segmentSize = new EnvironmentConfig().logSegmentSize();
        long logBytes = (Lsn.segment(end) - Lsn.segment(start)) * segmentSize + Lsn.offset(end) - Lsn.offset(start);
        BenchDirs.delete(backup);
        double[] byCli = {Double.NaN, Double.NaN};
        if (cli != null) {
            syncDisk();
            byCli = recoverByCli(cli, copy);
            BenchDirs.delete(copy);
        }
        return new double[] {logBytes, s, records, report.durationMillis() / 1e3, byCli[0], byCli[1]};
    }

    /** Runs {@code cli recover -c -h home}; returns {replay seconds by its report, seconds for the whole command}. */
    private static double[] recoverByCli(String cli, Path home) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cli, "recover", "-c", "-h", home.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        double wall = seconds(t0);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("log records? in ([0-9.]+) s").matcher(out);
        if (rc != 0 || !m.find()) {
            throw new IllegalStateException(cli + " recover -c -h " + home + " exited with " + rc + ":\n" + out);
        }
        return new double[] {Double.parseDouble(m.group(1)), wall};
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
