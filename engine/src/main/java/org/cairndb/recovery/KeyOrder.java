package org.cairndb.recovery;

import java.util.Arrays;
import org.cairndb.util.Bytes;

/**
 * Orders a batch of writes by key for recovery's replay, keeping only the last write of each key
 * (the batch is published as one version, so earlier writes to a key would be overwritten anyway).
 * Comparing byte arrays that are scattered over the heap costs a cache miss each time; most keys
 * differ in their first eight bytes, so the writes are ordered by those bytes with a radix sort
 * over a plain array of numbers (stable, eight counting passes), and only runs of equal prefixes
 * are then sorted, and thinned, by whole key. A write whose prefix is unique is kept without its
 * key ever being read.
 */
final class KeyOrder {

    // Scratch arrays, reused from batch to batch (one KeyOrder per recovery, used by one thread).
    private long[] prefix = new long[0];
    private int[] order = new int[0];
    private long[] prefix2 = new long[0];
    private int[] order2 = new int[0];
    private final int[] counts = new int[257];

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
        radixSort(n);
        // The writes kept, in key order, collected at the front of order[] (never past where the
        // scan reads: a run is copied out before any of its slots is overwritten).
        int out = 0;
        for (int start = 0; start < n; ) {
            int end = start + 1;
            while (end < n && prefix[end] == prefix[start]) {
                end++;
            }
            if (end - start == 1) {
                order[out++] = order[start];
            } else {
                // Equal prefixes: order by the whole key, keeping log order among equal keys (a stable
                // sort), then keep the last of each key.
                Integer[] run = new Integer[end - start];
                for (int i = start; i < end; i++) {
                    run[i - start] = order[i];
                }
                Arrays.sort(run, (a, b) -> Bytes.compare(writes.key(a), writes.key(b)));
                for (int i = 0; i < run.length; i++) {
                    if (i + 1 == run.length || !Arrays.equals(writes.key(run[i]), writes.key(run[i + 1]))) {
                        order[out++] = run[i];
                    }
                }
            }
            start = end;
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
     * Stable LSD radix sort of the first {@code n} prefixes (unsigned), carrying the order along;
     * the passes go back and forth between the arrays and the result ends in {@link #prefix} and
     * {@link #order}.
     */
    private void radixSort(int n) {
        long[] keys = prefix;
        int[] values = order;
        long[] k2 = prefix2;
        int[] v2 = order2;
        for (int shift = 0; shift < 64; shift += 8) {
            Arrays.fill(counts, 0);
            for (int i = 0; i < n; i++) {
                counts[(int) ((keys[i] >>> shift) & 0xff) + 1]++;
            }
            if (n == 0 || counts[(int) ((keys[0] >>> shift) & 0xff) + 1] == n) {
                continue; // every key has the same byte here: this pass would change nothing
            }
            for (int i = 1; i < 257; i++) {
                counts[i] += counts[i - 1];
            }
            for (int i = 0; i < n; i++) {
                int b = (int) ((keys[i] >>> shift) & 0xff);
                int at = counts[b]++;
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
        prefix = keys;
        order = values;
        prefix2 = k2;
        order2 = v2;
    }
}
