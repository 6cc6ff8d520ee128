package org.cairndb.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.CorruptionException;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.CommitPoint;
import org.cairndb.tree.Page;
import org.cairndb.tree.TreeReader;
import org.cairndb.tree.TreeWriter;
import org.cairndb.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpointing trees into a data file: reopen, header alternation, page reuse, damage detection. */
class DataFileTest {

    @TempDir
    Path dir;

    final UUID env = UUID.randomUUID();
    final AtomicLong dirty = new AtomicLong();

    PageCache cache() {
        return new PageCache(8 << 20, dirty::get);
    }

    static byte[] key(int i) {
        return String.format("k%07d", i).getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * A checkpoint in the middle of recovery's replay, given the key the replay has moved past:
     * every page is written; the leaves wholly before the key that hold values in a slab are let
     * go (not cached, their values left where they were, as nothing will read that leaf object
     * again); the others are kept in the cache with their values out of the slab; and the tree
     * reads back whole through its references, the leaves let go from the file.
     */
    @Test
    void aCheckpointDuringAReplayLetsGoOfTheWrittenLeavesBehindTheReplay() throws Exception {
        PageCache cache = cache();
        DataFile df = DataFile.create(NioFileIO.INSTANCE, dir.resolve("r.cdb"), env, 1, "r", 8192, 100, 1, 2, cache, dirty);
        Random rnd = new Random(3);
        byte[] slab = new byte[1 << 16];
        rnd.nextBytes(slab);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        TreeWriter w = new TreeWriter(null, 0, 1, 8192, df, df);
        for (int i = 0; i < 3000; i++) {
            int offset = rnd.nextInt(slab.length - 100);
            w.put(key(i), slab, offset, 100);
            model.put(key(i), java.util.Arrays.copyOfRange(slab, offset, offset + 100));
        }
        w.put(key(1500), new byte[] {1, 2, 3}); // one value of its own among them
        model.put(key(1500), new byte[] {1, 2, 3});
        w.finish();
        Page root = w.root();
        byte[] replayAt = key(2000);
        df.checkpoint(root, w.count(), 1, 1000, 7, 2, CommitPoint.UNKNOWN, 0, 1, Long.MAX_VALUE, replayAt);

        org.cairndb.tree.BranchPage top = (org.cairndb.tree.BranchPage) root;
        int letGo = 0;
        int kept = 0;
        for (int i = 0; i < top.count(); i++) {
            org.cairndb.tree.ChildRef ref = top.childRef(i);
            assertNull(ref.unsaved(), "child " + i + " written");
            org.cairndb.tree.LeafPage cached = (org.cairndb.tree.LeafPage) cache.get(PageCache.key(1, ref.pos()));
            org.cairndb.tree.LeafPage leaf = (org.cairndb.tree.LeafPage) top.child(i, df);
            boolean behind = Bytes.compare(leaf.key(leaf.count() - 1), replayAt) < 0;
            if (behind) {
                assertNull(cached, "leaf " + i + ", behind the replay, let go");
                letGo++;
            } else {
                assertTrue(cached != null && !cached.holdsSlabValues(), "leaf " + i + " kept, its values out of the slab");
                kept++;
            }
        }
        assertTrue(letGo > 10 && kept > 5, letGo + " leaves let go, " + kept + " kept");
        for (var e : model.entrySet()) {
            assertArrayEquals(e.getValue(), TreeReader.get(root, e.getKey(), df), Bytes.hex(e.getKey()));
        }
        df.close();
    }

    @Test
    void checkpointedTreeReopensAndFreedPagesAreReused() throws Exception {
        Path path = dir.resolve("t.cdb");
        DataFile df = DataFile.create(NioFileIO.INSTANCE, path, env, 1, "t", 8192, 100, 1, 2, cache(), dirty);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        Random rnd = new Random(1);
        Page root = null;
        long count = 0;
        long ts = 0;
        long maxPages = 0;
        for (int round = 0; round < 40; round++) {
            ts++;
            TreeWriter w = new TreeWriter(root, count, ts, 8192, df, df);
            for (int i = 0; i < 2000; i++) {
                byte[] k = key(rnd.nextInt(20_000));
                byte[] v = new byte[rnd.nextInt(10) == 0 ? 20_000 : 100];
                rnd.nextBytes(v);
                w.put(k, v);
                model.put(k, v);
            }
            w.finish();
            root = w.root();
            count = w.count();
            // Reuse delay 0 and no snapshots: pages freed two checkpoints ago may be reused.
            df.checkpoint(root, count, ts, 1000 + round, 7, 2, CommitPoint.UNKNOWN, 0, ts, Long.MAX_VALUE, null);
            if (round >= 20) {
                maxPages = Math.max(maxPages, df.spaceUsage()[0]);
            }
        }
        assertEquals(0, dirty.get(), "everything written: nothing dirty");
        long generation = df.header().generation();
        df.close();
        assertTrue(generation >= 41);
        long fileSizeLate = maxPages;

        DataFile again = DataFile.open(NioFileIO.INSTANCE, path, env, true, cache(), dirty);
        assertEquals(generation, again.header().generation());
        assertEquals(model.size(), again.header().recordCount());
        Page r = again.loadRoot();
        for (var e : model.entrySet()) {
            assertArrayEquals(e.getValue(), TreeReader.get(r, e.getKey(), again));
        }
        // Steady state: the file stops growing once freed pages are reused.
        long live = again.spaceUsage()[1];
        assertTrue(fileSizeLate < live * 3, "file of " + fileSizeLate + " pages for " + live + " live pages");
        again.close();
    }

    @Test
    void aTornNewestHeaderFallsBackToTheOlderCopy() throws Exception {
        Path path = dir.resolve("h.cdb");
        DataFile df = DataFile.create(NioFileIO.INSTANCE, path, env, 1, "h", 8192, 100, 1, 2, cache(), dirty);
        TreeWriter w = new TreeWriter(null, 0, 1, 8192, df, df);
        w.put(key(1), "one".getBytes(StandardCharsets.US_ASCII));
        w.finish();
        df.checkpoint(w.root(), w.count(), 1, 200, 1, 2, new CommitPoint(41, 1_000, 190), 900, 1, Long.MAX_VALUE, null); // generation 2, slot 0
        TreeWriter w2 = new TreeWriter(w.root(), w.count(), 2, 8192, df, df);
        w2.put(key(2), "two".getBytes(StandardCharsets.US_ASCII));
        w2.finish();
        df.checkpoint(w2.root(), w2.count(), 2, 300, 1, 2, new CommitPoint(42, 2_000, 290), 1_900, 2, Long.MAX_VALUE, null); // generation 3, slot 1
        df.close();
        // Tear the generation-3 header (slot 1): half of it zeroed.
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate(256), 8192 + 100);
        }
        DataFile again = DataFile.open(NioFileIO.INSTANCE, path, env, false, cache(), dirty);
        assertEquals(2, again.header().generation());
        assertEquals(200, again.header().checkpointLsn());
        assertEquals(new CommitPoint(41, 1_000, 190), again.header().lastCommit(),
                "the last commit comes with the header copy it was written in");
        assertEquals(900, again.header().otherChangeMillis(), "so does the time of the last other change");
        Page r = again.loadRoot();
        assertArrayEquals("one".getBytes(StandardCharsets.US_ASCII), TreeReader.get(r, key(1), again));
        assertNull(TreeReader.get(r, key(2), again));
        again.close();
    }

    @Test
    void damagedPagesAndHeadersAreReportedWithFileAndOffset() throws Exception {
        Path path = dir.resolve("c.cdb");
        DataFile df = DataFile.create(NioFileIO.INSTANCE, path, env, 1, "c", 8192, 100, 1, 2, cache(), dirty);
        TreeWriter w = new TreeWriter(null, 0, 1, 8192, df, df);
        for (int i = 0; i < 1000; i++) {
            w.put(key(i), new byte[100]);
        }
        w.finish();
        df.checkpoint(w.root(), w.count(), 1, 200, 1, 2, CommitPoint.UNKNOWN, 0, 1, Long.MAX_VALUE, null);
        long rootPage = df.header().rootPage();
        df.close();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), rootPage * 8192 + 500);
        }
        DataFile again = DataFile.open(NioFileIO.INSTANCE, path, env, false, cache(), dirty);
        CorruptionException e = assertThrows(CorruptionException.class, again::loadRoot);
        assertEquals(path, e.file());
        assertEquals(rootPage * 8192, e.offset());
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
        assertTrue(e.getMessage().contains("catastrophic recovery"), e.getMessage());
        again.close();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {9}), 50);
            ch.write(ByteBuffer.wrap(new byte[] {9}), 8192 + 50);
        }
        CorruptionException h = assertThrows(CorruptionException.class,
                () -> DataFile.open(NioFileIO.INSTANCE, path, env, false, cache(), dirty));
        assertTrue(h.getMessage().contains("no valid header"), h.getMessage());
        Path foreign = dir.resolve("f.cdb");
        DataFile.create(NioFileIO.INSTANCE, foreign, UUID.randomUUID(), 1, "f", 8192, 100, 1, 2, cache(), dirty).close();
        CorruptionException other = assertThrows(CorruptionException.class,
                () -> DataFile.open(NioFileIO.INSTANCE, foreign, env, false, cache(), dirty));
        assertEquals(foreign, other.file());
        assertTrue(other.getMessage().contains("belongs to environment"), other.getMessage());
    }

    /**
     * The pages reserved for the space map hold it after allocating them has grown the file (and
     * the bitmap by a bit a page), for maps of every size up to tens of megabytes, where a fixed
     * margin failed once the map passed about 500 pages.
     */
    @Test
    void theSpaceMapsPagesHoldItAfterTheirOwnAllocationGrowsIt() {
        for (int pageSize : new int[] {8192, 65536}) {
            int per = org.cairndb.tree.PageFormat.maxPayload(pageSize);
            for (int size = 1; size < 40 << 20; size += size < 100_000 ? 997 : 65_519) {
                int pages = DataFile.spaceMapPages(size, pageSize);
                long worst = size + (pages + 7) / 8; // the file grew by all of them
                assertTrue(worst <= (long) pages * per, pageSize + "-byte pages, map of " + size + " bytes: " + pages + " pages");
                assertTrue(pages <= org.cairndb.tree.PageFormat.pagesFor(size, pageSize) + 1 + size / per / 4096,
                        "more pages than needed for a map of " + size + " bytes: " + pages);
            }
        }
    }
}
