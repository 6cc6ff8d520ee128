package org.cairndb.util;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;

/** Byte-array helpers: the key order, and printable forms for error messages. */
public final class Bytes {

    /** The order of keys: unsigned lexicographic, a shorter key before any longer key it prefixes. */
    public static final Comparator<byte[]> ORDER = Arrays::compareUnsigned;

    public static final byte[] EMPTY = new byte[0];

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Bytes() {
    }

    /**
     * A well-mixed hash of a byte array (a multiply-and-shift step per eight bytes, FNV-1a for the
     * rest, then a 64-bit finalizer), for in-memory tables only: it is never stored.
     * {@link Arrays#hashCode(byte[])} maps keys that differ only in their last bytes (counters,
     * ids) to few values, which turns hash tables into lists.
     */
    public static int hash(byte[] b) {
        // Eight bytes at a time (a fixed byte order, so the same on every platform), the rest one
        // by one, then a final mix: every key written and locked is hashed twice on its way to a
        // commit, and a byte-at-a-time loop was a multiply per byte in one dependent chain.
        long h = 0xcbf29ce484222325L ^ b.length;
        int i = 0;
        for (; i + 8 <= b.length; i += 8) {
            h = (h ^ (long) LONGS.get(b, i)) * 0x9e3779b97f4a7c15L;
            h ^= h >>> 29;
        }
        for (; i < b.length; i++) {
            h = (h ^ (b[i] & 0xff)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return (int) h;
    }

    public static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    /**
     * The first eight bytes of a key, big-endian, zero-padded. Compared as unsigned numbers, a
     * smaller prefix means a smaller key; equal prefixes say nothing (keys shorter than eight bytes
     * are padded, so {@code [1]} and {@code [1, 0]} share one), and the keys must then be compared
     * whole. Lets a search order keys by a number held in a plain array instead of reading each key.
     */
    public static long prefix(byte[] key) {
        return word(key, 0);
    }

    /**
     * Eight bytes of a key from byte {@code from} on, big-endian, zero-padded past its end: {@link
     * #prefix} is {@code word(key, 0)}. Keys whose words agree up to some {@code from} are ordered by
     * their words at {@code from}, as far as those differ.
     */
    public static long word(byte[] key, int from) {
        if (key.length >= from + 8) {
            return (key[from] & 0xffL) << 56 | (key[from + 1] & 0xffL) << 48 | (key[from + 2] & 0xffL) << 40
                    | (key[from + 3] & 0xffL) << 32 | (key[from + 4] & 0xffL) << 24 | (key[from + 5] & 0xffL) << 16
                    | (key[from + 6] & 0xffL) << 8 | (key[from + 7] & 0xffL);
        }
        long p = 0;
        for (int i = from; i < from + 8; i++) {
            p = (p << 8) | (i < key.length ? key[i] & 0xff : 0);
        }
        return p;
    }

    /** {@link #prefix} of each key, in an array as long as {@code keys}; 0 for a null slot. */
    public static long[] prefixes(byte[][] keys) {
        long[] p = new long[keys.length];
        for (int i = 0; i < keys.length; i++) {
            p[i] = keys[i] == null ? 0 : prefix(keys[i]);
        }
        return p;
    }

    /** Key {@code a} against key {@code b}, given their {@link #prefix}es: reads the keys only when the prefixes are equal. */
    public static int compare(long prefixA, byte[] a, long prefixB, byte[] b) {
        int c = Long.compareUnsigned(prefixA, prefixB);
        return c != 0 ? c : compare(a, b);
    }

    public static String hex(byte[] b) {
        return hex(b, 0, b.length);
    }

    public static String hex(byte[] b, int off, int len) {
        char[] out = new char[len * 2];
        for (int i = 0; i < len; i++) {
            int v = b[off + i] & 0xff;
            out[2 * i] = HEX[v >>> 4];
            out[2 * i + 1] = HEX[v & 15];
        }
        return new String(out);
    }

    /**
     * A short, readable form of a key for messages: the text in quotes when it is printable ASCII,
     * hex otherwise; long keys are cut with their length given.
     */
    public static String describe(byte[] key) {
        if (key == null) {
            return "null";
        }
        int shown = Math.min(key.length, 48);
        boolean printable = true;
        for (int i = 0; i < shown; i++) {
            int c = key[i] & 0xff;
            if (c < 0x20 || c > 0x7e) {
                printable = false;
                break;
            }
        }
        String body = printable
                ? "'" + new String(key, 0, shown, StandardCharsets.US_ASCII) + "'"
                : "0x" + hex(key, 0, shown);
        return shown < key.length ? body + "... (" + key.length + " bytes)" : body;
    }
}
