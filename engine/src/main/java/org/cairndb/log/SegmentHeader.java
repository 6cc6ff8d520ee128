package org.cairndb.log;

import java.nio.ByteBuffer;
import java.util.UUID;
import org.cairndb.util.Checksums;

/**
 * The first {@value #SIZE} bytes of every log segment. All integers big-endian.
 *
 * <pre>
 * offset size field
 *      0    8 magic "CAIRNLOG"
 *      8    4 format version (1)
 *     12    4 header size (64)
 *     16    8 segment number
 *     24   16 environment id (UUID: most significant long, then least significant long)
 *     40    8 creation time, milliseconds since the epoch
 *     48    8 end offset of the previous segment (where its last record ends; 0 for the first)
 *     56    4 size the segment was created with, in KiB (its full size, grown for a large record included)
 *     60    4 CRC-32C of bytes 0..59
 * </pre>
 *
 * The previous segment's end offset lets a reader check that the chain is continuous: the valid
 * records of segment n must end exactly where segment n+1 says they do. The size at creation lets
 * it tell a truncated segment (damage, or an incomplete copy) from one whose end was never
 * written: segments are created zero-filled at full size, so no crash leaves one shorter.
 */
public record SegmentHeader(long segment, UUID environmentId, long createdMillis, long previousEnd, long createdSize) {

    public static final int SIZE = 64;
    public static final long MAGIC = 0x434149524E4C4F47L; // "CAIRNLOG"
    public static final int FORMAT_VERSION = 1;

    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE);
        b.putLong(MAGIC).putInt(FORMAT_VERSION).putInt(SIZE).putLong(segment)
                .putLong(environmentId.getMostSignificantBits()).putLong(environmentId.getLeastSignificantBits())
                .putLong(createdMillis).putLong(previousEnd).putInt((int) (createdSize >>> 10));
        b.putInt(Checksums.crc32c(b.array(), 0, 60));
        b.flip();
        return b;
    }

    /** True when the header area holds only zero bytes (a segment created but never begun). */
    public static boolean isBlank(ByteBuffer b) {
        for (int i = 0; i < SIZE && i < b.limit(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decodes a header, or explains in the exception why the bytes are not one. The caller adds the
     * file name.
     */
    public static SegmentHeader decode(ByteBuffer b) {
        if (b.limit() < SIZE) {
            throw new IllegalArgumentException("file is shorter than a segment header (" + b.limit() + " bytes)");
        }
        if (b.getLong(0) != MAGIC) {
            throw new IllegalArgumentException("not a Cairn log segment (bad magic)");
        }
        int crc = Checksums.crc32c(b, 0, 60);
        if (crc != b.getInt(60)) {
            throw new IllegalArgumentException("segment header checksum mismatch");
        }
        int version = b.getInt(8);
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException("log format version " + version + " is not supported (this Cairn reads "
                    + FORMAT_VERSION + ")");
        }
        return new SegmentHeader(b.getLong(16), new UUID(b.getLong(24), b.getLong(32)), b.getLong(40), b.getLong(48),
                (b.getInt(56) & 0xFFFF_FFFFL) << 10);
    }
}
