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
 * </pre>
 */
public final class ForgetRecord extends LogRecord {

    private final byte[] globalId;

    public ForgetRecord(byte[] globalId) {
        super(0);
        this.globalId = globalId;
    }

    public byte[] globalId() {
        return globalId;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.FORGET;
    }

    @Override
    protected long payloadSize() {
        return VarInts.size(globalId.length) + globalId.length;
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        VarInts.put(b, globalId.length);
        b.put(globalId);
    }

    static ForgetRecord read(ByteBuffer b) {
        byte[] gid = new byte[VarInts.getInt(b, b.remaining())];
        b.get(gid);
        return new ForgetRecord(gid);
    }

    @Override
    public String describe() {
        return "FORGET heuristic outcome of global id 0x" + Bytes.hex(globalId);
    }
}
