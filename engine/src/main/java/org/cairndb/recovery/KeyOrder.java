package org.cairndb.recovery;

import java.util.Arrays;
import org.cairndb.util.Bytes;

/**
 * Orders a batch of writes by key for recovery's replay, keeping only the last write of each key
 * (the batch is published as one version, so earlier writes to a key would be overwritten anyway).
 * Comparing byte arrays that are scattered over the heap costs a cache miss each time; most keys
 * differ in their first eight bytes, so the writes are ordered by those bytes with a radix sort
 * over a plain array of numbers (stable, eight counting passes), and only runs of equal prefixes
 * are then ordered further, by the next eight bytes in the same way (or, for a few writes, by
 * whole key), and thinned. A write whose prefix is unique is kept without its key ever being read.
 */
final class KeyOrder {

    // Scratch arrays, reused from batch to batch (one KeyOrder per recovery, used by one thread).
    private long[] prefix = new long[0];
    private int[] order = new int[0];
    private long[] prefix2 = new long[0];
    private int[] order2 = new int[0];
    private final int[] counts = new int[257];
    /** How many writes {@link #latest} has kept so far (the front of {@link #order}). */
    private int out;
    /** Runs of equal words up to this long are sorted by whole key directly. */
    private static final int SMALL_RUN = 16;

    /**
     * The writes of one database in key order, the last of each key only, as two arrays: the
     * applying thread then walks plain arrays instead of chasing each write's object.
     *
     * @param keys    the keys, ascending
     * @param values  the value written under each key: the slab it lies in, its own array, or null
     *                where the key was deleted
     * @param offsets where each value starts in its slab, or -1
     * @param lengths each value's length
     */
    record Writes(byte[][] keys, byte[][] values, int[] offsets, int[] lengths) {

        int size() {
            return keys.length;
        }
    }

    /** The last write of each key in {@code writes} (which are in log order), in key order. */
    Writes latest(WriteList writes) {
        int n = writes.size();
        if (prefix.length < n) {
            int cap = Math.max(n, prefix.length + (prefix.length >> 1));
            prefix = new long[cap];
            order = new int[cap];
            prefix2 = new long[cap];
            order2 = new int[cap];
        }
        for (int i = 0; i < n; i++) {
            prefix[i] = Bytes.prefix(writes.key(i));
            order[i] = i;
        }
        // The writes kept, in key order, are collected at the front of order[] (never past where
        // the scan reads: out only grows by one for each write the scan has passed).
        if (ascending(writes, n)) {
            out = n;
        } else {
            radixSort(0, n);
            out = 0;
            keepRuns(writes, 0, n, 8);
        }
        byte[][] keys = new byte[out][];
        byte[][] values = new byte[out][];
        int[] offsets = new int[out];
        int[] lengths = new int[out];
        for (int i = 0; i < out; i++) {
            int w = order[i];
            keys[i] = writes.key(w);
            values[i] = writes.value(w);
            offsets[i] = writes.offset(w);
            lengths[i] = writes.valueLength(w);
        }
        return new Writes(keys, values, offsets, lengths);
    }

    /**
     * Whether the {@code n} writes' keys (their prefixes computed) are already in strictly
     * ascending order, as keys written in order (a sequence, a timestamp) are: they need no sort.
     * Looks no further than the first key out of order.
     */
    private boolean ascending(WriteList writes, int n) {
        for (int i = 1; i < n; i++) {
            if (Bytes.compare(prefix[i - 1], writes.key(i - 1), prefix[i], writes.key(i)) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Keeps the last write of each key among writes [from, to) of {@code order}, in key order. They
     * are sorted by the words in {@code prefix}, the eight key bytes before {@code next}, and the
     * writes with equal words are in log order.
     */
    private void keepRuns(WriteList writes, int from, int to, int next) {
        for (int start = from; start < to; ) {
            int end = start + 1;
            while (end < to && prefix[end] == prefix[start]) {
                end++;
            }
            if (end - start == 1) {
                order[out++] = order[start];
            } else {
                keepTies(writes, start, end, next);
            }
            start = end;
        }
    }

    /**
     * Writes [start, end) of {@code order}, in log order, whose keys agree in every byte before
     * {@code next} (keys shorter than that padded with zeros): orders them by the bytes from
     * {@code next} on, eight at a time with the same radix sort (keys that share a long prefix, as
     * {@code "order-00001234"} does, no longer fall back to comparing whole keys with a comparator
     * over boxed indexes), and keeps the last write of each key.
     */
    private void keepTies(WriteList writes, int start, int end, int next) {
        int m = end - start;
        if (m <= SMALL_RUN) {
            for (int i = start + 1; i < end; i++) { // insertion sort: stable, and cheap for a few writes
                int w = order[i];
                byte[] key = writes.key(w);
                int j = i - 1;
                while (j >= start && Bytes.compare(writes.key(order[j]), key) > 0) {
                    order[j + 1] = order[j];
                    j--;
                }
                order[j + 1] = w;
            }
            for (int i = start; i < end; i++) {
                if (i + 1 == end || !Arrays.equals(writes.key(order[i]), writes.key(order[i + 1]))) {
                    order[out++] = order[i];
                }
            }
            return;
        }
        int longest = 0;
        for (int i = start; i < end; i++) {
            longest = Math.max(longest, writes.key(order[i]).length);
        }
        if (next >= longest) {
            // No bytes left to tell them apart: the keys are equal, or differ only in how many zero
            // bytes they end with, and the shorter sorts first. Usually one key written many times.
            long[] byLength = new long[m];
            for (int j = 0; j < m; j++) {
                byLength[j] = (long) writes.key(order[start + j]).length << 32 | j;
            }
            Arrays.sort(byLength); // by length, then log order
            int[] run = Arrays.copyOfRange(order, start, end);
            for (int j = 0; j < m; j++) {
                if (j + 1 == m || byLength[j] >>> 32 != byLength[j + 1] >>> 32) {
                    order[out++] = run[(int) byLength[j]];
                }
            }
            return;
        }
        for (int i = start; i < end; i++) {
            prefix[i] = Bytes.word(writes.key(order[i]), next);
        }
        radixSort(start, end);
        keepRuns(writes, start, end, next + 8);
    }

    /**
     * Stable LSD radix sort of {@code prefix[from, to)} (unsigned), carrying {@code order} along;
     * the passes go back and forth between those arrays and the scratch ones, and the result ends
     * in {@link #prefix} and {@link #order}.
     */
    private void radixSort(int from, int to) {
        long[] keys = prefix;
        int[] values = order;
        long[] k2 = prefix2;
        int[] v2 = order2;
        for (int shift = 0; shift < 64; shift += 8) {
            Arrays.fill(counts, 0);
            for (int i = from; i < to; i++) {
                counts[(int) ((keys[i] >>> shift) & 0xff) + 1]++;
            }
            if (to == from || counts[(int) ((keys[from] >>> shift) & 0xff) + 1] == to - from) {
                continue; // every key has the same byte here: this pass would change nothing
            }
            for (int i = 1; i < 257; i++) {
                counts[i] += counts[i - 1];
            }
            for (int i = from; i < to; i++) {
                int b = (int) ((keys[i] >>> shift) & 0xff);
                int at = from + counts[b]++;
                k2[at] = keys[i];
                v2[at] = values[i];
            }
            long[] tk = keys;
            keys = k2;
            k2 = tk;
            int[] tv = values;
            values = v2;
            v2 = tv;
        }
        if (keys != prefix) {
            System.arraycopy(keys, from, prefix, from, to - from);
            System.arraycopy(values, from, order, from, to - from);
        }
    }
}
