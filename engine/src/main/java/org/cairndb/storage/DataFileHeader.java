package org.cairndb.storage;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.cairndb.log.CommitPoint;
import org.cairndb.util.Checksums;

/**
 * The header of a data file. Pages 0 and 1 each hold one copy; a checkpoint writes the copy of
 * generation {@code g} to page {@code g % 2}, after every page it refers to has been forced, so
 * the other copy (the previous checkpoint) is intact whatever happens to this write. On open the
 * valid copy with the higher generation wins. Integers big-endian; the rest of the page is zero.
 * The last-commit and other-change fields came later in format version 1; files written before
 * hold zeros there, which read as unknown.
 *
 * <pre>
 * offset size field
 *      0    8 magic "CAIRNDB\0"
 *      8    4 format version (1)
 *     12    4 page size
 *     16    8 generation (checkpoints of this file; 1 when created)
 *     24   16 environment id (UUID, most significant long first)
 *     40    4 database id
 *     44    4 reserved (0)
 *     48    8 checkpoint LSN: recovery of this version starts here
 *     56    8 checkpoint time, milliseconds since the epoch: when this header was written
 *              (the time the pending extents this checkpoint freed are counted from)
 *     64    8 root page (0: empty database)
 *     72    8 number of records
 *     80    8 file size in pages (high-water mark)
 *     88    8 first page of the space map (0: none)
 *     96    4 pages of the space map
 *    100    4 reserved (0)
 *    104    8 next transaction id when this checkpoint began
 *    112    4 next database id at this checkpoint
 *    116    2 length of the database name
 *    118  ... database name, UTF-8 (at most 255 bytes; names are 1..100 ASCII characters)
 *    376    8 last commit the checkpoint holds: transaction id (0: unknown)
 *    384    8 its commit time, milliseconds since the epoch (0: unknown)
 *    392    8 where it lies in the log: the end LSN of its COMMIT record, or for a NOT_DURABLE
 *              commit the end of the log when it committed (0: unknown)
 *    400    8 the latest change before the checkpoint LSN made other than by a commit (a
 *              PREPARE, an ABORT, a database created or removed, an outcome forgotten): its time,
 *              milliseconds since the epoch (0: none, or unknown)
 *    508    4 CRC-32C of bytes 0..507
 * </pre>
 */
public record DataFileHeader(int pageSize, long generation, UUID environmentId, int dbId, long checkpointLsn,
        long checkpointMillis, long rootPage, long recordCount, long pageCount, long spaceMapPage, int spaceMapPages,
        long nextTxnId, int nextDbId, String name, CommitPoint lastCommit, long otherChangeMillis) {

    public static final long MAGIC = 0x434149524E444200L; // "CAIRNDB\0"
    public static final int FORMAT_VERSION = 1;
    public static final int SIZE = 512;
    public static final int MAX_NAME_BYTES = 255;

    public ByteBuffer encode() {
        ByteBuffer b = ByteBuffer.allocate(pageSize);
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        b.putLong(MAGIC).putInt(FORMAT_VERSION).putInt(pageSize).putLong(generation)
                .putLong(environmentId.getMostSignificantBits()).putLong(environmentId.getLeastSignificantBits())
                .putInt(dbId).putInt(0).putLong(checkpointLsn).putLong(checkpointMillis).putLong(rootPage)
                .putLong(recordCount).putLong(pageCount).putLong(spaceMapPage).putInt(spaceMapPages).putInt(0)
                .putLong(nextTxnId).putInt(nextDbId).putShort((short) n.length).put(n);
        b.putLong(376, lastCommit.txnId()).putLong(384, lastCommit.millis()).putLong(392, lastCommit.lsn());
        b.putLong(400, otherChangeMillis);
        b.putInt(508, Checksums.crc32c(b.array(), 0, 508));
        b.clear();
        return b;
    }

    /** Decodes one header copy, or throws {@link IllegalArgumentException} saying why it is not valid. */
    public static DataFileHeader decode(ByteBuffer b) {
        if (b.getLong(0) != MAGIC) {
            boolean zero = true;
            for (int i = 0; i < SIZE && zero; i++) {
                zero = b.get(i) == 0;
            }
            throw new IllegalArgumentException(zero ? "header copy is blank" : "not a Cairn data file (bad magic)");
        }
        if (Checksums.crc32c(b, 0, 508) != b.getInt(508)) {
            throw new IllegalArgumentException("header checksum mismatch");
        }
        int version = b.getInt(8);
        if (version != FORMAT_VERSION) {
            throw new IllegalArgumentException("data file format version " + version + " is not supported (this Cairn reads "
                    + FORMAT_VERSION + ")");
        }
        int nameLen = b.getShort(116) & 0xFFFF;
        if (nameLen > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("name length " + nameLen + " is too long");
        }
        byte[] n = new byte[nameLen];
        b.get(118, n);
        return new DataFileHeader(b.getInt(12), b.getLong(16), new UUID(b.getLong(24), b.getLong(32)), b.getInt(40),
                b.getLong(48), b.getLong(56), b.getLong(64), b.getLong(72), b.getLong(80), b.getLong(88), b.getInt(96),
                b.getLong(104), b.getInt(112), new String(n, StandardCharsets.UTF_8),
                new CommitPoint(b.getLong(376), b.getLong(384), b.getLong(392)), b.getLong(400));
    }

    public DataFileHeader next(long lsn, long millis, long root, long records, long pages, long mapPage, int mapPages,
            long nextTxn, int nextDb, CommitPoint last, long otherChange) {
        return new DataFileHeader(pageSize, generation + 1, environmentId, dbId, lsn, millis, root, records, pages, mapPage,
                mapPages, nextTxn, nextDb, name, last, otherChange);
    }
}
