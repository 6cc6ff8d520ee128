package org.cairndb.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.cairndb.util.Bytes;
import org.junit.jupiter.api.Test;

/** The copy-on-write tree against a TreeMap model: random writes, splits, merges, old versions untouched. */
class TreeWriterTest {

    static final int PAGE = 8192;

    /** A loader/sink for trees that live only in memory (nothing is ever saved). */
    static final class MemoryStore implements PageLoader, PageSink {
        long dirty;
        int frees;

        @Override
        public Page load(long pos) {
            throw new AssertionError("nothing is on disk");
        }

        @Override
        public byte[] readOverflow(long pos, int length) {
            throw new AssertionError("nothing is on disk");
        }

        @Override
        public void free(long pos, Persistable what, long ts) {
            frees++;
        }

        @Override
        public void dirtied(int bytes) {
            dirty += bytes;
        }

        @Override
        public void cleaned(int bytes) {
            dirty -= bytes;
        }
    }

    static byte[] key(int i) {
        return String.format("key-%08d", i).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void randomWritesMatchTheModelAndOldVersionsStayIntact() {
        Random rnd = new Random(42);
        MemoryStore store = new MemoryStore();
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        Page root = null;
        long count = 0;
        OldVersions old = new OldVersions();
        for (int epoch = 1; epoch <= 300; epoch++) {
            TreeWriter w = new TreeWriter(root, count, epoch, PAGE, store, store);
            int ops = 1 + rnd.nextInt(200);
            for (int i = 0; i < ops; i++) {
                byte[] k = key(rnd.nextInt(5000));
                if (rnd.nextInt(3) == 0) {
                    assertEquals(model.remove(k) != null, w.delete(k));
                } else {
                    byte[] v = new byte[rnd.nextInt(rnd.nextInt(10) == 0 ? 5000 : 120)];
                    rnd.nextBytes(v);
                    assertEquals(model.put(k, v) == null, w.put(k, v));
                }
            }
            w.finish();
            root = w.root();
            count = w.count();
            assertEquals(model.size(), count);
            if (epoch % 30 == 0) {
                old.keep(root, model);
            }
        }
        checkTree(root, model, store);
        old.check(store);
    }

    /**
     * Recovery applies sorted batches: the writer then starts each walk from the previous leaf
     * (climbing only as far as needed) and gallops forward. Small pages make the tree deep; some
     * batches mix in keys out of order and deletes, which must fall back to a walk from the root.
     */
    @Test
    void sortedBatchesOverADeepTreeMatchTheModel() {
        Random rnd = new Random(7);
        MemoryStore store = new MemoryStore();
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        Page root = null;
        long count = 0;
        int pageSize = 512;
        for (int epoch = 1; epoch <= 120; epoch++) {
            TreeWriter w = new TreeWriter(root, count, epoch, pageSize, store, store);
            List<byte[]> keys = new ArrayList<>();
            int ops = 1 + rnd.nextInt(epoch % 10 == 0 ? 20_000 : 2_000);
            for (int i = 0; i < ops; i++) {
                keys.add(key(rnd.nextInt(60_000)));
            }
            keys.sort(Bytes.ORDER);
            if (epoch % 3 == 0) {
                for (int i = 0; i < ops / 20; i++) {
                    keys.add(rnd.nextInt(keys.size()), key(rnd.nextInt(60_000))); // out of order
                }
            }
            for (byte[] k : keys) {
                if (epoch % 4 == 0 && rnd.nextInt(5) == 0) {
                    assertEquals(model.remove(k) != null, w.delete(k));
                } else {
                    byte[] v = new byte[rnd.nextInt(40)];
                    rnd.nextBytes(v);
                    assertEquals(model.put(k, v) == null, w.put(k, v), "put of " + new String(k, StandardCharsets.US_ASCII));
                }
            }
            w.finish();
            root = w.root();
            count = w.count();
            assertEquals(model.size(), count);
        }
        assertTrue(depth(root, store) >= 4, "the tree should be deep, was " + depth(root, store));
        checkTree(root, model, store);
    }

    private static int depth(Page p, PageLoader loader) {
        return p.isLeaf() ? 1 : 1 + depth(((BranchPage) p).child(0, loader), loader);
    }

    @Test
    void gallopingSearchesAgreeWithBinarySearch() {
        Random rnd = new Random(3);
        for (int round = 0; round < 200; round++) {
            int n = rnd.nextInt(60);
            TreeMap<byte[], byte[]> m = new TreeMap<>(Bytes.ORDER);
            while (m.size() < n) {
                m.put(key(rnd.nextInt(1000) * 2), new byte[0]);
            }
            byte[][] keys = m.keySet().toArray(new byte[0][]);
            Object[] values = new Object[n];
            java.util.Arrays.fill(values, new byte[0]);
            LeafPage leaf = new LeafPage(1, keys.clone(), values);
            for (int probe = -1; probe < 2001; probe++) {
                byte[] k = key(probe);
                int expected = leaf.find(k);
                int floor = expected >= 0 ? expected : -expected - 1;
                int from = floor == 0 ? 0 : rnd.nextInt(floor + 1);
                assertEquals(expected, leaf.findFrom(k, from), "findFrom " + probe + " from " + from);
            }
            if (n < 2) {
                continue;
            }
            byte[][] separators = java.util.Arrays.copyOf(keys, n - 1);
            ChildRef[] children = new ChildRef[n];
            for (int i = 0; i < n; i++) {
                children[i] = new ChildRef(new LeafPage(1, new byte[0][], new Object[0]));
            }
            BranchPage b = new BranchPage(1, separators, children);
            for (int probe = -1; probe < 2001; probe++) {
                byte[] k = key(probe);
                int expected = b.childIndex(k);
                int from = expected == 0 ? 0 : rnd.nextInt(expected + 1);
                assertEquals(expected, b.childIndexFrom(k, from), "childIndexFrom " + probe + " from " + from);
            }
        }
    }

    /**
     * Leaves search by each key's first eight bytes and compare whole keys only when those are
     * equal: keys shorter than eight bytes (zero-padded, so {@code [1]} and {@code [1, 0]} share a
     * prefix), keys equal in their first eight bytes and bytes above 0x7f must all still sort as
     * unsigned bytes.
     */
    @Test
    void keysAroundTheEightBytePrefixSortAsUnsignedBytes() {
        Random rnd = new Random(11);
        MemoryStore store = new MemoryStore();
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        Page root = null;
        long count = 0;
        for (int epoch = 1; epoch <= 60; epoch++) {
            TreeWriter w = new TreeWriter(root, count, epoch, 512, store, store);
            for (int i = 0; i < 300; i++) {
                byte[] k = keyAroundThePrefix(rnd);
                if (rnd.nextInt(4) == 0) {
                    assertEquals(model.remove(k) != null, w.delete(k), "delete of " + Bytes.hex(k));
                } else {
                    byte[] v = {(byte) epoch, (byte) i};
                    assertEquals(model.put(k, v) == null, w.put(k, v), "put of " + Bytes.hex(k));
                }
            }
            w.finish();
            root = w.root();
            count = w.count();
            assertEquals(model.size(), count);
        }
        assertTrue(model.size() > 1000, "enough distinct keys to span many leaves: " + model.size());
        checkTree(root, model, store);
        for (int probe = 0; probe < 2000; probe++) {
            byte[] k = keyAroundThePrefix(rnd);
            assertArrayEquals(model.get(k), TreeReader.get(root, k, store), "get of " + Bytes.hex(k));
        }
    }

    /** A key of 0 to 12 bytes, each of them 0x00, 0x01, 0x7f, 0x80 or 0xff: many share a prefix, some only by padding. */
    private static byte[] keyAroundThePrefix(Random rnd) {
        byte[] alphabet = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff};
        byte[] k = new byte[rnd.nextInt(13)];
        for (int j = 0; j < k.length; j++) {
            k[j] = alphabet[rnd.nextInt(alphabet.length)];
        }
        return k;
    }

    /**
     * Recovery's values in slabs: a leaf refers to a value inside a shared array until a
     * checkpoint copies the leaf's slab values into one array of the leaf's own. Through
     * replacements by slab and own values, deletes, splits, merges and copies into later epochs,
     * and with the values of older versions packed twice on the way (the second time in leaves
     * copied from packed ones), every version reads what it held, encodes to the same page bytes,
     * and keeps its memory estimate.
     */
    @Test
    void slabValuesReadBackThroughSplitsCopiesAndLeavingTheirSlabs() {
        Random rnd = new Random(13);
        byte[] slab = new byte[64 << 10];
        rnd.nextBytes(slab);
        MemoryStore store = new MemoryStore();
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        Page root = null;
        long count = 0;
        OldVersions old = new OldVersions();
        for (int epoch = 1; epoch <= 80; epoch++) {
            TreeWriter w = new TreeWriter(root, count, epoch, 512, store, store);
            for (int i = 0; i < 150; i++) {
                byte[] k = key(rnd.nextInt(3000));
                int op = rnd.nextInt(10);
                if (op == 0) {
                    assertEquals(model.remove(k) != null, w.delete(k));
                } else if (op < 3) {
                    byte[] v = new byte[rnd.nextInt(rnd.nextInt(8) == 0 ? 400 : 60)];
                    rnd.nextBytes(v);
                    assertEquals(model.put(k, v) == null, w.put(k, v));
                } else {
                    int length = rnd.nextInt(rnd.nextInt(8) == 0 ? 400 : 60);
                    int offset = rnd.nextInt(slab.length - length);
                    byte[] v = java.util.Arrays.copyOfRange(slab, offset, offset + length);
                    assertEquals(model.put(k, v) == null, w.put(k, slab, offset, length));
                }
            }
            w.finish();
            root = w.root();
            count = w.count();
            assertEquals(model.size(), count);
            if (epoch % 10 == 0) {
                old.keep(root, model);
            }
            if (epoch == 40 || epoch == 60) {
                // A checkpoint writes the leaves of this version: their values leave the slab. At 60
                // many leaves are copies of leaves packed at 40, their values in those leaves' arrays.
                long before = memoryOf(root, store);
                assertTrue(countInSlab(root, store) > 100, "values in the slab: " + countInSlab(root, store));
                forEachLeaf(root, store, leaf -> {
                    ByteBuffer first = encode(leaf);
                    leaf.ownSlabValues();
                    assertEquals(first, encode(leaf), "the page bytes after the values left the slab");
                });
                assertEquals(0, countInSlab(root, store));
                assertEquals(before, memoryOf(root, store), "memory is counted as if the values had their arrays");
            }
        }
        checkPageSizes(root, store);
        checkTree(root, model, store);
        old.check(store);
        forEachLeaf(root, store, leaf -> {
            LeafPage decoded = PageFormat.decodeLeaf(encode(leaf), 7);
            assertEquals(leaf.count(), decoded.count());
            assertEquals(leaf.payloadSize(), decoded.payloadSize());
            for (int i = 0; i < leaf.count(); i++) {
                assertArrayEquals(leaf.key(i), decoded.key(i));
                if (leaf.overflow(i) != null) {
                    assertEquals(leaf.overflow(i).length(), decoded.overflow(i).length()); // its pages were never written here
                } else {
                    assertArrayEquals(leaf.value(i, store), decoded.value(i, store));
                }
            }
        });
    }

    private static ByteBuffer encode(LeafPage leaf) {
        ByteBuffer page = ByteBuffer.allocate(512);
        int payload = PageFormat.encodeLeaf(leaf, page);
        PageFormat.seal(page, PageFormat.LEAF, leaf.count(), 7, 1, payload, 1);
        return page.clear();
    }

    private static void forEachLeaf(Page p, PageLoader loader, java.util.function.Consumer<LeafPage> action) {
        if (p instanceof LeafPage leaf) {
            action.accept(leaf);
        } else {
            BranchPage b = (BranchPage) p;
            for (int i = 0; i < b.count(); i++) {
                forEachLeaf(b.child(i, loader), loader, action);
            }
        }
    }

    private static int countInSlab(Page root, PageLoader loader) {
        int[] n = new int[1];
        forEachLeaf(root, loader, leaf -> {
            for (int i = 0; i < leaf.count(); i++) {
                n[0] += leaf.inSlab(i) ? 1 : 0;
            }
        });
        return n[0];
    }

    private static long memoryOf(Page root, PageLoader loader) {
        long[] m = new long[1];
        forEachLeaf(root, loader, leaf -> m[0] += leaf.memory());
        return m[0];
    }

    @Test
    void ascendingLoadFillsPagesAndDeletingEverythingEmptiesTheTree() {
        MemoryStore store = new MemoryStore();
        TreeWriter w = new TreeWriter(null, 0, 1, PAGE, store, store);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        for (int i = 0; i < 100_000; i++) {
            byte[] v = new byte[100];
            w.put(key(i), v);
            model.put(key(i), v);
        }
        w.finish();
        checkTree(w.root(), model, store);
        int leaves = countLeaves(w.root(), store);
        // 100,000 entries of ~114 bytes in 8 KiB pages: about 1,400 full pages; half-full splits would need 2,800.
        assertTrue(leaves < 1600, "ascending load should fill leaves, got " + leaves);
        TreeWriter d = new TreeWriter(w.root(), w.count(), 2, PAGE, store, store);
        for (int i = 0; i < 100_000; i++) {
            assertTrue(d.delete(key(i)));
        }
        d.finish();
        assertNull(d.root());
        assertEquals(0, d.count());
        assertFalse(d.delete(key(1)));
    }

    @Test
    void randomInsertsKeepPagesWellFilled() {
        MemoryStore store = new MemoryStore();
        Random rnd = new Random(11);
        Page root = null;
        long count = 0;
        for (int epoch = 1; epoch <= 100; epoch++) {
            TreeWriter w = new TreeWriter(root, count, epoch, PAGE, store, store);
            for (int i = 0; i < 2000; i++) {
                byte[] k = new byte[16];
                rnd.nextBytes(k);
                w.put(k, new byte[100]);
            }
            w.finish();
            root = w.root();
            count = w.count();
        }
        int leaves = countLeaves(root, store);
        double perLeaf = (double) count / leaves;
        // 8 KiB holds 68 entries of 119 bytes; random inserts settle near 70% full. A split that left
        // a one-entry crumb each time once filled leaves to 7%.
        assertTrue(perLeaf > 40, "entries per leaf after random inserts: " + perLeaf);
    }

    @Test
    void largestKeysAndOverflowValuesFit() {
        MemoryStore store = new MemoryStore();
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        TreeWriter w = new TreeWriter(null, 0, 1, PAGE, store, store);
        Random rnd = new Random(7);
        for (int i = 0; i < 300; i++) {
            byte[] k = new byte[4096];
            rnd.nextBytes(k);
            byte[] v = new byte[rnd.nextInt(3) == 0 ? 100_000 : 2000];
            rnd.nextBytes(v);
            w.put(k, v);
            model.put(k, v);
        }
        w.finish();
        checkTree(w.root(), model, store);
        checkPageSizes(w.root(), store);
    }

    /** A key of the largest size (4096 bytes), all alike but the last four bytes: {@code i} big-endian. */
    private static byte[] largestKey(int i) {
        byte[] k = new byte[4096];
        java.util.Arrays.fill(k, (byte) 'K');
        ByteBuffer.wrap(k, 4092, 4).putInt(i);
        return k;
    }

    /**
     * A branch holds two children when their separators are keys of the largest size; the balanced
     * split of a full one left the first piece full, so keys written in descending order split
     * every page on the path to the first leaf each time: one level per key, and an index out of
     * bounds at the 65th. Written in either order they now build a tree of logarithmic depth.
     */
    @Test
    void largestKeysInDescendingOrderKeepTheTreeShallow() {
        for (boolean descending : new boolean[] {true, false}) {
            MemoryStore store = new MemoryStore();
            TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
            TreeWriter w = new TreeWriter(null, 0, 1, PAGE, store, store);
            int n = 200;
            for (int i = 0; i < n; i++) {
                byte[] k = largestKey(descending ? n - i : i);
                byte[] v = {(byte) i};
                w.put(k, v);
                model.put(k, v);
            }
            w.finish();
            checkTree(w.root(), model, store);
            checkPageSizes(w.root(), store);
            // One key per leaf, two children per branch at best: 200 leaves need 8 levels above them.
            int depth = depth(w.root(), store);
            assertTrue(depth <= 2 * 8 + 1, (descending ? "descending" : "ascending") + ": depth " + depth + " for " + n + " keys");
        }
    }

    /**
     * The order that deepened such a tree a level per key: descending, but every key above the
     * smallest one, so that each goes second into the first leaf. A split left a branch of one child
     * alone over another of one child, again and again: 151 keys made 151 levels, and past 64 the
     * writer's path arrays failed the environment. A split now never leaves a branch of one child
     * over another, and the tree stays within 2·log2(keys) + 2 levels.
     */
    @Test
    void largestKeysDescendingAboveTheFirstKeepTheTreeShallow() {
        MemoryStore store = new MemoryStore();
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        TreeWriter w = new TreeWriter(null, 0, 1, PAGE, store, store);
        w.put(largestKey(0), new byte[] {0});
        model.put(largestKey(0), new byte[] {0});
        int n = 150;
        for (int i = n; i > 0; i--) {
            byte[] v = {(byte) i};
            w.put(largestKey(i), v);
            model.put(largestKey(i), v);
        }
        w.finish();
        assertTrue(depth(w.root(), store) <= LongKeyHeightTest.allowedHeight(n + 1), "depth " + depth(w.root(), store));
        checkTree(w.root(), model, store);
        TreeWriter d = new TreeWriter(w.root(), w.count(), 2, PAGE, store, store);
        for (int i = 1; i <= n; i += 2) {
            assertTrue(d.delete(largestKey(i)));
            model.remove(largestKey(i));
        }
        d.finish();
        checkTree(d.root(), model, store);
        TreeCursor c = new TreeCursor(d.root(), store);
        assertTrue(c.last());
        int seen = 0;
        do {
            seen++;
        } while (c.prev());
        assertEquals(model.size(), seen);
    }

    @Test
    void deletesMergeUnderfullPages() {
        MemoryStore store = new MemoryStore();
        TreeWriter w = new TreeWriter(null, 0, 1, PAGE, store, store);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        for (int i = 0; i < 50_000; i++) {
            w.put(key(i), new byte[50]);
            model.put(key(i), new byte[50]);
        }
        w.finish();
        int before = countLeaves(w.root(), store);
        TreeWriter d = new TreeWriter(w.root(), w.count(), 2, PAGE, store, store);
        for (int i = 0; i < 50_000; i++) {
            if (i % 10 != 0) {
                d.delete(key(i));
                model.remove(key(i));
            }
        }
        d.finish();
        checkTree(d.root(), model, store);
        int after = countLeaves(d.root(), store);
        assertTrue(after < before / 3, "leaves should merge after deleting 90%: " + before + " -> " + after);
    }

    static int countLeaves(Page p, PageLoader loader) {
        if (p.isLeaf()) {
            return 1;
        }
        BranchPage b = (BranchPage) p;
        int n = 0;
        for (int i = 0; i < b.count(); i++) {
            n += countLeaves(b.child(i, loader), loader);
        }
        return n;
    }

    static void checkPageSizes(Page p, PageLoader loader) {
        assertTrue(p.payloadSize() <= PageFormat.maxPayload(PAGE), "page payload " + p.payloadSize());
        if (!p.isLeaf()) {
            BranchPage b = (BranchPage) p;
            for (int i = 0; i < b.count(); i++) {
                checkPageSizes(b.child(i, loader), loader);
            }
        }
    }

    /** Full check: in-order contents equal the model, separators bound their children, cursors agree both ways. */
    /** Versions of a tree kept along the way, each with a copy of the model it held then: they must stay intact. */
    static final class OldVersions {
        private final List<Page> roots = new ArrayList<>();
        private final List<TreeMap<byte[], byte[]>> models = new ArrayList<>();

        void keep(Page root, TreeMap<byte[], byte[]> model) {
            roots.add(root);
            models.add(new TreeMap<>(model));
        }

        void check(PageLoader loader) {
            for (int i = 0; i < roots.size(); i++) {
                checkTree(roots.get(i), models.get(i), loader);
            }
        }
    }

    static void checkTree(Page root, TreeMap<byte[], byte[]> model, PageLoader loader) {
        if (root != null) {
            checkBounds(root, null, null, loader);
        }
        TreeCursor c = new TreeCursor(root, loader);
        List<Map.Entry<byte[], byte[]>> expected = new ArrayList<>(model.entrySet());
        int i = 0;
        for (boolean ok = c.first(); ok; ok = c.next()) {
            assertArrayEquals(expected.get(i).getKey(), c.key());
            assertArrayEquals(expected.get(i).getValue(), c.value());
            i++;
        }
        assertEquals(expected.size(), i);
        i = expected.size() - 1;
        for (boolean ok = c.last(); ok; ok = c.prev()) {
            assertArrayEquals(expected.get(i).getKey(), c.key());
            i--;
        }
        assertEquals(-1, i);
        for (Map.Entry<byte[], byte[]> e : model.entrySet()) {
            assertArrayEquals(e.getValue(), TreeReader.get(root, e.getKey(), loader));
        }
    }

    private static void checkBounds(Page p, byte[] low, byte[] high, PageLoader loader) {
        if (p.isLeaf()) {
            LeafPage l = (LeafPage) p;
            for (int i = 0; i < l.count(); i++) {
                if (low != null) {
                    assertTrue(Bytes.compare(l.key(i), low) >= 0);
                }
                if (high != null) {
                    assertTrue(Bytes.compare(l.key(i), high) < 0);
                }
                if (i > 0) {
                    assertTrue(Bytes.compare(l.key(i - 1), l.key(i)) < 0);
                }
            }
            return;
        }
        BranchPage b = (BranchPage) p;
        for (int i = 0; i < b.count(); i++) {
            byte[] lo = i == 0 ? low : b.key(i - 1);
            byte[] hi = i == b.count() - 1 ? high : b.key(i);
            checkBounds(b.child(i, loader), lo, hi, loader);
        }
    }
}
