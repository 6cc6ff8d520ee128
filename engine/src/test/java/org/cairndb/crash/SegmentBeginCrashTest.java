package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
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
import org.cairndb.log.SegmentHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power losses while a segment is begun, found by {@link LogEndCrashSweepTest} or by reading the
 * code it sweeps, each pinned to the one sequence that shows it.
 */
class SegmentBeginCrashTest {

    private static final int SEGMENT = 64 << 10;
    /** Power losses tried in each test, each with its own seed. */
    private static final int SEEDS = 24;

    @TempDir
    Path tmp;

    private static EnvironmentConfig config(FileIO io) {
        return new EnvironmentConfig().fileIO(io).durability(Durability.SYNC).logSegmentSize(SEGMENT)
                .logBufferSize(64 << 10).cacheSize(8L << 20).checkpointerEnabled(false).pageReuseDelay(Duration.ZERO);
    }

    private static void commit(Environment env, String key, int valueSize) {
        Database db = env.openDatabase("t", true);
        try (Transaction t = env.beginTransaction()) {
            db.put(t, FaultSweep.b(key), new byte[valueSize]);
            t.commit();
        }
    }

    private static String segmentName(long n) {
        return String.format("log.%010d", n);
    }

    private static long lastSegmentNumber(Path home) throws IOException {
        List<Path> segs = CrashRig.segments(home);
        String n = segs.get(segs.size() - 1).getFileName().toString();
        return Long.parseLong(n.substring(4));
    }

    private static SegmentHeader header(Path segment) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        try {
            return SegmentHeader.decode(ByteBuffer.wrap(bytes, 0, Math.min(bytes.length, SegmentHeader.SIZE)).slice());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static TreeSet<String> keys(Path home) {
        try (Environment env = Environment.open(home, config(NioFileIO.INSTANCE))) {
            TreeSet<String> found = FaultSweep.state(env);
            found.remove("db:t");
            return found;
        }
    }

    /**
     * A record larger than a segment gets a segment of its own, grown past the preallocated size,
     * and the header records the grown size. The power fails before the force that covers both:
     * the header reaches the disk (dirty pages are written back in no particular order) and the
     * growth does not. That segment holds nothing after its header, and no commit in it was
     * acknowledged: it is a segment never begun, and the environment must open.
     */
    @Test
    void aSegmentGrownForALargeRecordWhoseHeaderSurvivedItsGrowthOpens() throws Exception {
        Path pristine = tmp.resolve("pristine");
        List<String> acked = new ArrayList<>();
        try (Environment env = Environment.open(pristine, config(NioFileIO.INSTANCE))) {
            for (int i = 0; i < 5; i++) {
                commit(env, "k" + i, 2000);
                acked.add("t/k" + i);
            }
        }
        long next = lastSegmentNumber(pristine) + 1;
        // Each unforced write survives or not at random, and so does the directory's rename of the
        // prepared file to the segment's name: seeds enough for every combination.
        for (long i = 1; i <= SEEDS; i++) {
            long seed = i * 0x9E3779B97F4A7C15L;
            Path home = tmp.resolve("run-" + i);
            TestSupport.copyTree(pristine, home);
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-" + i), seed);
            fio.crashOnForce(1, p -> p.getFileName().toString().equals(segmentName(next)),
                    CrashOptions.lossOnly().keepProbability(0.5).keepDirectoryChanges(0.5));
            Environment env = Environment.open(home, config(fio));
            try {
                commit(env, "large", SEGMENT + 10_000);
                fail("the power loss did not happen");
            } catch (RuntimeException expected) {
                assertTrue(fio.isCrashed(), CrashRig.describe(expected));
            } finally {
                env.internals().abandon();
            }
            Path seg = home.resolve("log").resolve(segmentName(next));
            String state = !Files.exists(seg) ? seg.getFileName() + " lost" : seg.getFileName() + " " + Files.size(seg)
                    + " bytes long, header " + header(seg);
            TreeSet<String> found;
            try {
                found = keys(home);
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + ", " + fio.crashReport() + ", " + state
                        + ": the environment does not open: " + CrashRig.describe(e), e);
            }
            assertEquals(new TreeSet<>(acked), found, "every acknowledged commit, and not the one the crash stopped");
            TestSupport.deleteTree(home);
        }
    }

    /**
     * The log opened at the end of an empty segment where the data files' checkpoint starts (a
     * crash after the segment was begun, then one after a checkpoint wrote the data files but
     * before its record reached the log), then a record larger than a segment: the header that
     * segment had was rewritten with the grown size, and the power failed while it was written.
     * The segment is the one recovery starts in, so a torn header there must not make the
     * environment unopenable: it holds nothing but that header.
     */
    @Test
    void aTornHeaderRewriteOfTheSegmentRecoveryStartsInOpens() throws Exception {
        Path home = tmp.resolve("home");
        List<String> acked = new ArrayList<>();
        long next;
        // 1. Commits, then a power loss right after the next segment was begun (its header forced),
        // before the record that made the log switch was written into it.
        try (Environment env = Environment.open(home, config(NioFileIO.INSTANCE))) {
            for (int i = 0; i < 5; i++) {
                commit(env, "k" + i, 2000);
                acked.add("t/k" + i);
            }
        }
        next = lastSegmentNumber(home) + 1;
        String nextName = segmentName(next);
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-1"), 1);
        fio.crashOnWriteAt(1, (p, pos) -> p.getFileName().toString().equals(nextName) && pos >= SegmentHeader.SIZE,
                CrashOptions.lossOnly());
        crashing(fio, env -> commit(env, "switching", SEGMENT - 1000));
        assertEquals(next, lastSegmentNumber(home), "the next segment was begun");
        // 2. Reopened: a checkpoint writes the data files (recovery starts at the empty segment's
        // first record) and the power fails as its record is written there.
        fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-2"), 2);
        fio.crashOnWriteAt(1, (p, pos) -> p.getFileName().toString().equals(nextName), CrashOptions.lossOnly());
        crashing(fio, env -> env.checkpoint(true));
        // 3. Reopened (nothing to replay, so no checkpoint): a record larger than a segment, and the
        // power fails as the next header is written, torn (a short prefix of a rewritten header
        // leaves the old one whole: seeds enough for longer ones).
        Path afterTwo = tmp.resolve("after-two");
        TestSupport.copyTree(home, afterTwo);
        for (long i = 1; i <= SEEDS; i++) {
            long seed = i * 0x9E3779B97F4A7C15L;
            TestSupport.deleteTree(home);
            TestSupport.copyTree(afterTwo, home);
            fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-3-" + i), seed);
            fio.crashOnWriteAt(1, (p, pos) -> CrashRig.isLogSegment(p) && pos == 0,
                    CrashOptions.tear(FaultInjectingFileIO.Tear.PREFIX, p -> true));
            crashing(fio, env -> commit(env, "large", SEGMENT + 10_000));
            TreeSet<String> found;
            try {
                found = keys(home);
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + ", " + fio.crashReport() + ": the environment does not open: "
                        + CrashRig.describe(e), e);
            }
            assertEquals(new TreeSet<>(acked), found, "every acknowledged commit, and not the ones the crashes stopped");
        }
    }

    private interface Work {
        void run(Environment env);
    }

    private void crashing(FaultInjectingFileIO fio, Work work) {
        Environment env = Environment.open(tmp.resolve("home"), config(fio));
        try {
            work.run(env);
            fail("the power loss did not happen");
        } catch (RuntimeException expected) {
            assertTrue(fio.isCrashed(), CrashRig.describe(expected));
        } finally {
            env.internals().abandon();
        }
    }
}
