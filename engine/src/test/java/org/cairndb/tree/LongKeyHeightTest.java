package org.cairndb.tree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.cairndb.util.Bytes;
import org.junit.jupiter.api.Test;

/**
 * Keys of the largest size (4,096 bytes) at the default 8 KiB page: a leaf holds one of them, and a
 * branch only two children when their separators are that long. Whatever the insertion order, the
 * tree must stay of logarithmic height: a split once left a branch of one child over another of
 * one child, and some orders then grew the tree by a level per key.
 */
class LongKeyHeightTest {

    static final int PAGE = 8192;
    static final int N = 300;

    /** Ways to build 4,096-byte keys; each returns the i-th smallest of N keys. */
    enum KeySet {
        /** All alike but the last four bytes: every separator must be whole. */
        SHARED_PREFIX {
            @Override
            byte[] key(int i) {
                byte[] k = new byte[4096];
                Arrays.fill(k, (byte) 'K');
                ByteBuffer.wrap(k, 4092, 4).putInt(i);
                return k;
            }
        },
        /** Pairs sharing 4,095 bytes, the pairs differing in their first two bytes: long and short separators mixed. */
        PAIRS {
            @Override
            byte[] key(int i) {
                byte[] k = new byte[4096];
                Arrays.fill(k, (byte) 'P');
                ByteBuffer.wrap(k, 0, 2).putShort((short) (i / 2));
                k[4095] = (byte) (i % 2);
                return k;
            }
        },
        /**
         * Keys of 1,500 bytes in threes sharing 1,499 bytes, the threes differing in their first two
         * bytes: five fit a leaf, and a leaf cut inside a three sends up 1,500 bytes, between two
         * threes two bytes.
         */
        THREES {
            @Override
            byte[] key(int i) {
                byte[] k = new byte[1500];
                Arrays.fill(k, (byte) 'T');
                ByteBuffer.wrap(k, 0, 2).putShort((short) (i / 3));
                k[1499] = (byte) (i % 3);
                return k;
            }
        },
        /** Random bytes: any two differ early. */
        RANDOM {
            private final byte[][] keys = randomKeys();

            @Override
            byte[] key(int i) {
                return keys[i];
            }
        };

        abstract byte[] key(int i);

        /**
         * Levels allowed for {@code n} such keys. Whole-key separators take the bound of a tree of
         * one or two children per branch; pairs must be cut between pairs (separators of two bytes
         * above the lowest branches, not 4,096); random keys leave separators of a byte or two.
         */
        int allowed(int n) {
            return switch (this) {
                case SHARED_PREFIX -> allowedHeight(n);
                case PAIRS -> 4;
                case THREES -> 3;
                case RANDOM -> 3;
            };
        }

        private static byte[][] randomKeys() {
            Random rnd = new Random(5);
            byte[][] k = new byte[N][4096];
            for (byte[] b : k) {
                rnd.nextBytes(b);
            }
            Arrays.sort(k, Bytes.ORDER);
            return k;
        }
    }

    /** Insertion orders, as permutations of 0..n-1 (ranks of keys). */
    enum Order {
        ASCENDING, DESCENDING, RANDOM, OUTWARD_FROM_THE_MIDDLE, INWARD_FROM_BOTH_ENDS, DESCENDING_ABOVE_THE_SMALLEST,
        ASCENDING_BELOW_THE_LARGEST;

        List<Integer> ranks(int n) {
            List<Integer> r = new ArrayList<>();
            switch (this) {
                case ASCENDING -> {
                    for (int i = 0; i < n; i++) {
                        r.add(i);
                    }
                }
                case DESCENDING -> {
                    for (int i = n - 1; i >= 0; i--) {
                        r.add(i);
                    }
                }
                case RANDOM -> {
                    for (int i = 0; i < n; i++) {
                        r.add(i);
                    }
                    Collections.shuffle(r, new Random(17));
                }
                case OUTWARD_FROM_THE_MIDDLE -> {
                    // Each key goes to one end of the tree, alternately.
                    int mid = n / 2;
                    r.add(mid);
                    for (int d = 1; r.size() < n; d++) {
                        if (mid + d < n) {
                            r.add(mid + d);
                        }
                        if (mid - d >= 0) {
                            r.add(mid - d);
                        }
                    }
                }
                case INWARD_FROM_BOTH_ENDS -> {
                    for (int lo = 0, hi = n - 1; lo <= hi; lo++, hi--) {
                        r.add(lo);
                        if (hi != lo) {
                            r.add(hi);
                        }
                    }
                }
                case DESCENDING_ABOVE_THE_SMALLEST -> {
                    r.add(0);
                    for (int i = n - 1; i > 0; i--) {
                        r.add(i);
                    }
                }
                case ASCENDING_BELOW_THE_LARGEST -> {
                    r.add(n - 1);
                    for (int i = 0; i < n - 1; i++) {
                        r.add(i);
                    }
                }
                default -> throw new AssertionError(this);
            }
            return r;
        }
    }

    /** The writer's invariant, which bounds the height: no branch of one child has a child of one child. */
    static void assertNoWeakChain(Page p, PageLoader loader) {
        if (p == null || p.isLeaf()) {
            return;
        }
        BranchPage b = (BranchPage) p;
        for (int i = 0; i < b.count(); i++) {
            Page child = b.child(i, loader);
            assertTrue(b.count() > 1 || child.isLeaf() || child.count() > 1, "a branch of one child over a branch of one child");
            assertNoWeakChain(child, loader);
        }
    }

    /** Levels allowed for {@code n} keys of one per leaf: 2·log2(n) + 2. */
    static int allowedHeight(int n) {
        return (int) Math.floor(2 * Math.log(n) / Math.log(2)) + 2;
    }

    @Test
    void everyOrderKeepsTheTreeLogarithmic() {
        StringBuilder report = new StringBuilder();
        List<String> tooDeep = new ArrayList<>();
        for (KeySet keys : KeySet.values()) {
            for (Order order : Order.values()) {
                for (boolean oneWriterPerKey : new boolean[] {false, true}) {
                    TreeWriterTest.MemoryStore store = new TreeWriterTest.MemoryStore();
                    TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
                    Page root = null;
                    long count = 0;
                    long epoch = 1;
                    TreeWriter w = new TreeWriter(null, 0, epoch, PAGE, store, store);
                    int maxHeight = 0;
                    for (int rank : order.ranks(N)) {
                        if (oneWriterPerKey) {
                            w = new TreeWriter(root, count, ++epoch, PAGE, store, store);
                        }
                        byte[] k = keys.key(rank);
                        byte[] v = {(byte) rank, (byte) (rank >> 8)};
                        assertTrue(w.put(k, v));
                        model.put(k, v);
                        if (oneWriterPerKey) {
                            w.finish();
                            root = w.root();
                            count = w.count();
                        }
                        maxHeight = Math.max(maxHeight, TreeReader.height(w.root(), store));
                    }
                    w.finish();
                    TreeWriterTest.checkTree(w.root(), model, store);
                    TreeWriterTest.checkPageSizes(w.root(), store);
                    assertNoWeakChain(w.root(), store);
                    int height = TreeReader.height(w.root(), store);
                    String what = keys + " " + order + (oneWriterPerKey ? " (a commit per key)" : " (one batch)");
                    report.append(String.format("%-70s height %3d (largest on the way %3d)%n", what, height, maxHeight));
                    if (maxHeight > keys.allowed(N)) {
                        tooDeep.add(what + ": " + maxHeight);
                    }
                }
            }
        }
        System.out.print(report);
        assertEquals(List.of(), tooDeep, "trees deeper than allowed for " + N + " keys (shared prefix: " + allowedHeight(N)
                + " levels, pairs: " + KeySet.PAIRS.allowed(N) + ", random: " + KeySet.RANDOM.allowed(N) + ")");
    }

    /**
     * Long keys sharing long prefixes, of random lengths, inserted and deleted at random across
     * many versions: every version agrees with its model through cursors both ways and gets, and
     * keeps its separators within the bounds of their parents. Separators are of every length from
     * one byte to a whole key, and splits must often regroup branches of one child.
     */
    @Test
    void randomLongKeysWithDeletesMatchTheModel() {
        Random rnd = new Random(99);
        byte[][] stems = new byte[3][4096];
        rnd.nextBytes(stems[0]);
        Arrays.fill(stems[1], (byte) 'S');
        stems[2] = stems[0].clone();
        stems[2][0] ^= 1;
        TreeWriterTest.MemoryStore store = new TreeWriterTest.MemoryStore();
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        TreeWriterTest.OldVersions old = new TreeWriterTest.OldVersions();
        List<byte[]> written = new ArrayList<>();
        Page root = null;
        long count = 0;
        int largest = 0;
        for (int epoch = 1; epoch <= 150; epoch++) {
            TreeWriter w = new TreeWriter(root, count, epoch, PAGE, store, store);
            for (int i = 0; i < 1 + rnd.nextInt(40); i++) {
                if (!written.isEmpty() && rnd.nextInt(epoch % 10 < 3 ? 2 : 6) == 0) {
                    byte[] k = written.get(rnd.nextInt(written.size()));
                    assertEquals(model.remove(k) != null, w.delete(k));
                    continue;
                }
                byte[] stem = stems[rnd.nextInt(stems.length)];
                byte[] k = Arrays.copyOf(stem, rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(4096) : 4096 - rnd.nextInt(30));
                for (int j = rnd.nextInt(3); j > 0; j--) {
                    k[Math.max(0, k.length - 1 - rnd.nextInt(10))] = (byte) rnd.nextInt(3);
                }
                byte[] v = new byte[rnd.nextInt(12)];
                rnd.nextBytes(v);
                assertEquals(model.put(k, v) == null, w.put(k, v));
                written.add(k);
            }
            w.finish();
            root = w.root();
            count = w.count();
            assertEquals(model.size(), count);
            largest = Math.max(largest, model.size());
            if (epoch % 25 == 0) {
                TreeWriterTest.checkTree(root, model, store);
                TreeWriterTest.checkPageSizes(root, store);
                old.keep(root, model);
            }
        }
        TreeWriterTest.checkTree(root, model, store);
        old.check(store);
        assertTrue(TreeReader.height(root, store) <= allowedHeight(largest), "height " + TreeReader.height(root, store));
    }
}
