package org.cairndb.format;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Reads the primitives of docs/file-format.md from a byte array: big-endian integers of 1, 2, 4 and
 * 8 bytes, {@code var} (unsigned LEB128) and byte strings. Written from the document alone, not
 * from the engine's decoders, so that a test decoding real files with it checks the document.
 */
final class FormatReader {

    private final byte[] bytes;
    private final String where;
    private int pos;

    FormatReader(byte[] bytes, int offset, String where) {
        this.bytes = bytes;
        this.pos = offset;
        this.where = where;
    }

    int position() {
        return pos;
    }

    boolean atEnd(int end) {
        return pos >= end;
    }

    int u8() {
        need(1);
        return bytes[pos++] & 0xFF;
    }

    int u16() {
        return (u8() << 8) | u8();
    }

    int i32() {
        return (u16() << 16) | u16();
    }

    long i64() {
        return ((long) i32() << 32) | (i32() & 0xFFFFFFFFL);
    }

    /** Unsigned LEB128: 7 bits a byte, least significant group first, high bit on all but the last. */
    long var() {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            if (shift > 63) {
                throw new IllegalStateException(where + ": var longer than 64 bits at " + pos);
            }
            int b = u8();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
    }

    int varInt() {
        long v = var();
        if (v < 0 || v > Integer.MAX_VALUE) {
            throw new IllegalStateException(where + ": var " + v + " out of range at " + pos);
        }
        return (int) v;
    }

    byte[] bytes(int n) {
        need(n);
        byte[] b = Arrays.copyOfRange(bytes, pos, pos + n);
        pos += n;
        return b;
    }

    /** {@code var} length, then that many bytes. */
    byte[] varBytes() {
        return bytes(varInt());
    }

    String utf8(int n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private void need(int n) {
        if (n < 0 || pos + n > bytes.length) {
            throw new IllegalStateException(where + ": " + n + " bytes wanted at offset " + pos + " of " + bytes.length);
        }
    }

    /** The CRC-32C of {@code bytes[from, from + length)}, as the document says every checksum is. */
    static int crc32c(byte[] bytes, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, from, length);
        return (int) crc.getValue();
    }

    /** The big-endian 4-byte integer at {@code offset}. */
    static int int32At(byte[] bytes, int offset) {
        return new FormatReader(bytes, offset, "int").i32();
    }

    static boolean allZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
