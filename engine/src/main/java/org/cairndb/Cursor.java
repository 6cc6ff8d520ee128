package org.cairndb;

import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import org.cairndb.env.DatabaseImpl;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.tree.TreeCursor;
import org.cairndb.txn.Txn;
import org.cairndb.txn.Version;
import org.cairndb.txn.WriteSet;
import org.cairndb.util.Bytes;

/**
 * A position in a database, moving forward and backward in key order over a range. It sees the
 * version its transaction reads (see {@link IsolationLevel}) plus the transaction's own writes,
 * including writes made while the cursor is open. Without a transaction, or in a READ_COMMITTED
 * one, it sees the latest committed state as of its opening (like a statement in SQL's READ
 * COMMITTED). Close it when done (it holds a snapshot).
 *
 * <pre>{@code
 * try (Cursor c = db.openCursor(txn, from, to)) {
 *     for (boolean ok = c.first(); ok; ok = c.next()) {
 *         use(c.key(), c.value());
 *     }
 * }
 * }</pre>
 */
public final class Cursor implements AutoCloseable {

    private static final String WHILE_OPEN = " while this cursor was open";

    private final EnvironmentImpl env;
    private final DatabaseImpl db;
    private final Txn txn;
    private final byte[] from;
    private final byte[] to;
    private final TreeCursor tree;
    private final Object pinToken;
    private byte[] key;
    private byte[] value;
    private boolean closed;

    Cursor(EnvironmentImpl env, DatabaseImpl db, Txn txn, byte[] from, byte[] to) {
        this.env = env;
        this.db = db;
        this.txn = txn;
        this.from = from;
        this.to = to;
        if (txn != null) {
            env.txns().checkActive(txn);
        }
        Version v;
        if (txn == null || txn.isolation() == IsolationLevel.READ_COMMITTED) {
            // No snapshot of a transaction keeps this version's pages: the cursor pins the version
            // it opens on, or a checkpoint could free and reuse pages it is about to read.
            pinToken = this;
            v = env.txns().pin(pinToken);
        } else {
            pinToken = null;
            v = env.txns().readVersion(txn);
            env.txns().recordRange(txn, db.id(), from, to);
        }
        Version.Root r = v.root(db.id());
        this.tree = new TreeCursor(r == null ? null : r.page(), db.file());
    }

    /** Moves to the first key of the range. */
    public boolean first() {
        return move(this::firstInRange);
    }

    /** Moves to the last key of the range. */
    public boolean last() {
        return move(this::lastInRange);
    }

    /** Moves to the first key {@code >= key} in the range. */
    public boolean seek(byte[] target) {
        return move(() -> seekTo(target));
    }

    /** Moves to the next key. */
    public boolean next() {
        return move(() -> key == null ? firstInRange() : settle(advanceTree(key, true), key, true));
    }

    /** Moves to the previous key. */
    public boolean prev() {
        return move(() -> key == null ? lastInRange() : settle(advanceTree(key, false), key, false));
    }

    private boolean firstInRange() {
        return from == null ? settle(treeFirst(), null, true) : seekTo(from);
    }

    private boolean lastInRange() {
        if (to == null) {
            return settle(tree.last() ? tree.key() : null, null, false);
        }
        return settle(tree.lower(to) ? tree.key() : null, to, false);
    }

    private boolean seekTo(byte[] target) {
        byte[] t = from != null && Bytes.compare(target, from) < 0 ? from : target;
        byte[] found = tree.ceiling(t) ? tree.key() : null;
        return settleCeiling(found, t);
    }

    /**
     * Runs one movement. If the database is removed or the environment closed meanwhile, its file
     * is closed under the cursor: the caller is told that, not that a page could not be read.
     */
    private boolean move(java.util.function.BooleanSupplier movement) {
        check();
        try {
            return movement.getAsBoolean();
        } catch (StorageException e) {
            throw db.readFailure(e, env, WHILE_OPEN);
        }
    }


    /** The current key (a copy), or null when the cursor is not on a record. */
    public byte[] key() {
        return key == null ? null : Arrays.copyOf(key, key.length);
    }

    /** The current value (a copy), or null when the cursor is not on a record. */
    public byte[] value() {
        return value == null ? null : Arrays.copyOf(value, value.length);
    }

    public boolean isValid() {
        return key != null;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (pinToken != null) {
                env.txns().unpin(pinToken);
            }
        }
    }

    // ---- merging the tree version with the transaction's writes ----

    private byte[] treeFirst() {
        return tree.first() ? tree.key() : null;
    }

    /** The tree's next (or previous) key after {@code k}, stepping when the tree cursor already sits on it. */
    private byte[] advanceTree(byte[] k, boolean forward) {
        boolean ok;
        if (tree.isValid() && Bytes.compare(tree.key(), k) == 0) {
            ok = forward ? tree.next() : tree.prev();
        } else {
            ok = forward ? tree.higher(k) : tree.lower(k);
        }
        return ok ? tree.key() : null;
    }

    private boolean settleCeiling(byte[] treeKey, byte[] target) {
        NavigableMap<byte[], byte[]> ws = writes();
        byte[] t = treeKey;
        while (t != null && ws != null && ws.get(t) == WriteSet.TOMBSTONE) {
            t = tree.next() ? tree.key() : null;
        }
        Map.Entry<byte[], byte[]> w = ws == null ? null : ws.ceilingEntry(target);
        while (w != null && w.getValue() == WriteSet.TOMBSTONE) {
            w = ws.higherEntry(w.getKey());
        }
        return choose(t, w, true);
    }

    /**
     * Given the tree's candidate after {@code after} (exclusive; null = from the edge), finds the
     * nearest visible key in the direction of travel, merging in the transaction's writes.
     */
    private boolean settle(byte[] treeKey, byte[] after, boolean forward) {
        NavigableMap<byte[], byte[]> ws = writes();
        byte[] t = treeKey;
        while (t != null && ws != null && ws.get(t) == WriteSet.TOMBSTONE) {
            t = (forward ? tree.next() : tree.prev()) ? tree.key() : null;
        }
        Map.Entry<byte[], byte[]> w = null;
        if (ws != null) {
            if (after == null) {
                w = forward ? ws.firstEntry() : ws.lastEntry();
            } else {
                w = forward ? ws.higherEntry(after) : ws.lowerEntry(after);
            }
            while (w != null && w.getValue() == WriteSet.TOMBSTONE) {
                w = forward ? ws.higherEntry(w.getKey()) : ws.lowerEntry(w.getKey());
            }
        }
        return choose(t, w, forward);
    }

    private boolean choose(byte[] treeKey, Map.Entry<byte[], byte[]> w, boolean forward) {
        byte[] k;
        byte[] v;
        if (w == null || (treeKey != null && (forward ? Bytes.compare(treeKey, w.getKey()) < 0
                : Bytes.compare(treeKey, w.getKey()) > 0))) {
            k = treeKey;
            v = treeKey == null ? null : tree.value();
        } else {
            k = w.getKey();
            v = w.getValue();
        }
        if (k == null || !inRange(k)) {
            key = null;
            value = null;
            return false;
        }
        key = k;
        value = v;
        return true;
    }

    private boolean inRange(byte[] k) {
        return (from == null || Bytes.compare(k, from) >= 0) && (to == null || Bytes.compare(k, to) < 0);
    }

    private NavigableMap<byte[], byte[]> writes() {
        return txn == null ? null : txn.writes().forDatabase(db.id());
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("cursor is closed");
        }
        env.checkUsable();
        if (txn != null) {
            env.txns().checkActive(txn);
        }
        if (db.isRemoved()) {
            throw db.removedError(WHILE_OPEN);
        }
    }
}
