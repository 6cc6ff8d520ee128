package org.cairndb.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.FaultInjectingFileIO.Tear;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.CommitPoint;
import org.cairndb.tree.Page;
import org.cairndb.tree.TreeCursor;
import org.cairndb.tree.TreeWriter;
import org.cairndb.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Page reuse against the three things that may still reach a freed page: the previous durable
 * checkpoint (a crash in the middle of the next one), an open snapshot of an older version, and a
 * plain copy of the file that read its header before later checkpoints ran. The trees mix inline
 * values with overflow values of one to seven pages and deletes, so that the file holds holes of
 * one page and of several, and extents are appended at its end while smaller holes lie before it.
 * Every check reads the whole tree back and compares keys and values with a model.
 */
class SpaceReuseTest {

    private static final int PAGE = 8192;

    @TempDir
    Path dir;

    final UUID env = UUID.randomUUID();
    final AtomicLong dirty = new AtomicLong();

    static byte[] key(int i) {
        return String.format("k%06d", i).getBytes(StandardCharsets.US_ASCII);
    }

    /** A small cache: old versions' pages are read back from the file, not found in memory. */
    PageCache smallCache() {
        return new PageCache(96 << 10, dirty::get);
    }

    /** One database as the tests drive it: the newest root, its record count and epoch, and the model. */
    static final class Tree {
        Page root;
        long count;
        long ts;
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);

        TreeMap<byte[], byte[]> copyOfModel() {
            TreeMap<byte[], byte[]> m = new TreeMap<>(Bytes.ORDER);
            m.putAll(model);
            return m;
        }
    }

    /**
     * One batch of writes in a new epoch: puts of small values, of overflow values of 1 to 7 pages
     * (extents of different sizes, freed and reused as holes), and deletes.
     */
    static void mutate(Tree t, DataFile df, Random rnd, int ops) {
        t.ts++;
        TreeWriter w = new TreeWriter(t.root, t.count, t.ts, PAGE, df, df);
        for (int i = 0; i < ops; i++) {
            byte[] k = key(rnd.nextInt(1500));
            int kind = rnd.nextInt(10);
            if (kind < 2) {
                w.delete(k);
                t.model.remove(k);
                continue;
            }
            int len = kind < 4 ? 3000 + rnd.nextInt(7 * 8000) : 20 + rnd.nextInt(200);
            byte[] v = new byte[len];
            rnd.nextBytes(v);
            w.put(k, v);
            t.model.put(k, v);
        }
        w.finish();
        t.root = w.root();
        t.count = w.count();
    }

    static DataFile.CheckpointOutcome checkpoint(DataFile df, Tree t, long minSnapshotTs, long reuseBefore)
            throws IOException {
        return df.checkpoint(t.root, t.count, t.ts, 1000 + t.ts, 7, 2, CommitPoint.UNKNOWN, 0, minSnapshotTs, reuseBefore, null);
    }

    /** Reads the whole tree under {@code root} and compares it with {@code model}, key by key. */
    static void assertTree(Map<byte[], byte[]> model, Page root, DataFile df, String what) {
        TreeCursor c = new TreeCursor(root, df);
        var expected = model.entrySet().iterator();
        boolean more = root != null && c.first();
        int n = 0;
        while (more) {
            if (!expected.hasNext()) {
                fail(what + ": extra key " + Bytes.hex(c.key()) + " after " + n + " keys");
            }
            var e = expected.next();
            assertArrayEquals(e.getKey(), c.key(), what + ": key " + n);
            assertArrayEquals(e.getValue(), c.value(), what + ": value of " + Bytes.hex(e.getKey()));
            n++;
            more = c.next();
        }
        if (expected.hasNext()) {
            fail(what + ": key " + Bytes.hex(expected.next().getKey()) + " missing after " + n + " keys");
        }
    }

    /**
     * A power loss in the middle of a checkpoint that reuses the pages the previous ones freed
     * (reuse delay zero, no snapshots): at any operation of it, losing unforced writes, keeping
     * some, or tearing one. The file must then open at the previous generation with that tree whole
     * (or, when the new header got through, at the new one with its tree). The same file goes
     * through every round, so later rounds also reuse pages listed as pending in a map read back
     * after the crash.
     */
    @Test
    void aCrashInACheckpointThatReusesFreedPagesLeavesThePreviousTreeWhole() throws Exception {
        long seed = 0x5EED_C0DEL;
        Random rnd = new Random(seed);
        Path path = dir.resolve("crash.cdb");
        Tree t = new Tree();
        int atPrevious = 0;
        int atNew = 0;
        long reused = 0;
        for (int round = 0; round < 40; round++) {
            String what = "seed " + seed + ", round " + round;
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch-" + round),
                    rnd.nextLong());
            DataFile df = round == 0
                    ? DataFile.create(fio, path, env, 1, "crash", PAGE, 100, 1, 2, smallCache(), dirty)
                    : DataFile.open(fio, path, env, true, smallCache(), dirty);
            t.root = df.loadRoot();
            t.count = df.header().recordCount();
            for (int i = 1 + rnd.nextInt(3); i > 0; i--) {
                mutate(t, df, rnd, 50 + rnd.nextInt(250));
                reused += checkpoint(df, t, t.ts, Long.MAX_VALUE).pagesFreed();
            }
            long previousGeneration = df.header().generation();
            TreeMap<byte[], byte[]> previous = t.copyOfModel();
            mutate(t, df, rnd, 50 + rnd.nextInt(250));
            TreeMap<byte[], byte[]> next = t.copyOfModel();
            CrashOptions options = switch (rnd.nextInt(3)) {
                case 0 -> CrashOptions.lossOnly();
                case 1 -> CrashOptions.tear(Tear.ANY, p -> p.toString().endsWith(".cdb"));
                default -> CrashOptions.lossOnly().keepProbability(0.5);
            };
            fio.crashAfterOperations(1 + rnd.nextInt(24), options);
            try {
                reused += checkpoint(df, t, t.ts, Long.MAX_VALUE).pagesFreed();
                fio.crash(options); // the checkpoint completed: the power fails right after it
            } catch (IOException expected) {
                assertTrue(fio.isCrashed(), what + ": " + expected);
            }
            what += " (" + options + ", " + fio.crashReport() + ")";
            try {
                df.close();
            } catch (IOException ignored) {
                // the machine is off
            }
            try (DataFile again = DataFile.open(NioFileIO.INSTANCE, path, env, true, smallCache(), dirty)) {
                long g = again.header().generation();
                if (g == previousGeneration) {
                    t.model = previous;
                    atPrevious++;
                } else if (g == previousGeneration + 1) {
                    t.model = next;
                    atNew++;
                } else {
                    fail(what + ": opened at generation " + g + ", previous " + previousGeneration);
                }
                assertEquals(t.model.size(), again.header().recordCount(), what);
                assertTree(t.model, again.loadRoot(), again, what + ", generation " + g);
            }
        }
        assertTrue(atPrevious > 5 && reused > 0, atPrevious + " rounds at the previous generation, " + atNew
                + " at the new one, " + reused + " pages reused");
    }

    /**
     * Readers of old versions (a long transaction, a cursor) across checkpoints that free and reuse
     * pages: each held version is read back whole after every checkpoint, through a cache too small
     * to keep its pages, while newer versions' freed pages are reused around it.
     */
    @Test
    void oldSnapshotsReadTheirPagesWhileLaterCheckpointsReuseOthers() throws Exception {
        Random rnd = new Random(0xA11CEL);
        DataFile df = DataFile.create(NioFileIO.INSTANCE, dir.resolve("snap.cdb"), env, 1, "snap", PAGE, 100, 1, 2,
                smallCache(), dirty);
        Tree t = new Tree();
        record Held(Page root, long ts, TreeMap<byte[], byte[]> model, int until) {
        }
        List<Held> held = new ArrayList<>();
        long reused = 0;
        for (int round = 0; round < 60; round++) {
            mutate(t, df, rnd, 30 + rnd.nextInt(200));
            if (rnd.nextInt(3) == 0) {
                held.add(new Held(t.root, t.ts, t.copyOfModel(), round + 1 + rnd.nextInt(6)));
            }
            int now = round;
            held.removeIf(h -> h.until() <= now);
            long minSnapshot = t.ts;
            for (Held h : held) {
                minSnapshot = Math.min(minSnapshot, h.ts());
            }
            reused += checkpoint(df, t, minSnapshot, Long.MAX_VALUE).pagesFreed();
            for (Held h : held) {
                assertTree(h.model(), h.root(), df, "round " + round + ": snapshot at " + h.ts());
            }
            assertTree(t.model, t.root, df, "round " + round + ": newest version");
        }
        assertTrue(reused > 100, reused + " pages reused");
        df.close();
    }

    /** Waits until the clock has moved past {@code millis} (so that a later stamp cannot equal it). */
    static long tickPast(long millis) {
        long now;
        while ((now = System.currentTimeMillis()) <= millis) {
            Thread.onSpinWait();
        }
        return now;
    }

    /**
     * A plain copy of the file (as a backup takes one) that read the header pages first and the
     * rest after several checkpoints: the checkpoints may reuse only pages freed before the copy
     * began ({@code reuseBefore} is its start, as a backup's pin makes it), so the copy opens at
     * the generation it read and holds that version's tree whole. The checkpoints in between still
     * reuse pages (freed before the copy began), including one-page holes.
     */
    @Test
    void aCopyThatReadTheHeaderFirstHoldsItsVersionWhileCheckpointsReuseOlderPages() throws Exception {
        Random rnd = new Random(0xC0B1L);
        Path path = dir.resolve("copied.cdb");
        DataFile df = DataFile.create(NioFileIO.INSTANCE, path, env, 1, "copied", PAGE, 100, 1, 2, smallCache(), dirty);
        Tree t = new Tree();
        Map<Long, TreeMap<byte[], byte[]>> byGeneration = new TreeMap<>();
        long reusedDuringCopies = 0;
        long lastStamp = 0;
        for (int round = 0; round < 25; round++) {
            for (int i = rnd.nextInt(3); i >= 0; i--) {
                mutate(t, df, rnd, 50 + rnd.nextInt(200));
                checkpoint(df, t, t.ts, Long.MAX_VALUE);
                byGeneration.put(df.header().generation(), t.copyOfModel());
                lastStamp = System.currentTimeMillis();
            }
            // The copy begins: strictly after the last checkpoint's header, strictly before the next one's.
            long pin = tickPast(lastStamp);
            byte[] headers;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                ByteBuffer b = ByteBuffer.allocate(2 * PAGE);
                while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
                    // read both header pages
                }
                headers = b.array();
            }
            tickPast(pin);
            for (int i = 1 + rnd.nextInt(4); i > 0; i--) {
                mutate(t, df, rnd, 50 + rnd.nextInt(200));
                reusedDuringCopies += checkpoint(df, t, t.ts, pin).pagesFreed();
                byGeneration.put(df.header().generation(), t.copyOfModel());
            }
            lastStamp = System.currentTimeMillis();
            Path copy = dir.resolve("copy-" + round + ".cdb");
            byte[] all = Files.readAllBytes(path);
            System.arraycopy(headers, 0, all, 0, headers.length);
            Files.write(copy, all);
            try (DataFile c = DataFile.open(NioFileIO.INSTANCE, copy, env, false, smallCache(), dirty)) {
                long g = c.header().generation();
                TreeMap<byte[], byte[]> expected = byGeneration.get(g);
                assertTrue(expected != null, "round " + round + ": the copy names generation " + g);
                assertTree(expected, c.loadRoot(), c, "round " + round + ": copy at generation " + g);
            }
            Files.delete(copy);
        }
        assertTrue(reusedDuringCopies > 50, reusedDuringCopies + " pages reused while copies ran");
        df.close();
    }
}
