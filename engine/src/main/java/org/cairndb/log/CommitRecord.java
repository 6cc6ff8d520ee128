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
 *  var  (HEURISTIC only) length of the global id, then its bytes
 * </pre>
 *
 * A heuristic commit repeats the global id so that the decision is known even when recovery
 * starts after the PREPARE record.
 */
public final class CommitRecord extends LogRecord {

    private final long commitMillis;
    private final long prepareLsn;
    private final List<Op> ops;
    private final byte[] heuristicGlobalId;

    public CommitRecord(long txnId, long commitMillis, long prepareLsn, List<Op> ops) {
        this(txnId, commitMillis, prepareLsn, ops, null);
    }

    /**
     * {@code heuristicGlobalId} not null: an admin committed this prepared transaction (with that
     * global id) without its transaction manager.
     */
    public CommitRecord(long txnId, long commitMillis, long prepareLsn, List<Op> ops, byte[] heuristicGlobalId) {
        super(txnId);
        this.commitMillis = commitMillis;
        this.prepareLsn = prepareLsn;
        this.ops = ops;
        this.heuristicGlobalId = heuristicGlobalId;
    }

    public byte[] heuristicGlobalId() {
        return heuristicGlobalId;
    }

    public boolean heuristic() {
        return heuristicGlobalId != null;
    }

    @Override
    protected byte flags() {
        return heuristic() ? FLAG_HEURISTIC : 0;
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
        int n = 16 + Op.encodedSize(ops);
        return heuristic() ? n + org.cairndb.util.VarInts.size(heuristicGlobalId.length) + heuristicGlobalId.length : n;
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        b.putLong(commitMillis).putLong(prepareLsn);
        Op.writeAll(b, ops);
        if (heuristic()) {
            org.cairndb.util.VarInts.put(b, heuristicGlobalId.length);
            b.put(heuristicGlobalId);
        }
    }

    static CommitRecord read(long txnId, byte flags, ByteBuffer b) {
        return read(txnId, flags, b, null);
    }

    /**
     * Decodes a COMMIT record for recovery's replay: its writes go to {@code sink} as they are
     * decoded (so that the values can be copied straight to where recovery keeps them) and the
     * record returned has none.
     */
    public static CommitRecord readReplaying(RecordFrame frame, Op.Sink sink) {
        if (frame.type() != LogRecordType.COMMIT) {
            throw new IllegalArgumentException("not a COMMIT record: " + frame.type());
        }
        return read(frame.txnId(), frame.flags(), frame.payload(), sink);
    }

    private static CommitRecord read(long txnId, byte flags, ByteBuffer b, Op.Sink sink) {
        long time = b.getLong();
        long prepareLsn = b.getLong();
        List<Op> ops;
        if (sink == null) {
            ops = Op.readAll(b);
        } else {
            Op.readAll(b, sink);
            ops = List.of();
        }
        byte[] gid = null;
        if ((flags & FLAG_HEURISTIC) != 0) {
            gid = new byte[org.cairndb.util.VarInts.getInt(b, b.remaining())];
            b.get(gid);
        }
        return new CommitRecord(txnId, time, prepareLsn, ops, gid);
    }

    @Override
    public String describe() {
        return (heuristic() ? "HEURISTIC " : "") + "COMMIT txn " + txnId() + " at " + Instant.ofEpochMilli(commitMillis)
                + (prepareLsn != 0 ? " of prepared txn (PREPARE at " + Lsn.toString(prepareLsn) + ")" : "")
                + ", " + ops.size() + " ops";
    }
}
