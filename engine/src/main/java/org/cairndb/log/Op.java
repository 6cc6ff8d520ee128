package org.cairndb.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.util.Bytes;
import org.cairndb.util.VarInts;

/**
 * One write of a transaction: a put of a value or a delete, of one key in one database.
 *
 * <pre>
 * size  field
 *    1  kind: 1 put, 2 delete
 *  var  database id
 *  var  key length, then the key
 *  var  value length, then the value (puts only)
 * </pre>
 */
public record Op(byte kind, int dbId, byte[] key, byte[] value) {

    public static final byte PUT = 1;
    public static final byte DELETE = 2;

    public static Op put(int dbId, byte[] key, byte[] value) {
        return new Op(PUT, dbId, key, value);
    }

    public static Op delete(int dbId, byte[] key) {
        return new Op(DELETE, dbId, key, null);
    }

    public boolean isPut() {
        return kind == PUT;
    }

    public int encodedSize() {
        return encodedSize(dbId, key, kind == PUT ? value : null);
    }

    /** Bytes a write takes in a log record: a put of {@code value}, or a delete when it is null. */
    public static int encodedSize(int dbId, byte[] key, byte[] value) {
        int n = 1 + VarInts.size(dbId) + VarInts.size(key.length) + key.length;
        if (value != null) {
            n += VarInts.size(value.length) + value.length;
        }
        return n;
    }

    public void write(ByteBuffer b) {
        b.put(kind);
        VarInts.put(b, dbId);
        VarInts.put(b, key.length);
        b.put(key);
        if (kind == PUT) {
            VarInts.put(b, value.length);
            b.put(value);
        }
    }

    /** A long: a transaction's writes may add up to more than an int holds (see {@link LogRecord#MAX_SIZE}). */
    static long encodedSize(List<Op> ops) {
        long n = VarInts.size(ops.size());
        for (Op op : ops) {
            n += op.encodedSize();
        }
        return n;
    }

    static void writeAll(ByteBuffer b, List<Op> ops) {
        VarInts.put(b, ops.size());
        for (Op op : ops) {
            op.write(b);
        }
    }

    /**
     * Receives decoded writes one at a time: the key is decoded, and a put's value is left next in
     * the payload for the receiver to copy where it wants it (recovery's replay copies it into a
     * slab; {@link #readAll(PayloadInput)} into an array of its own) or to skip ({@code cairn
     * printlog} and {@code verify}, which need only its length).
     */
    public interface Sink {

        /** A put: exactly {@code valueLength} bytes of value come next in {@code in} and must be read or skipped. */
        void put(int dbId, byte[] key, PayloadInput in, int valueLength);

        void delete(int dbId, byte[] key);
    }

    /** Takes each write without reading its value: for readers that only count or describe the writes. */
    public static final Sink SKIP_VALUES = new Sink() {
        @Override
        public void put(int dbId, byte[] key, PayloadInput in, int valueLength) {
            in.skip(valueLength);
        }

        @Override
        public void delete(int dbId, byte[] key) {
        }
    };

    /** Decodes a list of writes (as {@link #writeAll} wrote it), handing each to {@code sink}. */
    static void readAll(PayloadInput in, Sink sink) {
        int n = VarInts.getInt(in, in.remaining());
        for (int i = 0; i < n; i++) {
            byte kind = in.get();
            if (kind != PUT && kind != DELETE) {
                throw new IllegalArgumentException("unknown operation kind " + kind);
            }
            int dbId = VarInts.getInt(in, Integer.MAX_VALUE);
            byte[] key = new byte[VarInts.getInt(in, in.remaining())];
            in.get(key);
            if (kind == PUT) {
                int length = VarInts.getInt(in, in.remaining());
                int end = in.remaining() - length;
                sink.put(dbId, key, in, length);
                if (in.remaining() != end) {
                    throw new IllegalStateException("the receiver of a put consumed " + (end + length - in.remaining())
                            + " bytes of a " + length + "-byte value");
                }
            } else {
                sink.delete(dbId, key);
            }
        }
    }

    static List<Op> readAll(PayloadInput in) {
        List<Op> ops = new ArrayList<>();
        readAll(in, new Sink() {
            @Override
            public void put(int dbId, byte[] key, PayloadInput values, int valueLength) {
                byte[] value = new byte[valueLength];
                values.get(value);
                ops.add(Op.put(dbId, key, value));
            }

            @Override
            public void delete(int dbId, byte[] key) {
                ops.add(Op.delete(dbId, key));
            }
        });
        return ops;
    }

    @Override
    public String toString() {
        return kind == PUT ? describePut(dbId, key, value.length) : describeDelete(dbId, key);
    }

    /** How {@code cairn printlog -v} shows a put, whose value it does not show. */
    public static String describePut(int dbId, byte[] key, int valueLength) {
        return "put db " + dbId + " " + Bytes.describe(key) + " (" + valueLength + " bytes)";
    }

    public static String describeDelete(int dbId, byte[] key) {
        return "delete db " + dbId + " " + Bytes.describe(key);
    }
}
