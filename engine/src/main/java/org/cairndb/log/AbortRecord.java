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

    public AbortRecord(long txnId, long abortMillis, long prepareLsn) {
        super(txnId);
        this.abortMillis = abortMillis;
        this.prepareLsn = prepareLsn;
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

    static AbortRecord read(long txnId, ByteBuffer b) {
        return new AbortRecord(txnId, b.getLong(), b.getLong());
    }

    @Override
    public String describe() {
        return "ABORT txn " + txnId() + " at " + Instant.ofEpochMilli(abortMillis) + " (PREPARE at "
                + Lsn.toString(prepareLsn) + ")";
    }
}
