package org.cairndb.log;

import java.nio.ByteBuffer;
import org.cairndb.util.Checksums;

/**
 * A record of the write-ahead log. Every record is framed the same way (big-endian):
 *
 * <pre>
 * offset size field
 *      0    4 record length n, header and checksum included
 *      4    1 record type (see {@link LogRecordType})
 *      5    1 flags: bit 0 HEURISTIC (on a COMMIT or ABORT: an admin's decision); others 0
 *      6    2 reserved (0)
 *      8    8 transaction id (0 when the record belongs to no transaction)
 *     16    8 durable LSN: the log was forced up to here when this record was written
 *     24  n-28 payload, laid out by the record's class
 *    n-4    4 CRC-32C of bytes 0..n-5
 * </pre>
 *
 * The durable LSN lets recovery tell a torn tail from real damage: bytes before any valid record's
 * durable LSN had been forced, so a bad record there is corruption, never an unfinished write.
 */
public abstract class LogRecord {

    public static final int HEADER_SIZE = 24;
    public static final int TRAILER_SIZE = 4;
    public static final int OVERHEAD = HEADER_SIZE + TRAILER_SIZE;

    /**
     * The largest record the log holds, frame included. The frame's length is a 4-byte field that
     * readers take as a signed int (a negative one is damage), and a record is built whole in one
     * buffer, whose array Java allocates only somewhat short of {@code Integer.MAX_VALUE}. A
     * transaction's writes all go into its one COMMIT (or PREPARE) record, so this bounds a
     * transaction: see {@code EnvironmentConfig.MAX_TXN_BYTES}.
     */
    public static final int MAX_SIZE = Integer.MAX_VALUE - 8;

    private final long txnId;

    protected LogRecord(long txnId) {
        this.txnId = txnId;
    }

    public final long txnId() {
        return txnId;
    }

    public abstract LogRecordType type();

    /**
     * The time of what this record logs, in ms since the epoch, for the records whose times never
     * go backwards in log order: COMMIT, PREPARE, ABORT, DATABASE_CREATE, DATABASE_REMOVE and
     * FORGET (a recovery to a point in time stops at the first of them past its target). -1 for the
     * others (a CHECKPOINT's time is when it was built, outside that order) and for a creation,
     * removal or forget written before those records carried a time.
     */
    public long eventMillis() {
        return -1;
    }

    /** Bit of the frame's flags byte marking an admin's heuristic decision on a prepared transaction. */
    public static final byte FLAG_HEURISTIC = 1;

    /** The frame's flags byte. */
    protected byte flags() {
        return 0;
    }

    protected abstract long payloadSize();

    protected abstract void writePayload(ByteBuffer b);

    /** A one-line description for {@code cairn printlog}. */
    public abstract String describe();

    /**
     * Total bytes this record takes in the log. A record larger than {@link #MAX_SIZE} is refused
     * here, before the log changes, rather than let its size wrap round to a wrong int.
     */
    public final int size() {
        long size = OVERHEAD + payloadSize();
        if (size > MAX_SIZE) {
            throw new IllegalArgumentException(type() + " record of " + size + " bytes is larger than the largest the log holds ("
                    + MAX_SIZE + " bytes)");
        }
        return (int) size;
    }

    /** Writes the framed record at the buffer's position. */
    public final void writeTo(ByteBuffer b, long durableLsn) {
        int start = b.position();
        int size = size();
        b.putInt(size).put(type().code()).put(flags()).putShort((short) 0).putLong(txnId).putLong(durableLsn);
        writePayload(b);
        int end = b.position();
        if (end - start != size - TRAILER_SIZE) {
            throw new IllegalStateException(type() + " wrote " + (end - start) + " bytes, expected " + (size - TRAILER_SIZE));
        }
        b.putInt(Checksums.crc32c(b, start, end));
    }

    /** Decodes a record from a frame that {@link SegmentReader} has already checked. */
    public static LogRecord decode(RecordFrame frame) {
        return decode(frame, null);
    }

    /**
     * Decodes a record from a frame that {@link SegmentReader} has already checked. With {@code
     * writes} not null, a COMMIT's or PREPARE's writes are handed to it as they are decoded instead of
     * being kept in the record, which then knows only how many there were: so that a reader may
     * skip values it does not need instead of holding a whole transaction's.
     */
    public static LogRecord decode(RecordFrame frame, Op.Sink writes) {
        return switch (frame.type()) {
            case COMMIT -> CommitRecord.read(frame.txnId(), frame.flags(), frame.input(), writes);
            case PREPARE -> PrepareRecord.read(frame.txnId(), frame.input(), writes);
            case ABORT -> AbortRecord.read(frame.txnId(), frame.flags(), frame.wholePayload());
            case CHECKPOINT -> CheckpointRecord.read(frame.wholePayload());
            case DATABASE_CREATE -> DatabaseCreateRecord.read(frame.wholePayload());
            case DATABASE_REMOVE -> DatabaseRemoveRecord.read(frame.wholePayload());
            case FORGET -> ForgetRecord.read(frame.wholePayload());
        };
    }
}
