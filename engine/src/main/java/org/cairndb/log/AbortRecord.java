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
 *  var  (HEURISTIC only) length of the global id, then its bytes
 * </pre>
 */
public final class AbortRecord extends LogRecord {

    private final long abortMillis;
    private final long prepareLsn;
    private final byte[] heuristicGlobalId;

    public AbortRecord(long txnId, long abortMillis, long prepareLsn) {
        this(txnId, abortMillis, prepareLsn, null);
    }

    /** {@code heuristicGlobalId} not null: an admin rolled this prepared transaction back without its transaction manager. */
    public AbortRecord(long txnId, long abortMillis, long prepareLsn, byte[] heuristicGlobalId) {
        super(txnId);
        this.abortMillis = abortMillis;
        this.prepareLsn = prepareLsn;
        this.heuristicGlobalId = heuristicGlobalId;
    }

    public boolean heuristic() {
        return heuristicGlobalId != null;
    }

    public byte[] heuristicGlobalId() {
        return heuristicGlobalId;
    }

    @Override
    protected byte flags() {
        return heuristic() ? FLAG_HEURISTIC : 0;
    }

    public long abortMillis() {
        return abortMillis;
    }

    @Override
    public long eventMillis() {
        return abortMillis();
    }

    public long prepareLsn() {
        return prepareLsn;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.ABORT;
    }

    @Override
    protected long payloadSize() {
        return heuristic() ? 16 + org.cairndb.util.VarInts.size(heuristicGlobalId.length) + heuristicGlobalId.length : 16;
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        b.putLong(abortMillis).putLong(prepareLsn);
        if (heuristic()) {
            org.cairndb.util.VarInts.put(b, heuristicGlobalId.length);
            b.put(heuristicGlobalId);
        }
    }

    static AbortRecord read(long txnId, byte flags, ByteBuffer b) {
        long time = b.getLong();
        long prepareLsn = b.getLong();
        byte[] gid = null;
        if ((flags & FLAG_HEURISTIC) != 0) {
            gid = new byte[org.cairndb.util.VarInts.getInt(b, b.remaining())];
            b.get(gid);
        }
        return new AbortRecord(txnId, time, prepareLsn, gid);
    }

    @Override
    public String describe() {
        return (heuristic() ? "HEURISTIC " : "") + "ABORT txn " + txnId() + " at " + Instant.ofEpochMilli(abortMillis) + " (PREPARE at "
                + Lsn.toString(prepareLsn) + ")";
    }
}
