package org.cairndb.log;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.util.Bytes;
import org.cairndb.util.VarInts;

/**
 * A prepared transaction: the first phase of a two-phase commit. It holds the global transaction
 * id given by the caller (the XA layer stores the Xid here, bit for bit), every write, and the
 * keys it holds locked without writing them (read with {@code getForUpdate}, or read under
 * SERIALIZABLE, whose reads are locked from the prepare on), so that recovery can restore the
 * transaction, still prepared, with all its locks.
 *
 * <pre>
 * size  field
 *    8  prepare time, milliseconds since the epoch
 *  var  length of the global id, then its bytes
 *  var  number of operations, then each {@link Op}
 *  var  number of keys locked but not written, then for each:  (absent when none)
 *         var database id, var key length, key
 * </pre>
 */
public final class PrepareRecord extends LogRecord {

    private final long prepareMillis;
    private final byte[] globalId;
    private final List<Op> ops;
    private final List<LockedKey> locked;

    /** A key the prepared transaction holds locked without writing it. */
    public record LockedKey(int dbId, byte[] key) {
        int encodedSize() {
            return VarInts.size(dbId) + VarInts.size(key.length) + key.length;
        }
    }

    public PrepareRecord(long txnId, long prepareMillis, byte[] globalId, List<Op> ops, List<LockedKey> locked) {
        super(txnId);
        this.prepareMillis = prepareMillis;
        this.globalId = globalId;
        this.ops = ops;
        this.locked = locked;
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

    /** Keys locked but not written: they are locked again when recovery restores the transaction. */
    public List<LockedKey> lockedKeys() {
        return locked;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.PREPARE;
    }

    @Override
    protected int payloadSize() {
        int n = 8 + VarInts.size(globalId.length) + globalId.length + Op.encodedSize(ops);
        if (!locked.isEmpty()) {
            n += VarInts.size(locked.size());
            for (LockedKey k : locked) {
                n += k.encodedSize();
            }
        }
        return n;
    }

    @Override
    protected void writePayload(ByteBuffer b) {
        b.putLong(prepareMillis);
        VarInts.put(b, globalId.length);
        b.put(globalId);
        Op.writeAll(b, ops);
        if (!locked.isEmpty()) {
            VarInts.put(b, locked.size());
            for (LockedKey k : locked) {
                VarInts.put(b, k.dbId());
                VarInts.put(b, k.key().length);
                b.put(k.key());
            }
        }
    }

    static PrepareRecord read(long txnId, ByteBuffer b) {
        long time = b.getLong();
        byte[] gid = new byte[VarInts.getInt(b, b.remaining())];
        b.get(gid);
        List<Op> ops = Op.readAll(b);
        List<LockedKey> locked = new ArrayList<>();
        if (b.hasRemaining()) {
            int n = VarInts.getInt(b, b.remaining());
            for (int i = 0; i < n; i++) {
                int dbId = VarInts.getInt(b, Integer.MAX_VALUE);
                byte[] key = new byte[VarInts.getInt(b, b.remaining())];
                b.get(key);
                locked.add(new LockedKey(dbId, key));
            }
        }
        return new PrepareRecord(txnId, time, gid, ops, locked);
    }

    @Override
    public String describe() {
        return "PREPARE txn " + txnId() + " global id 0x" + Bytes.hex(globalId) + " at "
                + Instant.ofEpochMilli(prepareMillis) + ", " + ops.size() + " ops"
                + (locked.isEmpty() ? "" : ", " + locked.size() + " more keys locked");
    }
}
