package org.cairndb.txn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import org.cairndb.log.Op;
import org.cairndb.util.Bytes;

/**
 * A transaction's uncommitted writes, per database, in key order. Nothing of them reaches the
 * shared trees before commit: the log gets them in the commit (or prepare) record, and the trees
 * when the commit is applied. A delete is kept as {@link #TOMBSTONE}.
 */
public final class WriteSet {

    /** Marks a deleted key. Compared by identity. */
    public static final byte[] TOMBSTONE = new byte[0];

    private final Map<Integer, TreeMap<byte[], byte[]>> byDb = new HashMap<>();
    private long bytes;
    /** What the writes take in a COMMIT or PREPARE record: keys and values and each write's own fields. */
    private long loggedBytes;
    private int size;

    public boolean isEmpty() {
        return size == 0;
    }

    public int size() {
        return size;
    }

    /** Bytes of keys and values held. */
    public long bytes() {
        return bytes;
    }

    /**
     * Bytes the writes take in the log (see {@link Op}): more than {@link #bytes()} by up to 12 a
     * write, which for many small writes is the larger part.
     */
    public long loggedBytes() {
        return loggedBytes;
    }

    /** The pending value of a key: bytes, {@link #TOMBSTONE}, or null if this transaction did not write it. */
    public byte[] get(int dbId, byte[] key) {
        TreeMap<byte[], byte[]> m = byDb.get(dbId);
        return m == null ? null : m.get(key);
    }

    public void put(int dbId, byte[] key, byte[] value) {
        TreeMap<byte[], byte[]> m = byDb.computeIfAbsent(dbId, id -> new TreeMap<>(Bytes.ORDER));
        byte[] old = m.put(key, value);
        if (old == null) {
            size++;
            bytes += key.length;
        } else {
            bytes -= old.length;
            loggedBytes -= Op.encodedSize(dbId, key, old == TOMBSTONE ? null : old);
        }
        bytes += value.length;
        loggedBytes += Op.encodedSize(dbId, key, value == TOMBSTONE ? null : value);
    }

    /** The writes to one database in key order, or null if none. */
    public NavigableMap<byte[], byte[]> forDatabase(int dbId) {
        return byDb.get(dbId);
    }

    public Iterable<Integer> databases() {
        return byDb.keySet();
    }

    /** All writes as log operations, database by database in key order. */
    public List<Op> toOps() {
        List<Op> ops = new ArrayList<>(size);
        for (Map.Entry<Integer, TreeMap<byte[], byte[]>> e : byDb.entrySet()) {
            int db = e.getKey();
            for (Map.Entry<byte[], byte[]> w : e.getValue().entrySet()) {
                ops.add(w.getValue() == TOMBSTONE ? Op.delete(db, w.getKey()) : Op.put(db, w.getKey(), w.getValue()));
            }
        }
        return ops;
    }

    /** Rebuilds a write set from logged operations (a prepared transaction restored by recovery). */
    public static WriteSet of(List<Op> ops) {
        WriteSet ws = new WriteSet();
        for (Op op : ops) {
            ws.put(op.dbId(), op.key(), op.isPut() ? op.value() : TOMBSTONE);
        }
        return ws;
    }

    public void clear() {
        byDb.clear();
        bytes = 0;
        loggedBytes = 0;
        size = 0;
    }
}
