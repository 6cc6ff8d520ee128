package org.cairndb.tree;

import java.util.Arrays;
import org.cairndb.util.Bytes;
import org.cairndb.util.VarInts;

/**
 * A leaf: sorted keys, each with its value. A value is either the bytes themselves (inline), a
 * {@link SlabValue} (inline bytes that recovery left in a shared array until a checkpoint writes
 * the leaf), or an {@link Overflow} for a large value kept in pages of its own.
 *
 * <p>The arrays may be longer than {@link #count()}: a leaf being built in an epoch grows them
 * by half when full, so that a batch inserting many keys into one leaf shifts entries in place
 * instead of allocating two new arrays per key. Slots past the count are null.
 */
public final class LeafPage extends Page {

    private byte[][] keys;
    /**
     * {@link Bytes#prefix} of each key: a search compares these numbers, which lie side by side,
     * and reads a key only when its prefix equals the one sought. Keys are arrays of their own,
     * scattered over the heap, so each key read is a likely cache miss; recovery's replay spent a
     * third of its applying thread on them.
     */
    private long[] prefixes;
    private Object[] values;
    private int n;
    /** Bytes on disk and estimated bytes on the heap, kept up to date by every change. */
    private int payload;
    private int heap;

    LeafPage(long epoch, byte[][] keys, Object[] values) {
        super(epoch);
        this.keys = keys;
        this.prefixes = prefixesOf(keys);
        this.values = values;
        this.n = keys.length;
        recompute();
    }

    private LeafPage(long epoch, byte[][] keys, long[] prefixes, Object[] values, int n, int payload, int heap) {
        super(epoch);
        this.keys = keys;
        this.prefixes = prefixes;
        this.values = values;
        this.n = n;
        this.payload = payload;
        this.heap = heap;
    }

    /** A leaf decoded from disk at page {@code pos}. */
    public static LeafPage fromDisk(long pos, byte[][] keys, Object[] values) {
        return new LeafPage(pos, keys, values, true);
    }

    private LeafPage(long pos, byte[][] keys, Object[] values, boolean fromDisk) {
        super(pos, fromDisk);
        this.keys = keys;
        this.prefixes = prefixesOf(keys);
        this.values = values;
        this.n = keys.length;
        recompute();
    }

    private static long[] prefixesOf(byte[][] keys) {
        long[] p = new long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            p[i] = Bytes.prefix(keys[i]);
        }
        return p;
    }

    private void recompute() {
        int p = 0;
        int h = 80 + 24 * n;
        for (int i = 0; i < n; i++) {
            p += entrySize(keys[i], values[i]);
            h += entryHeap(keys[i], values[i]);
        }
        payload = p;
        heap = h;
    }

    /**
     * Estimated heap bytes of one entry: two array references, the key array, the value (a slab
     * value is counted as it will be once it owns its bytes: its object and an array).
     */
    private static int entryHeap(byte[] key, Object value) {
        int v = value instanceof byte[] b ? 16 + b.length : value instanceof SlabValue s ? 40 + s.length() : 32;
        return 16 + key.length + v;
    }

    /** Bytes one entry takes on disk; must agree with {@link PageFormat#encodeLeaf}. */
    static int entrySize(byte[] key, Object value) {
        int s = VarInts.size(key.length) + key.length + 1;
        if (value instanceof Overflow o) {
            return s + VarInts.size(o.length()) + 8;
        }
        int len = inlineLength(value);
        return s + VarInts.size(len) + len;
    }

    /** Bytes of an inline value ({@code byte[]} or {@link SlabValue}) as {@link #rawValue} returns it. */
    public static int inlineLength(Object value) {
        return value instanceof SlabValue v ? v.length() : ((byte[]) value).length;
    }

    @Override
    public boolean isLeaf() {
        return true;
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

    /** The stored value: {@code byte[]} or {@link Overflow}. */
    public Object rawValue(int i) {
        return values[i];
    }

    public byte[] value(int i, PageLoader loader) {
        Object v = values[i];
        if (v instanceof byte[] b) {
            return b;
        }
        return v instanceof SlabValue s ? s.bytes() : ((Overflow) v).value(loader);
    }

    /**
     * Gives each slab value of this leaf an array of its own, so that the leaf no longer keeps
     * recovery's slabs in memory; called by the checkpoint that writes the leaf. Readers see the
     * same bytes before and after.
     */
    public void ownSlabValues() {
        for (int i = 0; i < n; i++) {
            if (values[i] instanceof SlabValue s) {
                s.ownBytes();
            }
        }
    }

    /** Index of {@code key}, or {@code -(insertion point) - 1}. */
    public int find(byte[] key) {
        return search(key, Bytes.prefix(key), 0, n - 1);
    }

    /**
     * As {@link #find}, for a key known to sort after the first {@code from} entries: gallops
     * forward from there (1, 2, 4, ... entries) and then searches the bracket found, so a key just
     * after the previous one costs a comparison or two.
     */
    public int findFrom(byte[] key, int from) {
        long prefix = Bytes.prefix(key);
        int lo = from;
        int probe = from;
        int step = 1;
        while (probe < n) {
            int c = compare(probe, key, prefix);
            if (c == 0) {
                return probe;
            }
            if (c > 0) {
                break;
            }
            lo = probe + 1;
            probe = lo + step;
            step <<= 1;
        }
        return search(key, prefix, lo, Math.min(probe, n) - 1);
    }

    /** Entry {@code i}'s key against {@code key}, whose prefix is {@code prefix}: negative, zero or positive. */
    private int compare(int i, byte[] key, long prefix) {
        int c = Long.compareUnsigned(prefixes[i], prefix);
        return c != 0 ? c : Bytes.compare(keys[i], key);
    }

    /** Binary search of entries [lo, hi]: the index of {@code key}, or {@code -(insertion point) - 1}. */
    private int search(byte[] key, long prefix, int lo, int hi) {
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = compare(mid, key, prefix);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -(lo + 1);
    }

    @Override
    LeafPage copy(long newEpoch) {
        int cap = n + 8;
        return new LeafPage(newEpoch, Arrays.copyOf(keys, cap), Arrays.copyOf(prefixes, cap), Arrays.copyOf(values, cap),
                n, payload, heap);
    }

    // ---- changes, only on a page owned by the current epoch ----

    void set(int i, Object value) {
        payload += entrySize(keys[i], value) - entrySize(keys[i], values[i]);
        heap += entryHeap(keys[i], value) - entryHeap(keys[i], values[i]);
        values[i] = value;
    }

    void insert(int i, byte[] key, Object value) {
        if (n == keys.length) {
            int cap = n + (n >> 1) + 2;
            keys = Arrays.copyOf(keys, cap);
            prefixes = Arrays.copyOf(prefixes, cap);
            values = Arrays.copyOf(values, cap);
        }
        System.arraycopy(keys, i, keys, i + 1, n - i);
        System.arraycopy(prefixes, i, prefixes, i + 1, n - i);
        System.arraycopy(values, i, values, i + 1, n - i);
        keys[i] = key;
        prefixes[i] = Bytes.prefix(key);
        values[i] = value;
        n++;
        payload += entrySize(key, value);
        heap += 24 + entryHeap(key, value);
    }

    void remove(int i) {
        payload -= entrySize(keys[i], values[i]);
        heap -= 24 + entryHeap(keys[i], values[i]);
        System.arraycopy(keys, i + 1, keys, i, n - i - 1);
        System.arraycopy(prefixes, i + 1, prefixes, i, n - i - 1);
        System.arraycopy(values, i + 1, values, i, n - i - 1);
        n--;
        keys[n] = null;
        values[n] = null;
    }

    /** Returns a new leaf with entries [from, to); this page is left as it was. */
    LeafPage cut(int from, int to, long newEpoch) {
        LeafPage part = new LeafPage(newEpoch, Arrays.copyOfRange(keys, from, to), Arrays.copyOfRange(prefixes, from, to),
                Arrays.copyOfRange(values, from, to), to - from, 0, 0);
        part.recompute();
        return part;
    }

    /** Keeps entries [0, count). */
    void truncate(int count) {
        Arrays.fill(keys, count, n, null);
        Arrays.fill(values, count, n, null);
        n = count;
        recompute();
    }

    /** Appends all entries of {@code right}, whose keys all sort after this page's. */
    void absorb(LeafPage right) {
        int m = right.n;
        if (n + m > keys.length) {
            keys = Arrays.copyOf(keys, n + m);
            prefixes = Arrays.copyOf(prefixes, n + m);
            values = Arrays.copyOf(values, n + m);
        }
        System.arraycopy(right.keys, 0, keys, n, m);
        System.arraycopy(right.prefixes, 0, prefixes, n, m);
        System.arraycopy(right.values, 0, values, n, m);
        n += m;
        payload += right.payload;
        heap += right.heap - 80;
    }

    @Override
    public int memory() {
        return heap;
    }
}
