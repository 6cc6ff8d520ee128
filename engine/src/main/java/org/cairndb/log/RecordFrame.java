package org.cairndb.log;

import java.nio.ByteBuffer;
import org.cairndb.io.StorageFile;

/**
 * A record as read from the log, checksum verified, payload not yet decoded.
 *
 * <p>{@code payload} is the payload in memory, or null for a record read in pieces (see
 * {@link LogScanner#readingLargeRecordsInPieces}): its payload is then read from {@code segment},
 * the open segment, through {@link #input()}, only while the scan is visiting it.
 */
public record RecordFrame(long lsn, int size, LogRecordType type, byte flags, long txnId, long durableLsn, ByteBuffer payload,
        StorageFile segment) {

    /** A record read whole. */
    public RecordFrame(long lsn, int size, LogRecordType type, byte flags, long txnId, long durableLsn, ByteBuffer payload) {
        this(lsn, size, type, flags, txnId, durableLsn, payload, null);
    }

    /** LSN just past this record. */
    public long endLsn() {
        return lsn + size;
    }

    /** The payload, to be read front to back: from memory, or from the segment a piece at a time. */
    public PayloadInput input() {
        if (payload != null) {
            return PayloadInput.of(payload);
        }
        long start = Lsn.offset(lsn) + LogRecord.HEADER_SIZE;
        return PayloadInput.of(segment, start, Lsn.offset(lsn) + size - LogRecord.TRAILER_SIZE);
    }

    /** The payload whole, in a buffer of its own: for records that are small whatever their writes (not COMMIT or PREPARE). */
    ByteBuffer wholePayload() {
        if (payload != null) {
            return payload.duplicate();
        }
        PayloadInput in = input();
        byte[] all = new byte[in.remaining()];
        in.get(all);
        return ByteBuffer.wrap(all);
    }

    public LogRecord decode() {
        return LogRecord.decode(this);
    }
}
