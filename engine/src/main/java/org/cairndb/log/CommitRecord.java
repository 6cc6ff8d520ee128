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
    /** How many writes the record holds: those of {@link #ops}, or those a decoding handed to a sink instead. */
    private final int opCount;
    private final byte[] heuristicGlobalId;

    public CommitRecord(long txnId, long commitMillis, long prepareLsn, List<Op> ops) {
        this(txnId, commitMillis, prepareLsn, ops, null);
    }

    /**
     * {@code heuristicGlobalId} not null: an admin committed this prepared transaction (with that
     * global id) without its transaction manager.
     */
    public CommitRecord(long txnId, long commitMillis, long prepareLsn, List<Op> ops, byte[] heuristicGlobalId) {
        this(txnId, commitMillis, prepareLsn, ops, ops.size(), heuristicGlobalId);
    }

    private CommitRecord(long txnId, long commitMillis, long prepareLsn, List<Op> ops, int opCount,
            byte[] heuristicGlobalId) {
        super(txnId);
        this.commitMillis = commitMillis;
        this.prepareLsn = prepareLsn;
        this.ops = ops;
        this.opCount = opCount;
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

    @Override
    public long eventMillis() {
        return commitMillis;
    }

    public long prepareLsn() {
        return prepareLsn;
    }

    /** The writes; none when the record was decoded with a sink that received them (see {@link LogRecord#decode(RecordFrame, Op.Sink)}). */
    public List<Op> ops() {
        return ops;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.COMMIT;
    }

    @Override
    protected long payloadSize() {
        long n = 16 + Op.encodedSize(ops);
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

    /**
     * Decodes a COMMIT record for recovery's replay: its writes go to {@code sink} as they are
     * decoded (so that the values can be copied straight to where recovery keeps them) and the
     * record returned has none.
     */
    public static CommitRecord readReplaying(RecordFrame frame, Op.Sink sink) {
        if (frame.type() != LogRecordType.COMMIT) {
            throw new IllegalArgumentException("not a COMMIT record: " + frame.type());
        }
        return read(frame.txnId(), frame.flags(), frame.input(), sink);
    }

    /** Decodes the payload; with a {@code sink}, the writes go to it and the record keeps only their number. */
    static CommitRecord read(long txnId, byte flags, PayloadInput in, Op.Sink sink) {
        long time = in.getLong();
        long prepareLsn = in.getLong();
        int[] count = new int[1];
        List<Op> ops = readOps(in, sink, count);
        byte[] gid = null;
        if ((flags & FLAG_HEURISTIC) != 0) {
            gid = new byte[org.cairndb.util.VarInts.getInt(in, in.remaining())];
            in.get(gid);
        }
        return new CommitRecord(txnId, time, prepareLsn, ops, count[0], gid);
    }

    /**
     * The writes of a COMMIT or PREPARE payload: as a list, or with a {@code sink} handed to it one
     * by one (an empty list returned). Either way their number goes into {@code count[0]}.
     */
    static List<Op> readOps(PayloadInput in, Op.Sink sink, int[] count) {
        if (sink == null) {
            List<Op> ops = Op.readAll(in);
            count[0] = ops.size();
            return ops;
        }
        Op.readAll(in, counting(sink, count));
        return List.of();
    }

    /** {@code sink}, counting the writes it receives in {@code count[0]}. */
    private static Op.Sink counting(Op.Sink sink, int[] count) {
        return new Op.Sink() {
            @Override
            public void put(int dbId, byte[] key, PayloadInput in, int valueLength) {
                count[0]++;
                sink.put(dbId, key, in, valueLength);
            }

            @Override
            public void delete(int dbId, byte[] key) {
                count[0]++;
                sink.delete(dbId, key);
            }
        };
    }

    @Override
    public String describe() {
        return (heuristic() ? "HEURISTIC " : "") + "COMMIT txn " + txnId() + " at " + Instant.ofEpochMilli(commitMillis)
                + (prepareLsn != 0 ? " of prepared txn (PREPARE at " + Lsn.toString(prepareLsn) + ")" : "")
                + ", " + opCount + " ops";
    }
}
