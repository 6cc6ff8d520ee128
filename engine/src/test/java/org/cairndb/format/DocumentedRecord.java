package org.cairndb.format;

/**
 * One log record's frame (docs/file-format.md, "Record frame"), found at {@code lsn}:
 *
 * <pre>
 *  0    4  total length n of the record, frame included
 *  4    1  type
 *  5    1  flags: bit 0 HEURISTIC; others 0
 *  6    2  reserved (0)
 *  8    8  transaction id (0 when none)
 * 16    8  durable LSN: the log was forced up to here when this record was written
 * 24  n-28 payload
 * n-4   4  CRC-32C of bytes 0..n-5
 * </pre>
 */
record DocumentedRecord(long lsn, int length, int type, int flags, int reserved, long txnId, long durableLsn,
        byte[] payload, int storedCrc, int computedCrc, DocumentedPayload decoded) {

    static final int FRAME = 28;
    static final int HEURISTIC = 1;

    static DocumentedRecord decode(byte[] segment, int offset, long segmentNumber, String name) {
        FormatReader r = new FormatReader(segment, offset, name + " record at " + offset);
        int length = r.i32();
        if (length < FRAME || offset + length > segment.length) {
            throw new IllegalStateException(name + ": record at " + offset + " has length " + length);
        }
        int type = r.u8();
        int flags = r.u8();
        int reserved = r.u16();
        long txn = r.i64();
        long durable = r.i64();
        byte[] payload = r.bytes(length - FRAME);
        int stored = r.i32();
        int computed = FormatReader.crc32c(segment, offset, length - 4);
        DocumentedPayload decoded = DocumentedPayload.decode(type, (flags & HEURISTIC) != 0, payload,
                name + " record at " + offset);
        return new DocumentedRecord(Lsn.of(segmentNumber, offset), length, type, flags, reserved, txn, durable,
                payload, stored, computed, decoded);
    }

    /** The LSN just past this record: where the next one starts. */
    long endLsn() {
        return lsn + length;
    }

    boolean heuristic() {
        return (flags & HEURISTIC) != 0;
    }
}
