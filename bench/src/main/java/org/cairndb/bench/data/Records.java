package org.cairndb.bench.data;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The records every benchmark uses: 16-byte keys and 100-byte values, both derived from a record
 * number so that a reader can check what it gets back without keeping a copy.
 *
 * <p>A key is the record number big-endian in its first 8 bytes (so key order is number order,
 * and loading numbers in order is a sequential load), followed by 8 bytes of a hash of it (so that
 * no store can profit from keys that are mostly zeros). Values are pseudo-random, so compression
 * gains nothing.
 */
public final class Records {

    public static final int KEY_SIZE = 16;
    public static final int VALUE_SIZE = 100;

    private Records() {
    }

    public static byte[] key(long n) {
        byte[] k = new byte[KEY_SIZE];
        putLong(k, 0, n);
        putLong(k, 8, mix(n));
        return k;
    }

    /** The value stored under {@code key(n)} by loads. */
    public static byte[] value(long n) {
        byte[] v = new byte[VALUE_SIZE];
        new SplittableRandom(mix(n ^ 0x5DEECE66DL)).nextBytes(v);
        return v;
    }

    public static boolean isValue(long n, byte[] v) {
        return v != null && Arrays.equals(v, value(n));
    }

    /** A good 64-bit mixer (the finalizer of SplitMix64). */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public static void putLong(byte[] b, int off, long v) {
        for (int i = 7; i >= 0; i--) {
            b[off + i] = (byte) v;
            v >>>= 8;
        }
    }

    public static long getLong(byte[] b, int off) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[off + i] & 0xFF);
        }
        return v;
    }
}
