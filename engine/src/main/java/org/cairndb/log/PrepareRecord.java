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
 * transaction, still prepared, with all its locks; and the key ranges a SERIALIZABLE transaction
 * scanned, into which no other transaction may write until it ends.
 *
 * <pre>
 * size  field
 *    8  prepare time, milliseconds since the epoch
 *  var  length of the global id, then its bytes
 *  var  number of operations, then each {@link Op}
 *  var  number of keys locked but not written, then for each:  (absent when none, and no range)
 *         var database id, var key length, key
 *  var  number of ranges scanned, then for each:                (absent when none)
 *         var database id,
 *         var length of the first key + 1 (0: from the start), the key,
 *         var length of the end key + 1 (0: to the end), the key (the range stops before it)
 * </pre>
 *
 * Both trailing sections came later; a record without them reads as having none.
 */
public final class PrepareRecord extends LogRecord {

    private final long prepareMillis;
    private final byte[] globalId;
    private final List<Op> ops;
    /** How many writes the record holds: those of {@link #ops}, or those a decoding handed to a sink instead. */
    private final int opCount;
    private final List<LockedKey> locked;
    private final List<ScannedRange> ranges;

    /** A key the prepared transaction holds locked without writing it. */
    public record LockedKey(int dbId, byte[] key) {
        int encodedSize() {
            return VarInts.size(dbId) + VarInts.size(key.length) + key.length;
        }
    }

    /** A key range [from, to) a SERIALIZABLE transaction scanned; null bounds are open. */
    public record ScannedRange(int dbId, byte[] from, byte[] to) {
        int encodedSize() {
            return VarInts.size(dbId) + boundSize(from) + boundSize(to);
        }

        private static int boundSize(byte[] bound) {
            return bound == null ? 1 : VarInts.size(bound.length + 1) + bound.length;
        }
    }

    public PrepareRecord(long txnId, long prepareMillis, byte[] globalId, List<Op> ops, List<LockedKey> locked) {
        this(txnId, prepareMillis, globalId, ops, locked, List.of());
    }

    public PrepareRecord(long txnId, long prepareMillis, byte[] globalId, List<Op> ops, List<LockedKey> locked,
            List<ScannedRange> ranges) {
        this(txnId, prepareMillis, globalId, ops, ops.size(), locked, ranges);
    }

    private PrepareRecord(long txnId, long prepareMillis, byte[] globalId, List<Op> ops, int opCount,
            List<LockedKey> locked, List<ScannedRange> ranges) {
        super(txnId);
        this.prepareMillis = prepareMillis;
        this.globalId = globalId;
        this.ops = ops;
        this.opCount = opCount;
        this.locked = locked;
        this.ranges = ranges;
    }

    public long prepareMillis() {
        return prepareMillis;
    }

    @Override
    public long eventMillis() {
        return prepareMillis();
    }

    public byte[] globalId() {
        return globalId;
    }

    /** The writes; none when the record was decoded with a sink that received them (see {@link LogRecord#decode(RecordFrame, Op.Sink)}). */
    public List<Op> ops() {
        return ops;
    }

    /** Keys locked but not written: they are locked again when recovery restores the transaction. */
    public List<LockedKey> lockedKeys() {
        return locked;
    }

    /** Ranges scanned under SERIALIZABLE: protected again when recovery restores the transaction. */
    public List<ScannedRange> scannedRanges() {
        return ranges;
    }

    @Override
    public LogRecordType type() {
        return LogRecordType.PREPARE;
    }

    @Override
    protected long payloadSize() {
        long n = 8 + VarInts.size(globalId.length) + globalId.length + Op.encodedSize(ops);
        if (!locked.isEmpty() || !ranges.isEmpty()) {
            n += VarInts.size(locked.size());
            for (LockedKey k : locked) {
                n += k.encodedSize();
            }
        }
        if (!ranges.isEmpty()) {
            n += VarInts.size(ranges.size());
            for (ScannedRange r : ranges) {
                n += r.encodedSize();
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
        if (!locked.isEmpty() || !ranges.isEmpty()) {
            VarInts.put(b, locked.size());
            for (LockedKey k : locked) {
                VarInts.put(b, k.dbId());
                VarInts.put(b, k.key().length);
                b.put(k.key());
            }
        }
        if (!ranges.isEmpty()) {
            VarInts.put(b, ranges.size());
            for (ScannedRange r : ranges) {
                VarInts.put(b, r.dbId());
                putBound(b, r.from());
                putBound(b, r.to());
            }
        }
    }

    private static void putBound(ByteBuffer b, byte[] bound) {
        if (bound == null) {
            VarInts.put(b, 0);
        } else {
            VarInts.put(b, bound.length + 1);
            b.put(bound);
        }
    }

    private static byte[] getBound(PayloadInput in) {
        int n = VarInts.getInt(in, in.remaining() + 1);
        if (n == 0) {
            return null;
        }
        byte[] bound = new byte[n - 1];
        in.get(bound);
        return bound;
    }

    /** Decodes the payload; with a {@code sink}, the writes go to it and the record keeps only their number. */
    static PrepareRecord read(long txnId, PayloadInput in, Op.Sink sink) {
        long time = in.getLong();
        byte[] gid = new byte[VarInts.getInt(in, in.remaining())];
        in.get(gid);
        int[] count = new int[1];
        List<Op> ops = CommitRecord.readOps(in, sink, count);
        List<LockedKey> locked = new ArrayList<>();
        if (in.hasRemaining()) {
            int n = VarInts.getInt(in, in.remaining());
            for (int i = 0; i < n; i++) {
                int dbId = VarInts.getInt(in, Integer.MAX_VALUE);
                byte[] key = new byte[VarInts.getInt(in, in.remaining())];
                in.get(key);
                locked.add(new LockedKey(dbId, key));
            }
        }
        List<ScannedRange> ranges = new ArrayList<>();
        if (in.hasRemaining()) {
            int n = VarInts.getInt(in, in.remaining());
            for (int i = 0; i < n; i++) {
                int dbId = VarInts.getInt(in, Integer.MAX_VALUE);
                ranges.add(new ScannedRange(dbId, getBound(in), getBound(in)));
            }
        }
        return new PrepareRecord(txnId, time, gid, ops, count[0], locked, ranges);
    }

    @Override
    public String describe() {
        return "PREPARE txn " + txnId() + " global id 0x" + Bytes.hex(globalId) + " at "
                + Instant.ofEpochMilli(prepareMillis) + ", " + opCount + " ops"
                + (locked.isEmpty() ? "" : ", " + locked.size() + " more keys locked")
                + (ranges.isEmpty() ? "" : ", " + ranges.size() + " ranges scanned");
    }
}
