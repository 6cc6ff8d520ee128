package org.cairndb.format;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * One copy of a data file's header (docs/file-format.md, "Header (pages 0 and 1; 512 bytes used,
 * the rest zero)"). Offsets 376..399, the last commit the checkpoint holds, and 400..407, the time of
 * the latest other change before the checkpoint LSN, were added later.
 */
record DocumentedDataFileHeader(int page, String magic, int version, int pageSize, long generation, UUID environmentId,
        int databaseId, int reserved44, long checkpointLsn, long checkpointTime, long rootPage, long recordCount,
        long filePages, long spaceMapPage, int spaceMapPages, int reserved100, long nextTxnId, int nextDatabaseId,
        String name, int nameLength, long lastCommitTxn, long lastCommitTime, long lastCommitEndLsn, long otherChangeTime, int storedCrc,
        int computedCrc, boolean restZero) {

    static final int USED = 512;

    boolean valid() {
        return "CAIRNDB\0".equals(magic) && storedCrc == computedCrc;
    }

    /** Decodes the copy in page {@code page} (0 or 1) of a file of {@code pageSize}-byte pages. */
    static DocumentedDataFileHeader decode(byte[] file, int page, int pageSize, String where) {
        int base = page * pageSize;
        FormatReader r = new FormatReader(file, base, where + " header copy " + page);
        String magic = new String(r.bytes(8), StandardCharsets.ISO_8859_1);
        int version = r.i32();
        int ps = r.i32();
        long generation = r.i64();
        UUID env = new UUID(r.i64(), r.i64());
        int db = r.i32();
        int reserved44 = r.i32();
        long ckptLsn = r.i64();
        long ckptTime = r.i64();
        long root = r.i64();
        long records = r.i64();
        long pages = r.i64();
        long spaceMap = r.i64();
        int spaceMapPages = r.i32();
        int reserved100 = r.i32();
        long nextTxn = r.i64();
        int nextDb = r.i32();
        int nameLength = r.u16();
        String name = new String(file, base + 118, Math.min(nameLength, 255), StandardCharsets.UTF_8);
        r = new FormatReader(file, base + 376, where);
        long lastTxn = r.i64();
        long lastTime = r.i64();
        long lastEnd = r.i64();
        long otherChange = r.i64();
        int stored = FormatReader.int32At(file, base + 508);
        int computed = FormatReader.crc32c(file, base, 508);
        boolean restZero = FormatReader.allZero(file, base + 118 + Math.min(nameLength, 255), base + 376)
                && FormatReader.allZero(file, base + 408, base + 508)
                && FormatReader.allZero(file, base + USED, base + pageSize);
        return new DocumentedDataFileHeader(page, magic, version, ps, generation, env, db, reserved44, ckptLsn, ckptTime,
                root, records, pages, spaceMap, spaceMapPages, reserved100, nextTxn, nextDb, name, nameLength, lastTxn,
                lastTime, lastEnd, otherChange, stored, computed, restZero);
    }
}
