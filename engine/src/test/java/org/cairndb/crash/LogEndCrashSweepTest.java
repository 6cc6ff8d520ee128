package org.cairndb.crash;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power losses around the end of the log, one after another: while commits switch segments and
 * one larger than a segment gets a segment of its own (its header written into a file grown for
 * it), then again while the next open repairs what the first crash left (a torn tail cut, a
 * segment never begun deleted) and the log goes on (a checkpoint, a record too large for the
 * segment the log was opened in), then again in the open after that. After the last crash a plain
 * open must succeed, hold every commit acknowledged (SYNC) before any of the crashes, and nothing
 * of a commit that was never made: each transaction is all there or not at all.
 *
 * <p>Stage 1 is swept at every crash point (every write, force, truncation and directory sync of
 * the environment's files but the preallocated next segment, which a background thread writes);
 * each crash loses every unforced change, or (a second pass) tears one unforced write and keeps
 * each other one, and each directory's unsynced changes, at random (seeded). Below each crash of
 * stage 1, stage 2 runs crashing at one of its crash points chosen at random, and below that crash
 * stage 3 the same way: about 230 runs, 20 to 30 seconds. {@code -Dcairn.sweep.runs=N} takes N
 * crash points spread over each stage 2 and stage 3 instead (N large enough: every one of them, at
 * a cost that grows as the square of N). The seed printed repeats the choices
 * ({@code -Dcairn.crash.seed}).
 */
class LogEndCrashSweepTest {

    private static final int SEGMENT = 64 << 10;
    /** Runs of stage 2 under each crash of stage 1, and of stage 3 under each crash of stage 2, at most. */
    private static final int FAN_OUT = Integer.getInteger("cairn.sweep.runs", 1);

    @TempDir
    Path tmp;

    private final long seed = Seeds.seed("LogEndCrashSweepTest");
    private final Random random = new Random(seed);
    private final List<String> problems = new ArrayList<>();
    private int runs;

    private static EnvironmentConfig config(FileIO io) {
        return new EnvironmentConfig().fileIO(io).durability(Durability.SYNC).logSegmentSize(SEGMENT)
                .logBufferSize(64 << 10).cacheSize(8L << 20).checkpointerEnabled(false).pageReuseDelay(Duration.ZERO)
                .lockTimeout(Duration.ofSeconds(2));
    }

    /** Every file but the preallocated next segment, which the preallocator's thread writes when it will. */
    private static final Predicate<Path> COUNTED = p -> !p.getFileName().toString().equals(SegmentFiles.PREALLOCATED);

    /** What was asked of the environment and what it acknowledged, over every stage. */
    private static final class Ledger {
        /** Transactions begun (their keys), by name, acknowledged or not. */
        final Map<String, List<String>> attempted = new LinkedHashMap<>();
        final List<String> acked = new ArrayList<>();

        Ledger copy() {
            Ledger l = new Ledger();
            l.attempted.putAll(attempted);
            l.acked.addAll(acked);
            return l;
        }
    }

    /** One stage: open (recovery) and work, every commit recorded in the ledger. */
    private interface Stage {
        void run(Environment env, Ledger ledger, String tag);
    }

    private static void commit(Environment env, Ledger ledger, String name, int keys, int valueSize) {
        List<String> ks = new ArrayList<>();
        for (int i = 0; i < keys; i++) {
            ks.add(name + "-" + i);
        }
        ledger.attempted.put(name, ks);
        Database db = env.openDatabase("t", true);
        try (Transaction t = env.beginTransaction()) {
            for (String k : ks) {
                db.put(t, FaultSweep.b(k), new byte[valueSize]);
            }
            t.commit();
        }
        ledger.acked.add(name);
    }

    /** Commits that cross two segment switches, one larger than a segment (a grown segment of its own). */
    private static final Stage WORKLOAD = (env, l, tag) -> {
        for (int i = 0; i < 6; i++) {
            commit(env, l, tag + "small" + i, 3, 3000); // ~9 KB each: a switch among them
        }
        commit(env, l, tag + "large", 25, 3000); // ~75 KB, more than a segment
        commit(env, l, tag + "after", 2, 1000);
    };

    /** The open that repairs, a checkpoint, then a record too large for the segment the log was opened in. */
    private static final Stage REPAIR = (env, l, tag) -> {
        env.checkpoint(true);
        commit(env, l, tag + "large", 25, 3000);
        commit(env, l, tag + "after", 2, 1000);
    };

    private static final Stage[] STAGES = {WORKLOAD, REPAIR, REPAIR};

    @Test
    void crashesAtTheEndOfTheLogAndInTheRepairsAfterThem() throws Exception {
        Path pristine = tmp.resolve("pristine");
        Ledger start = new Ledger();
        try (Environment env = Environment.open(pristine.resolve("home"), config(NioFileIO.INSTANCE))) {
            // The log well into its first segment, so that the workload's commits switch soon.
            for (int i = 0; i < 5; i++) {
                commit(env, start, "base" + i, 4, 2000);
            }
        }
        for (boolean tearing : new boolean[] {false, true}) {
            sweepStage(pristine, start, 0, tearing, "");
        }
        System.out.println("[log-end-sweep] " + runs + " runs, seed " + seed);
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " of " + runs + " runs went wrong (seed " + seed + "):\n"
                    + String.join("\n", problems.subList(0, Math.min(12, problems.size()))));
        }
    }

    /**
     * Runs stage {@code stage} from the environment in {@code from}, crashing at each of its crash
     * points in turn (stage 1) or at a sample of them; below each crash, the next stage.
     */
    private void sweepStage(Path from, Ledger ledger, int stage, boolean tearing, String path) throws Exception {
        List<Long> points = null;
        for (long n = 1; ; n++) {
            if (points == null && stage > 0) {
                long count = count(from, ledger, stage);
                points = FaultSweep.sampledIndices(count, FAN_OUT, random);
            }
            if (points != null) {
                if (points.isEmpty()) {
                    return;
                }
                n = points.remove(0);
            }
            Path dir = tmp.resolve("s" + stage + "-" + (tearing ? "t" : "l"));
            TestSupport.deleteTree(dir);
            TestSupport.copyTree(from, dir);
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-" + stage),
                    random.nextLong());
            CrashOptions options = tearing ? CrashOptions.tear(FaultInjectingFileIO.Tear.ANY, p -> true).keepProbability(0.5)
                    .keepDirectoryChanges(0.5) : CrashOptions.lossOnly();
            fio.crashAfterOperations(n, COUNTED, options);
            Ledger l = ledger.copy();
            String where = path + "stage " + (stage + 1) + " crash " + n + (tearing ? " (tearing)" : "");
            runs++;
            boolean crashed = runCrashing(dir, fio, l, stage, where);
            if (!crashed) {
                if (points == null) {
                    return; // stage 1: every crash point passed
                }
                continue;
            }
            String report = String.valueOf(fio.crashReport());
            if (!check(dir, l, where + ": " + report)) {
                continue;
            }
            if (stage + 1 < STAGES.length) {
                Path next = tmp.resolve("from-" + (stage + 1) + "-" + (tearing ? "t" : "l"));
                TestSupport.deleteTree(next);
                TestSupport.copyTree(dir, next);
                sweepStage(next, l, stage + 1, tearing, where + " [" + report + "], then ");
            }
        }
    }

    /** Crash points stage {@code stage} makes without a crash. */
    private long count(Path from, Ledger ledger, int stage) throws Exception {
        Path dir = tmp.resolve("count-" + stage);
        TestSupport.deleteTree(dir);
        TestSupport.copyTree(from, dir);
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-count"), 1);
        long[] counted = new long[1];
        fio.crashAfterOperations(Long.MAX_VALUE, p -> {
            if (COUNTED.test(p)) {
                counted[0]++;
            }
            return false;
        }, CrashOptions.lossOnly());
        runCrashing(dir, fio, ledger.copy(), stage, "count of stage " + (stage + 1));
        return counted[0];
    }

    /** Opens and runs the stage; true if the power was lost on the way. */
    private boolean runCrashing(Path dir, FaultInjectingFileIO fio, Ledger l, int stage, String where) throws Exception {
        Environment env = null;
        try {
            env = Environment.open(dir.resolve("home"), config(fio));
            Environment e = env;
            STAGES[stage].run(e, l, "s" + (stage + 1) + "-");
            env.close();
            return false;
        } catch (RuntimeException e) {
            // The thread that hit the crash point runs the crash; another one (the daemon's recovery
            // checkpoint, or this one) may see the machine going down a moment before it is down.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!fio.isCrashed() && CrashRig.chainMentions(e, "simulated power loss") && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            if (env != null) {
                env.internals().abandon();
            }
            if (!fio.isCrashed()) {
                problems.add(where + ": failed without a crash: " + CrashRig.describe(e));
                CrashRig.preserve(dir, "log-end-sweep-" + runs);
                return false;
            }
            return true;
        }
    }

    /** A plain open of what the crash left: it opens, holds every acknowledged commit, and whole transactions only. */
    private boolean check(Path dir, Ledger l, String where) {
        Path copy = tmp.resolve("check");
        try {
            TestSupport.deleteTree(copy);
            TestSupport.copyTree(dir, copy);
            TreeSet<String> found;
            try (Environment env = Environment.open(copy.resolve("home"), config(NioFileIO.INSTANCE))) {
                found = FaultSweep.state(env);
            }
            List<String> wrong = new ArrayList<>();
            for (Map.Entry<String, List<String>> t : l.attempted.entrySet()) {
                int there = 0;
                for (String k : t.getValue()) {
                    if (found.remove("t/" + k)) {
                        there++;
                    }
                }
                if (l.acked.contains(t.getKey()) && there < t.getValue().size()) {
                    wrong.add("acknowledged " + t.getKey() + " lost (" + there + " of " + t.getValue().size() + " keys)");
                } else if (there > 0 && there < t.getValue().size()) {
                    wrong.add(t.getKey() + " partly there (" + there + " of " + t.getValue().size() + " keys)");
                }
            }
            found.remove("db:t");
            if (!found.isEmpty()) {
                wrong.add("never written: " + found);
            }
            if (!wrong.isEmpty()) {
                problems.add(where + ": " + wrong);
                CrashRig.preserve(dir, "log-end-sweep-" + runs);
                return false;
            }
            return true;
        } catch (Exception | AssertionError e) {
            problems.add(where + ": the open after the crash failed: " + CrashRig.describe(e));
            CrashRig.preserve(dir, "log-end-sweep-" + runs);
            return false;
        }
    }
}
