package org.cairndb.log;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.cairndb.util.Bytes;
import org.cairndb.util.VarInts;

/**
 * A prepared transaction: the first phase of a two-phase commit. It holds the global transaction
 * id given by the caller (the XA layer stores the Xid here, bit for bit) and every write, so that
 * recovery can restore the transaction, still prepared, with its locks.
 *
 * <pre>
 * size  field
 *    8  prepare time, milliseconds since the epoch
 *  var  length of the global id, then its bytes
 *  var  number of operations, then each {@link Op}
 * </pre>
 */
public final class PrepareRecord extends LogRecord {

    private final long prepareMillis;
    private final byte[] globalId;
    private final List<Op> ops;

    public PrepareRecord(long txnId, long prepareMillis, byte[] globalId, List<Op> ops) {
        super(txnId);
        this.prepareMillis = prepareMillis;
        this.globalId = globalId;
        this.ops = ops;
    }

    public long prepareMillis() {
        return prepareMillis;
    }

    public byte[] globalId() {
        return globalId;
    }

    public List<Op> ops() {
        return ops;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.PREPARE;
    }

    @Override
    protected int payloadSize() {
        return 8 + VarInts.size(globalId.length) + globalId.length + Op.encodedSize(ops);
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        b.putLong(prepareMillis);
        VarInts.put(b, globalId.length);
        b.put(globalId);
        Op.writeAll(b, ops);
    }

    static PrepareRecord read(long txnId, ByteBuffer b) {
        long time = b.getLong();
        byte[] gid = new byte[VarInts.getInt(b, b.remaining())];
        b.get(gid);
        return new PrepareRecord(txnId, time, gid, Op.readAll(b));
    }

    @Override
    public String describe() {
        return "PREPARE txn " + txnId() + " global id 0x" + Bytes.hex(globalId) + " at "
                + Instant.ofEpochMilli(prepareMillis) + ", " + ops.size() + " ops";
    }
}
