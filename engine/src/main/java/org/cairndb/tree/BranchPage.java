package org.cairndb.tree;

import java.util.Arrays;
import org.cairndb.util.Bytes;
import org.cairndb.util.VarInts;

/**
 * An inner node: {@code n} children and {@code n-1} separators. Child {@code i} holds the keys
 * {@code k} with {@code keys[i-1] <= k < keys[i]}. A separator need not be a key, nor the least key
 * of the child after it: a leaf split sends up the shortest prefix of the right side's first key
 * that sorts after the left side's last (see {@code PageCuts#separatorBetween}), and deletes leave
 * separators of keys that are gone. Only the bounds matter.
 *
 * <p>As in {@link LeafPage}, the arrays of a branch being changed in an epoch may be longer than
 * its count (they grow by half when full), so that splits below it insert in place instead of
 * reallocating both arrays each time. Slots past the count are null.
 */
public final class BranchPage extends Page {

    private byte[][] keys;
    /** {@link Bytes#prefix} of each separator: searches compare these and read a separator only on a tie (see {@link LeafPage}). */
    private long[] prefixes;
    private ChildRef[] children;
    private int n;
    private int payload;

    BranchPage(long epoch, byte[][] keys, ChildRef[] children) {
        super(epoch);
        this.keys = keys;
        this.prefixes = Bytes.prefixes(keys);
        this.children = children;
        this.n = children.length;
        this.payload = computePayload();
    }

    private BranchPage(long epoch, byte[][] keys, long[] prefixes, ChildRef[] children, int n, int payload) {
        super(epoch);
        this.keys = keys;
        this.prefixes = prefixes;
        this.children = children;
        this.n = n;
        this.payload = payload;
    }

    /** A branch decoded from disk at page {@code pos}. */
    public static BranchPage fromDisk(long pos, byte[][] keys, ChildRef[] children) {
        return new BranchPage(pos, keys, children, true);
    }

    private BranchPage(long pos, byte[][] keys, ChildRef[] children, boolean fromDisk) {
        super(pos, fromDisk);
        this.keys = keys;
        this.prefixes = Bytes.prefixes(keys);
        this.children = children;
        this.n = children.length;
        this.payload = computePayload();
    }

    private int computePayload() {
        int p = 8;
        for (int i = 0; i < n - 1; i++) {
            p += separatorSize(keys[i]);
        }
        return p;
    }

    /** Bytes a separator and the child pointer after it take on disk; see {@link PageFormat#encodeBranch}. */
    static int separatorSize(byte[] key) {
        return VarInts.size(key.length) + key.length + 8;
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public int count() {
        return n;
    }

    @Override
    public int payloadSize() {
        return payload;
    }

    public byte[] key(int i) {
        return keys[i];
    }

    public ChildRef childRef(int i) {
        return children[i];
    }

    public Page child(int i, PageLoader loader) {
        return children[i].get(loader);
    }

    /** Index of the child whose key range holds {@code key}. */
    public int childIndex(byte[] key) {
        return firstAbove(key, Bytes.prefix(key), 0, n - 2);
    }

    /**
     * As {@link #childIndex}, for a key known to belong to child {@code from} or a later one:
     * gallops forward from there, then searches the bracket found.
     */
    public int childIndexFrom(byte[] key, int from) {
        long prefix = Bytes.prefix(key);
        int last = n - 1;
        int lo = from;
        int probe = from;
        int step = 1;
        while (probe < last && compare(probe, key, prefix) <= 0) {
            lo = probe + 1;
            probe = lo + step;
            step <<= 1;
        }
        return firstAbove(key, prefix, lo, Math.min(probe, last) - 1);
    }

    /** Separator {@code i} against {@code key}, whose prefix is {@code prefix}. */
    private int compare(int i, byte[] key, long prefix) {
        return Bytes.compare(prefixes[i], keys[i], prefix, key);
    }

    /** Binary search of separators [lo, hi]: the first index whose separator sorts above {@code key}, or hi + 1. */
    private int firstAbove(byte[] key, long prefix, int lo, int hi) {
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (compare(mid, key, prefix) <= 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    @Override
    BranchPage copy(long newEpoch) {
        int cap = n + 4;
        return new BranchPage(newEpoch, Arrays.copyOf(keys, cap - 1), Arrays.copyOf(prefixes, cap - 1), Arrays.copyOf(children, cap),
                n, payload);
    }

    // ---- changes, only on a page owned by the current epoch ----

    void setChild(int i, ChildRef ref) {
        children[i] = ref;
    }

    /** Inserts {@code separator} and, right after it, the child {@code ref} at child index {@code i}. */
    void insertChild(int i, byte[] separator, ChildRef ref) {
        if (n == children.length) {
            int cap = n + (n >> 1) + 2;
            children = Arrays.copyOf(children, cap);
            keys = Arrays.copyOf(keys, cap - 1);
            prefixes = Arrays.copyOf(prefixes, cap - 1);
        }
        System.arraycopy(children, i, children, i + 1, n - i);
        children[i] = ref;
        System.arraycopy(keys, i - 1, keys, i, n - i);
        System.arraycopy(prefixes, i - 1, prefixes, i, n - i);
        keys[i - 1] = separator;
        prefixes[i - 1] = Bytes.prefix(separator);
        n++;
        payload += separatorSize(separator);
    }

    /** Removes child {@code i} (i &gt; 0) and the separator in front of it. */
    void removeChild(int i) {
        payload -= separatorSize(keys[i - 1]);
        System.arraycopy(children, i + 1, children, i, n - i - 1);
        System.arraycopy(keys, i, keys, i - 1, n - i - 1);
        System.arraycopy(prefixes, i, prefixes, i - 1, n - i - 1);
        n--;
        children[n] = null;
        keys[n - 1] = null;
    }

    /**
     * Keeps children [0, from) here and returns a new branch with children [from, to); the
     * separator in front of child {@code from} is the one the parent must hold.
     */
    BranchPage cut(int from, int to, long newEpoch) {
        BranchPage part = new BranchPage(newEpoch, Arrays.copyOfRange(keys, from, to - 1), Arrays.copyOfRange(prefixes, from, to - 1),
                Arrays.copyOfRange(children, from, to), to - from, 0);
        part.payload = part.computePayload();
        return part;
    }

    /** Replaces every separator and child (a regrouping of the children's children). */
    void replaceAll(byte[][] separators, ChildRef[] refs) {
        keys = separators;
        prefixes = Bytes.prefixes(separators);
        children = refs;
        n = refs.length;
        payload = computePayload();
    }

    /** Removes every child: the branch is empty and its parent must drop it. */
    void clear() {
        children = new ChildRef[0];
        keys = new byte[0][];
        prefixes = new long[0];
        n = 0;
        payload = computePayload();
    }

    void truncate(int count) {
        Arrays.fill(children, count, n, null);
        Arrays.fill(keys, Math.max(0, count - 1), Math.max(0, n - 1), null);
        n = count;
        payload = computePayload();
    }

    /** Appends {@code separator} and all children of {@code right}. */
    void absorb(byte[] separator, BranchPage right) {
        int m = right.n;
        if (n + m > children.length) {
            children = Arrays.copyOf(children, n + m);
            keys = Arrays.copyOf(keys, n + m - 1);
            prefixes = Arrays.copyOf(prefixes, n + m - 1);
        }
        System.arraycopy(right.children, 0, children, n, m);
        keys[n - 1] = separator;
        prefixes[n - 1] = Bytes.prefix(separator);
        System.arraycopy(right.keys, 0, keys, n, m - 1);
        System.arraycopy(right.prefixes, 0, prefixes, n, m - 1);
        n += m;
        payload = computePayload();
    }

    @Override
    public int memory() {
        // Separators, their prefixes and child references; the payload already counts key bytes plus 8 per child.
        return 64 + payload + 48 * n;
    }
}
