package org.cairndb.format;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The 64-byte header at offset 0 of every log segment (docs/file-format.md, "Segment header"):
 *
 * <pre>
 *  0  8  magic "CAIRNLOG"
 *  8  4  format version (1)
 * 12  4  header size (64)
 * 16  8  segment number (matches the file name)
 * 24 16  environment id (UUID, most significant long first)
 * 40  8  creation time, ms since the epoch
 * 48  8  end offset of the previous segment's last record (0 for the first segment)
 * 56  4  size the segment was created with, in KiB (grown for a large record included)
 * 60  4  CRC-32C of bytes 0..59
 * </pre>
 */
record DocumentedSegmentHeader(String magic, int version, int headerSize, long number, UUID environmentId,
        long createdMillis, long previousEnd, int sizeKiB, int storedCrc, int computedCrc) {

    static final int SIZE = 64;

    static DocumentedSegmentHeader decode(byte[] file, String name) {
        FormatReader r = new FormatReader(file, 0, name + " header");
        String magic = new String(r.bytes(8), StandardCharsets.ISO_8859_1);
        int version = r.i32();
        int headerSize = r.i32();
        long number = r.i64();
        UUID id = new UUID(r.i64(), r.i64());
        long created = r.i64();
        long previousEnd = r.i64();
        int sizeKiB = r.i32();
        int stored = r.i32();
        return new DocumentedSegmentHeader(magic, version, headerSize, number, id, created, previousEnd, sizeKiB,
                stored, FormatReader.crc32c(file, 0, 60));
    }
}
