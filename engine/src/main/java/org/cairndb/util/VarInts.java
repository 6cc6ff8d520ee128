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

    /** Where {@link #get(Source)} reads from: a stream of bytes that is not one buffer. */
    public interface Source {
        byte get();
    }

    public static long get(ByteBuffer buf) {
        // The same loop as get(Source), kept apart: pages are decoded through this one, and a method
        // reference per call is an allocation the JIT does not always remove.
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

    public static long get(Source in) {
        long v = 0;
        int shift = 0;
        while (true) {
            byte b = in.get();
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
        return checkedInt(get(buf), max);
    }

    /** Reads a value that must fit in a non-negative int no larger than {@code max}. */
    public static int getInt(Source in, int max) {
        return checkedInt(get(in), max);
    }

    private static int checkedInt(long v, int max) {
        if (v < 0 || v > max) {
            throw new IllegalArgumentException("length " + v + " exceeds the limit " + max);
        }
        return (int) v;
    }
}
