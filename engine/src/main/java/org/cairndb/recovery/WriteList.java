package org.cairndb.recovery;

import java.util.Arrays;

/**
 * Writes collected by recovery, in log order, as parallel arrays instead of an object per write:
 * the database, the key, and the value: a place in one of the {@link ValueArena}'s slabs, an array
 * of its own, or nothing for a delete.
 *
 * <p>Used by one thread.
 */
final class WriteList {

    private static final int OWN = -1;

    private int[] dbIds = new int[16];
    private byte[][] keys = new byte[16][];
    /** The slab holding the value, the value's own array, or null for a delete. */
    private Object[] values = new Object[16];
    /** Where the value starts in its slab, or {@link #OWN}. */
    private int[] offsets = new int[16];
    private int[] lengths = new int[16];
    private int n;

    /** A put whose value lies in {@code slab} at {@code offset}. */
    void add(int dbId, byte[] key, byte[] slab, int offset, int length) {
        append(dbId, key, slab, offset, length);
    }

    /** A put of {@code value} (its own array), or a delete when {@code value} is null. */
    void add(int dbId, byte[] key, byte[] value) {
        append(dbId, key, value, OWN, value == null ? 0 : value.length);
    }

    private void append(int dbId, byte[] key, byte[] value, int offset, int length) {
        if (n == keys.length) {
            int cap = n + (n >> 1);
            dbIds = Arrays.copyOf(dbIds, cap);
            keys = Arrays.copyOf(keys, cap);
            values = Arrays.copyOf(values, cap);
            offsets = Arrays.copyOf(offsets, cap);
            lengths = Arrays.copyOf(lengths, cap);
        }
        dbIds[n] = dbId;
        keys[n] = key;
        values[n] = value;
        offsets[n] = offset;
        lengths[n++] = length;
    }

    /** Appends write {@code i} of {@code from}. */
    void add(WriteList from, int i) {
        append(from.dbIds[i], from.keys[i], (byte[]) from.values[i], from.offsets[i], from.lengths[i]);
    }

    int size() {
        return n;
    }

    int dbId(int i) {
        return dbIds[i];
    }

    byte[] key(int i) {
        return keys[i];
    }

    /** Bytes of write {@code i}'s value (0 for a delete). */
    int valueLength(int i) {
        return lengths[i];
    }

    /** The value of write {@code i}: the slab it lies in ({@link #offset}), its own array, or null for a delete. */
    byte[] value(int i) {
        return (byte[]) values[i];
    }

    /** Where write {@code i}'s value starts in its slab, or -1 if it is not in a slab. */
    int offset(int i) {
        return offsets[i];
    }

    /** Forgets every write (and drops the references, so that nothing here keeps a slab alive). */
    void clear() {
        Arrays.fill(keys, 0, n, null);
        Arrays.fill(values, 0, n, null);
        n = 0;
    }
}
