package org.cairndb.format;

/**
 * The header of every data-file page but 0 and 1 (docs/file-format.md, "Pages"):
 *
 * <pre>
 *  0 4  CRC-32C of bytes 4 .. page size - 1
 *  4 1  type: 1 leaf, 2 branch, 3 overflow, 4 space map
 *  5 1  flags (0)
 *  6 2  entry count (leaf: entries; branch: children; others 0)
 *  8 8  this page's number
 * 16 4  database id
 * 20 4  payload length
 * 24 8  generation of the checkpoint that wrote it
 * 32 …  payload; the rest of the page is zero
 * </pre>
 */
record DocumentedPage(long number, int storedCrc, int computedCrc, int type, int flags, int entries, long numberInPage,
        int databaseId, int payloadLength, long generation, int payloadOffset, boolean restZero) {

    static final int HEADER = 32;
    static final int LEAF = 1, BRANCH = 2, OVERFLOW = 3, SPACE_MAP = 4;

    static DocumentedPage decode(byte[] file, long number, int pageSize, String where) {
        int base = Math.toIntExact(number * pageSize);
        FormatReader r = new FormatReader(file, base, where + " page " + number);
        int stored = r.i32();
        int type = r.u8();
        int flags = r.u8();
        int entries = r.u16();
        long self = r.i64();
        int db = r.i32();
        int length = r.i32();
        long generation = r.i64();
        int computed = FormatReader.crc32c(file, base + 4, pageSize - 4);
        boolean restZero = length >= 0 && HEADER + length <= pageSize
                && FormatReader.allZero(file, base + HEADER + length, base + pageSize);
        return new DocumentedPage(number, stored, computed, type, flags, entries, self, db, length, generation,
                base + HEADER, restZero);
    }
}
