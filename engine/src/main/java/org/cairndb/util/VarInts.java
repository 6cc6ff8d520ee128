package org.cairndb.util;

import java.nio.ByteBuffer;

/**
 * Unsigned variable-length integers, 7 bits per byte, least significant group first, high bit set
 * on every byte but the last (the LEB128 form). Values 0..127 take one byte.
 */
public final class VarInts {

    private VarInts() {
    }

    public static int size(long v) {
        int n = 1;
        while ((v & ~0x7FL) != 0) {
            v >>>= 7;
            n++;
        }
        return n;
    }

    public static void put(ByteBuffer buf, long v) {
        while ((v & ~0x7FL) != 0) {
            buf.put((byte) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        buf.put((byte) v);
    }

    public static long get(ByteBuffer buf) {
        long v = 0;
        int shift = 0;
        while (true) {
            byte b = buf.get();
            v |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return v;
            }
            shift += 7;
            if (shift > 63) {
                throw new IllegalArgumentException("variable-length integer longer than 10 bytes");
            }
        }
    }

    /** Reads a value that must fit in a non-negative int no larger than {@code max}. */
    public static int getInt(ByteBuffer buf, int max) {
        long v = get(buf);
        if (v < 0 || v > max) {
            throw new IllegalArgumentException("length " + v + " exceeds the limit " + max);
        }
        return (int) v;
    }
}
