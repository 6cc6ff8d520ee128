package org.cairndb.log;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;

/**
 * A committed transaction. A one-phase commit carries the transaction's writes; the commit of a
 * prepared transaction carries none and points at the PREPARE record that holds them.
 *
 * <pre>
 * size  field
 *    8  commit time, milliseconds since the epoch
 *    8  LSN of the PREPARE record, or 0 for a one-phase commit
 *  var  number of operations, then each {@link Op}
 * </pre>
 */
public final class CommitRecord extends LogRecord {

    private final long commitMillis;
    private final long prepareLsn;
    private final List<Op> ops;

    public CommitRecord(long txnId, long commitMillis, long prepareLsn, List<Op> ops) {
        super(txnId);
        this.commitMillis = commitMillis;
        this.prepareLsn = prepareLsn;
        this.ops = ops;
    }

    public long commitMillis() {
        return commitMillis;
    }

    public long prepareLsn() {
        return prepareLsn;
    }

    public List<Op> ops() {
        return ops;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.COMMIT;
    }

    @Override
    protected int payloadSize() {
        return 16 + Op.encodedSize(ops);
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        b.putLong(commitMillis).putLong(prepareLsn);
        Op.writeAll(b, ops);
    }

    static CommitRecord read(long txnId, ByteBuffer b) {
        long time = b.getLong();
        long prepareLsn = b.getLong();
        return new CommitRecord(txnId, time, prepareLsn, Op.readAll(b));
    }

    @Override
    public String describe() {
        return "COMMIT txn " + txnId() + " at " + Instant.ofEpochMilli(commitMillis)
                + (prepareLsn != 0 ? " of prepared txn (PREPARE at " + Lsn.toString(prepareLsn) + ")" : "")
                + ", " + ops.size() + " ops";
    }
}
