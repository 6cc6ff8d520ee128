package org.cairndb.log;

import java.nio.ByteBuffer;
import org.cairndb.util.Bytes;
import org.cairndb.util.VarInts;

/**
 * The end of a heuristically completed transaction's record: the transaction manager (or an
 * admin) called forget, and the environment no longer reports the outcome.
 *
 * <pre>
 * size  field
 *  var  length of the global id, then its bytes
 *    8  time (ms), as in COMMIT; absent in records written before it existed (read as 0)
 * </pre>
 *
 * The time lets a recovery to a point in time stop at a forget made after its target, as at a
 * commit: without it, a forget after the target was replayed whenever no timed record lay between
 * the target and it, and an outcome the environment still remembered at the target was gone.
 */
public final class ForgetRecord extends LogRecord {

    private final byte[] globalId;
    private final long millis;

    public ForgetRecord(byte[] globalId, long millis) {
        super(0);
        this.globalId = globalId;
        this.millis = millis;
    }

    public byte[] globalId() {
        return globalId;
    }

    /** When the outcome was forgotten (ms since the epoch), or 0 for a record written before FORGET carried a time. */
    public long millis() {
        return millis;
    }

    @Override
    public long eventMillis() {
        return millis > 0 ? millis : -1;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.FORGET;
    }

    @Override
    protected long payloadSize() {
        return VarInts.size(globalId.length) + globalId.length + 8;
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        VarInts.put(b, globalId.length);
        b.put(globalId);
        b.putLong(millis);
    }

    static ForgetRecord read(ByteBuffer b) {
        byte[] gid = new byte[VarInts.getInt(b, b.remaining())];
        b.get(gid);
        long millis = b.remaining() >= 8 ? b.getLong() : 0;
        return new ForgetRecord(gid, millis);
    }

    @Override
    public String describe() {
        return "FORGET heuristic outcome of global id 0x" + Bytes.hex(globalId)
                + (millis > 0 ? " at " + java.time.Instant.ofEpochMilli(millis) : "");
    }
}
