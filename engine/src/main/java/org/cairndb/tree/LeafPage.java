package org.cairndb.tree;

import java.util.Arrays;
import org.cairndb.util.Bytes;
import org.cairndb.util.VarInts;

/**
 * A leaf: sorted keys, each with its value. A value is either the bytes themselves (inline) or an
 * {@link Overflow} for a large value kept in pages of its own.
 */
public final class LeafPage extends Page {

    private byte[][] keys;
    private Object[] values;
    /** Bytes on disk and estimated bytes on the heap, kept up to date by every change. */
    private int payload;
    private int heap;

    LeafPage(long epoch, byte[][] keys, Object[] values) {
        super(epoch);
        this.keys = keys;
        this.values = values;
        recompute();
    }

    private LeafPage(long epoch, byte[][] keys, Object[] values, int payload, int heap) {
        super(epoch);
        this.keys = keys;
        this.values = values;
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
        this.values = values;
        recompute();
    }

    private void recompute() {
        int p = 0;
        int h = 64 + 16 * keys.length;
        for (int i = 0; i < keys.length; i++) {
            p += entrySize(keys[i], values[i]);
            h += entryHeap(keys[i], values[i]);
        }
        payload = p;
        heap = h;
    }

    /** Estimated heap bytes of one entry: two array references, the key array, the value. */
    private static int entryHeap(byte[] key, Object value) {
        return 16 + key.length + (value instanceof byte[] b ? 16 + b.length : 32);
    }

    /** Bytes one entry takes on disk; must agree with {@link PageFormat#encodeLeaf}. */
    static int entrySize(byte[] key, Object value) {
        int n = VarInts.size(key.length) + key.length + 1;
        if (value instanceof Overflow o) {
            return n + VarInts.size(o.length()) + 8;
        }
        byte[] v = (byte[]) value;
        return n + VarInts.size(v.length) + v.length;
    }

    @Override
    public boolean isLeaf() {
        return true;
    }

    @Override
    public int count() {
        return keys.length;
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
        return v instanceof Overflow o ? o.value(loader) : (byte[]) v;
    }

    /** Index of {@code key}, or {@code -(insertion point) - 1}. */
    public int find(byte[] key) {
        int lo = 0;
        int hi = keys.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Bytes.compare(keys[mid], key);
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
        return new LeafPage(newEpoch, keys.clone(), values.clone(), payload, heap);
    }

    // ---- changes, only on a page owned by the current epoch ----

    void set(int i, Object value) {
        payload += entrySize(keys[i], value) - entrySize(keys[i], values[i]);
        heap += entryHeap(keys[i], value) - entryHeap(keys[i], values[i]);
        values[i] = value;
    }

    void insert(int i, byte[] key, Object value) {
        int n = keys.length;
        byte[][] k = new byte[n + 1][];
        Object[] v = new Object[n + 1];
        System.arraycopy(keys, 0, k, 0, i);
        System.arraycopy(values, 0, v, 0, i);
        k[i] = key;
        v[i] = value;
        System.arraycopy(keys, i, k, i + 1, n - i);
        System.arraycopy(values, i, v, i + 1, n - i);
        keys = k;
        values = v;
        payload += entrySize(key, value);
        heap += 16 + entryHeap(key, value);
    }

    void remove(int i) {
        payload -= entrySize(keys[i], values[i]);
        heap -= 16 + entryHeap(keys[i], values[i]);
        int n = keys.length;
        byte[][] k = new byte[n - 1][];
        Object[] v = new Object[n - 1];
        System.arraycopy(keys, 0, k, 0, i);
        System.arraycopy(values, 0, v, 0, i);
        System.arraycopy(keys, i + 1, k, i, n - i - 1);
        System.arraycopy(values, i + 1, v, i, n - i - 1);
        keys = k;
        values = v;
    }

    /** Keeps entries [0, from) here and returns a new leaf with entries [from, to). */
    LeafPage cut(int from, int to, long newEpoch) {
        return new LeafPage(newEpoch, Arrays.copyOfRange(keys, from, to), Arrays.copyOfRange(values, from, to));
    }

    void truncate(int n) {
        keys = Arrays.copyOf(keys, n);
        values = Arrays.copyOf(values, n);
        recompute();
    }

    /** Appends all entries of {@code right}, whose keys all sort after this page's. */
    void absorb(LeafPage right) {
        int n = keys.length;
        int m = right.keys.length;
        keys = Arrays.copyOf(keys, n + m);
        values = Arrays.copyOf(values, n + m);
        System.arraycopy(right.keys, 0, keys, n, m);
        System.arraycopy(right.values, 0, values, n, m);
        payload += right.payload;
        heap += right.heap - 64;
    }

    @Override
    public int memory() {
        return heap;
    }
}
