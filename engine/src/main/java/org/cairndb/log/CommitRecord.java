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
    private final boolean heuristic;

    public CommitRecord(long txnId, long commitMillis, long prepareLsn, List<Op> ops) {
        this(txnId, commitMillis, prepareLsn, ops, false);
    }

    /** {@code heuristic}: an admin committed this prepared transaction without its transaction manager. */
    public CommitRecord(long txnId, long commitMillis, long prepareLsn, List<Op> ops, boolean heuristic) {
        super(txnId);
        this.commitMillis = commitMillis;
        this.prepareLsn = prepareLsn;
        this.ops = ops;
        this.heuristic = heuristic;
    }

    public boolean heuristic() {
        return heuristic;
    }

    @Override
    protected byte flags() {
        return heuristic ? FLAG_HEURISTIC : 0;
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

    static CommitRecord read(long txnId, byte flags, ByteBuffer b) {
        long time = b.getLong();
        long prepareLsn = b.getLong();
        return new CommitRecord(txnId, time, prepareLsn, Op.readAll(b), (flags & FLAG_HEURISTIC) != 0);
    }

    @Override
    public String describe() {
        return (heuristic ? "HEURISTIC " : "") + "COMMIT txn " + txnId() + " at " + Instant.ofEpochMilli(commitMillis)
                + (prepareLsn != 0 ? " of prepared txn (PREPARE at " + Lsn.toString(prepareLsn) + ")" : "")
                + ", " + ops.size() + " ops";
    }
}
