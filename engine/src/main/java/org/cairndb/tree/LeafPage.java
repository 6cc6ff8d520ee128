package org.cairndb.tree;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.cairndb.util.Bytes;
import org.cairndb.util.VarInts;

/**
 * A leaf: sorted keys, each with its value. A value is either the bytes themselves (inline), inline
 * bytes that recovery left in a shared array (see <em>Values in slabs</em>), or an {@link Overflow}
 * for a large value kept in pages of its own.
 *
 * <p>The arrays may be longer than {@link #count()}: a leaf being built in an epoch grows them
 * by half when full, so that a batch inserting many keys into one leaf shifts entries in place
 * instead of allocating new arrays per key. Slots past the count are null.
 *
 * <h2>Values in slabs</h2>
 * Recovery decodes every value in the log since the checkpoint, and all of them survive into the
 * trees. As separate arrays (1.8 million of them for the 200 MB benchmark) they filled the young
 * generation again and again, and each young collection copied them all. So recovery copies them
 * into slabs, arrays of up to a few megabytes that the collector allocates outside the young
 * generation and never copies ({@code recovery.ValueArena}), and a leaf refers to such a value by
 * the slab (in {@code values}) and where the value lies in it (in {@code slabRefs}, offset and
 * length in one {@code long}): no object per value.
 *
 * <p>A slab stays in memory while any value in it does, so no leaf that a checkpoint has written
 * may keep referring to one. The checkpoint after recovery (the daemon's first job) and any later
 * one let such a leaf go once it is written: it is not cached, and whatever needs it reads it back
 * from the file (see {@code storage.DataFile#checkpoint}); after it no slab is left. A checkpoint
 * in the middle of the replay lets go only of the leaves the replay has moved past, and copies the
 * slab values of the others, all of them together, into one array of the leaf's own
 * ({@link #ownSlabValues}). One array per leaf rather than one per value: after replaying 200 MB of
 * 100-byte records that is some 28,000 arrays instead of 1.7 million, and 6 % less live heap (no
 * array header per value). It does not make the young collections after a replay shorter: they
 * copy as many bytes either way, and on this project's machines their time follows the bytes.
 *
 * <p>The page is published and may be read meanwhile, and a reader must find a value where it
 * looks whether or not it sees the change. So the leaf's own array goes into {@code packed}, and
 * where each value lies in it into {@code packedRefs}, before any {@code values[i]} is changed to
 * it with a release store; {@code slabRefs} does not change. A reader takes {@code values[i]}
 * with acquire: if it is the leaf's {@code packed} array the value is at {@code packedRefs[i]}
 * (both visible, as they were written before), otherwise it is the slab and the value is at
 * {@code slabRefs[i]} as before. A copy of the leaf (the next change to it) refers to the packed
 * array as to any slab.
 */
public final class LeafPage extends Page {

    private static final VarHandle VALUE = MethodHandles.arrayElementVarHandle(Object[].class);
    /** {@code slabRefs} entry (and {@link #set}/{@link #insert} argument) of a value that is not in a slab. */
    static final long NOT_IN_SLAB = -1;

    private byte[][] keys;
    /**
     * {@link Bytes#prefix} of each key: a search compares these numbers, which lie side by side,
     * and reads a key only when its prefix equals the one sought. Keys are arrays of their own,
     * scattered over the heap, so each key read is a likely cache miss; recovery's replay spent a
     * third of its applying thread on them.
     */
    private long[] prefixes;
    private Object[] values;
    /** Where each value lies in the slab {@code values[i]} ({@link #slabRef}), or {@link #NOT_IN_SLAB}; null while no entry of this leaf was ever in a slab. */
    private long[] slabRefs;
    /** This leaf's slab values, copied together by the checkpoint that wrote it, or null (see the class comment). */
    private byte[] packed;
    /** Where each value lies in {@code packed}, for the entries whose {@code values[i]} is {@code packed}. */
    private long[] packedRefs;
    private int n;
    /** Bytes on disk and estimated bytes on the heap, kept up to date by every change. */
    private int payload;
    private int heap;

    LeafPage(long epoch, byte[][] keys, Object[] values) {
        super(epoch);
        this.keys = keys;
        this.prefixes = Bytes.prefixes(keys);
        this.values = values;
        this.n = keys.length;
        recompute();
    }

    private LeafPage(long epoch, byte[][] keys, long[] prefixes, Object[] values, long[] slabRefs, int n) {
        super(epoch);
        this.keys = keys;
        this.prefixes = prefixes;
        this.values = values;
        this.slabRefs = slabRefs;
        this.n = n;
    }

    /** A leaf decoded from disk at page {@code pos}. */
    public static LeafPage fromDisk(long pos, byte[][] keys, Object[] values) {
        return new LeafPage(pos, keys, values, true);
    }

    private LeafPage(long pos, byte[][] keys, Object[] values, boolean fromDisk) {
        super(pos, fromDisk);
        this.keys = keys;
        this.prefixes = Bytes.prefixes(keys);
        this.values = values;
        this.n = keys.length;
        recompute();
    }

    /** A value's place in its slab, as {@code slabRefs} holds it. */
    static long slabRef(int offset, int length) {
        return (long) offset << 32 | length;
    }

    private void recompute() {
        int p = 0;
        int h = 80;
        for (int i = 0; i < n; i++) {
            p += entrySize(i);
            h += entryHeap(i);
        }
        payload = p;
        heap = h;
    }

    /**
     * Estimated heap bytes of entry {@code i}: its share of the leaf's arrays, the key array, and
     * the value (a value in a slab is counted as if it had an array of its own).
     */
    private int entryHeap(int i) {
        Object v = values[i];
        int value = v instanceof Overflow ? 32 : 16 + inlineLength(i);
        return (slabRefs == null ? 24 : 32) + 16 + keys[i].length + value;
    }

    /** Bytes entry {@code i} takes on disk; must agree with {@link PageFormat#encodeLeaf}. */
    int entrySize(int i) {
        int s = VarInts.size(keys[i].length) + keys[i].length + 1;
        if (values[i] instanceof Overflow o) {
            return s + VarInts.size(o.length()) + 8;
        }
        int len = inlineLength(i);
        return s + VarInts.size(len) + len;
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

    /** Entry {@code i}'s value if it is kept in overflow pages, else null. */
    public Overflow overflow(int i) {
        return values[i] instanceof Overflow o ? o : null;
    }

    /** Bytes of entry {@code i}'s value if it is inline (not an {@link #overflow}). */
    public int inlineLength(int i) {
        if (slabRefs != null && slabRefs[i] != NOT_IN_SLAB) {
            return (int) slabRefs[i];
        }
        return ((byte[]) values[i]).length;
    }

    /** Whether entry {@code i}'s value was put in a slab by recovery (it may lie in the leaf's packed array by now). */
    public boolean fromSlab(int i) {
        return slabRefs != null && slabRefs[i] != NOT_IN_SLAB;
    }

    /** Whether any value of this leaf still lies in a slab. */
    public boolean holdsSlabValues() {
        if (slabRefs == null) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (inSlab(i)) {
                return true;
            }
        }
        return false;
    }

    /** Whether entry {@code i}'s value still lies in a slab (recovery's, or another leaf's packed array). */
    public boolean inSlab(int i) {
        Object v = VALUE.getAcquire(values, i);
        return fromSlab(i) && v != packed;
    }

    /**
     * Where entry {@code i}'s value lies in {@code v}, the entry's {@code values[i]} as just read
     * with acquire: in this leaf's packed array, in a slab, or {@link #NOT_IN_SLAB} when {@code v}
     * is the value's own array or an {@link Overflow}.
     */
    private long refIn(int i, Object v) {
        if (slabRefs == null) {
            return NOT_IN_SLAB;
        }
        return v == packed ? packedRefs[i] : slabRefs[i];
    }

    private static byte[] copyOut(byte[] slab, long ref) {
        int offset = (int) (ref >>> 32);
        return Arrays.copyOfRange(slab, offset, offset + (int) ref);
    }

    /** The stored value: an {@link Overflow}, or the inline bytes (a copy while they lie in a slab). */
    public Object rawValue(int i) {
        Object v = VALUE.getAcquire(values, i);
        long ref = refIn(i, v);
        return ref == NOT_IN_SLAB ? v : copyOut((byte[]) v, ref);
    }

    public byte[] value(int i, PageLoader loader) {
        Object v = rawValue(i);
        return v instanceof byte[] b ? b : ((Overflow) v).value(loader);
    }

    /** Writes entry {@code i}'s inline value at the buffer's position, without a copy. */
    void putInline(int i, ByteBuffer page) {
        byte[] b = (byte[]) VALUE.getAcquire(values, i);
        long ref = refIn(i, b);
        if (ref == NOT_IN_SLAB) {
            page.put(b);
        } else {
            page.put(b, (int) (ref >>> 32), (int) ref);
        }
    }

    /**
     * Copies the values of this leaf that lie in slabs into one array of its own, so that the leaf
     * no longer keeps recovery's slabs in memory; called by the checkpoint that writes the leaf.
     * Readers see the same bytes before and after (see the class comment). A written leaf is never
     * changed again, only copied, so this runs once per leaf.
     */
    public void ownSlabValues() {
        if (slabRefs == null || packed != null) {
            return;
        }
        boolean any = false;
        int total = 0;
        for (int i = 0; i < n; i++) {
            if (slabRefs[i] != NOT_IN_SLAB) {
                any = true;
                total += (int) slabRefs[i];
            }
        }
        if (!any) {
            return;
        }
        byte[] own = new byte[total];
        long[] refs = new long[n];
        int at = 0;
        for (int i = 0; i < n; i++) {
            long ref = slabRefs[i];
            if (ref != NOT_IN_SLAB) {
                int length = (int) ref;
                System.arraycopy((byte[]) values[i], (int) (ref >>> 32), own, at, length);
                refs[i] = slabRef(at, length);
                at += length;
            }
        }
        packedRefs = refs; // both before the release stores below, which publish them
        packed = own;
        for (int i = 0; i < n; i++) {
            if (slabRefs[i] != NOT_IN_SLAB) {
                VALUE.setRelease(values, i, own);
            }
        }
    }

    /**
     * Copies entries [from, from + m) of this leaf's values to {@code v} and their slab references
     * to {@code r} (both from {@code at}), reading each value with acquire: this leaf may be a
     * published one whose checkpoint is packing its slab values. Returns whether any copied value
     * lies in a slab.
     */
    private boolean copyValues(int from, Object[] v, long[] r, int at, int m) {
        boolean anyInSlab = false;
        for (int j = 0; j < m; j++) {
            Object x = VALUE.getAcquire(values, from + j);
            long ref = refIn(from + j, x);
            v[at + j] = x;
            r[at + j] = ref;
            anyInSlab |= ref != NOT_IN_SLAB;
        }
        return anyInSlab;
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
        return Bytes.compare(prefixes[i], keys[i], prefix, key);
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
        Object[] v;
        long[] r = null;
        if (slabRefs == null) {
            v = Arrays.copyOf(values, cap);
        } else {
            v = new Object[cap];
            r = new long[cap];
            if (!copyValues(0, v, r, 0, n)) {
                r = null; // a copy whose values all have arrays of their own no longer needs to know where they were
            }
        }
        LeafPage copy = new LeafPage(newEpoch, Arrays.copyOf(keys, cap), Arrays.copyOf(prefixes, cap), v, r, n);
        copy.payload = payload;
        copy.heap = slabRefs != null && r == null ? heap - 8 * n : heap;
        return copy;
    }

    // ---- changes, only on a page owned by the current epoch ----

    /**
     * Replaces entry {@code i}'s value with {@code value}: a {@code byte[]} or {@link Overflow}
     * when {@code ref} is {@link #NOT_IN_SLAB}, else the slab holding the value at {@link #slabRef ref}.
     */
    void set(int i, Object value, long ref) {
        if (ref != NOT_IN_SLAB && slabRefs == null) {
            startSlabRefs();
        }
        payload -= entrySize(i);
        heap -= entryHeap(i);
        values[i] = value;
        if (slabRefs != null) {
            slabRefs[i] = ref;
        }
        payload += entrySize(i);
        heap += entryHeap(i);
    }

    private void startSlabRefs() {
        slabRefs = new long[keys.length];
        Arrays.fill(slabRefs, NOT_IN_SLAB);
        heap += 8 * n;
    }

    /** Inserts {@code key} at {@code i} with its value, given as for {@link #set}. */
    void insert(int i, byte[] key, Object value, long ref) {
        if (ref != NOT_IN_SLAB && slabRefs == null) {
            startSlabRefs();
        }
        if (n == keys.length) {
            int cap = n + (n >> 1) + 2;
            keys = Arrays.copyOf(keys, cap);
            prefixes = Arrays.copyOf(prefixes, cap);
            values = Arrays.copyOf(values, cap);
            if (slabRefs != null) {
                slabRefs = Arrays.copyOf(slabRefs, cap);
            }
        }
        System.arraycopy(keys, i, keys, i + 1, n - i);
        System.arraycopy(prefixes, i, prefixes, i + 1, n - i);
        System.arraycopy(values, i, values, i + 1, n - i);
        keys[i] = key;
        prefixes[i] = Bytes.prefix(key);
        values[i] = value;
        if (slabRefs != null) {
            System.arraycopy(slabRefs, i, slabRefs, i + 1, n - i);
            slabRefs[i] = ref;
        }
        n++;
        payload += entrySize(i);
        heap += entryHeap(i);
    }

    void remove(int i) {
        payload -= entrySize(i);
        heap -= entryHeap(i);
        System.arraycopy(keys, i + 1, keys, i, n - i - 1);
        System.arraycopy(prefixes, i + 1, prefixes, i, n - i - 1);
        System.arraycopy(values, i + 1, values, i, n - i - 1);
        if (slabRefs != null) {
            System.arraycopy(slabRefs, i + 1, slabRefs, i, n - i - 1);
        }
        n--;
        keys[n] = null;
        values[n] = null;
    }

    /**
     * Returns a new leaf with entries [from, to); this page is left as it was. The new leaf has
     * room for half as many entries again, as the first insert into a full one would make (a
     * part of a split is usually inserted into next: a replay spreads its writes over every leaf),
     * or for {@code room} entries if that is more.
     */
    LeafPage cut(int from, int to, long newEpoch, int room) {
        int m = to - from;
        int cap = Math.max(m + m / 2 + 2, room);
        byte[][] k = new byte[cap][];
        long[] p = new long[cap];
        Object[] v = new Object[cap];
        System.arraycopy(keys, from, k, 0, m);
        System.arraycopy(prefixes, from, p, 0, m);
        long[] r = null;
        if (slabRefs == null) {
            System.arraycopy(values, from, v, 0, m);
        } else {
            r = new long[cap];
            copyValues(from, v, r, 0, m);
        }
        LeafPage part = new LeafPage(newEpoch, k, p, v, r, m);
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
        if (right.slabRefs != null && slabRefs == null) {
            startSlabRefs();
        }
        if (n + m > keys.length) {
            keys = Arrays.copyOf(keys, n + m);
            prefixes = Arrays.copyOf(prefixes, n + m);
            values = Arrays.copyOf(values, n + m);
            if (slabRefs != null) {
                slabRefs = Arrays.copyOf(slabRefs, n + m);
            }
        }
        System.arraycopy(right.keys, 0, keys, n, m);
        System.arraycopy(right.prefixes, 0, prefixes, n, m);
        if (right.slabRefs != null) {
            right.copyValues(0, values, slabRefs, n, m); // right may be a published leaf being written
        } else {
            System.arraycopy(right.values, 0, values, n, m);
            if (slabRefs != null) {
                Arrays.fill(slabRefs, n, n + m, NOT_IN_SLAB);
            }
        }
        n += m;
        recompute();
    }

    @Override
    public int memory() {
        return heap;
    }
}
