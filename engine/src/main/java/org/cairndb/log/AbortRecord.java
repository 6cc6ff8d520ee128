package org.cairndb.log;

import java.nio.ByteBuffer;
import java.time.Instant;

/**
 * The rollback of a prepared transaction. Transactions that never prepared leave no record when
 * they roll back: their writes never reached the log.
 *
 * <pre>
 * size  field
 *    8  abort time, milliseconds since the epoch
 *    8  LSN of the PREPARE record
 * </pre>
 */
public final class AbortRecord extends LogRecord {

    private final long abortMillis;
    private final long prepareLsn;
    private final boolean heuristic;

    public AbortRecord(long txnId, long abortMillis, long prepareLsn) {
        this(txnId, abortMillis, prepareLsn, false);
    }

    /** {@code heuristic}: an admin rolled this prepared transaction back without its transaction manager. */
    public AbortRecord(long txnId, long abortMillis, long prepareLsn, boolean heuristic) {
        super(txnId);
        this.abortMillis = abortMillis;
        this.prepareLsn = prepareLsn;
        this.heuristic = heuristic;
    }

    public boolean heuristic() {
        return heuristic;
    }

    @Override
    protected byte flags() {
        return heuristic ? FLAG_HEURISTIC : 0;
    }

    public long abortMillis() {
        return abortMillis;
    }

    public long prepareLsn() {
        return prepareLsn;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.ABORT;
    }

    @Override
    protected int payloadSize() {
        return 16;
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        b.putLong(abortMillis).putLong(prepareLsn);
    }

    static AbortRecord read(long txnId, byte flags, ByteBuffer b) {
        return new AbortRecord(txnId, b.getLong(), b.getLong(), (flags & FLAG_HEURISTIC) != 0);
    }

    @Override
    public String describe() {
        return (heuristic ? "HEURISTIC " : "") + "ABORT txn " + txnId() + " at " + Instant.ofEpochMilli(abortMillis) + " (PREPARE at "
                + Lsn.toString(prepareLsn) + ")";
    }
}
