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
 * <p>A new cursor is on no key: {@link #next()} then moves to the first key of the range and
 * {@link #prev()} to the last. A move that finds no key leaves the cursor beside the key it came
 * from: after {@code next()} returned false, {@code next()} goes on returning false (unless the
 * transaction has since written a key further on) and {@code prev()} returns to the last key;
 * after {@code prev()} returned false, the reverse. After a {@link #seek} that found nothing, the
 * cursor lies just before the key sought: {@code prev()} moves to the last key before it.
 *
 * <p>{@link #key()} and {@link #value()} are the record as the cursor found it when it moved there:
 * a later put or delete of that key (by its own transaction, say) shows after the next move, not in
 * place. (Berkeley DB reports a record deleted under its cursor as deleted; here the cursor keeps what
 * it read until it moves.)
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
    /**
     * When the cursor is on no key: the key it lies beside (the last key it was on, or the key a
     * failed seek sought), or null if it has never been placed. The cursor used to forget where it
     * was when a move found nothing, so that a next() after running off the end started again at
     * the first key, and a next() after a seek beyond the last key returned the first.
     */
    private byte[] gapKey;
    /** Whether the cursor lies just after {@link #gapKey} (having run off the end forward), else just before it. */
    private boolean gapAfterKey;
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
            // it opens on, or a checkpoint could free and reuse pages it is about to read. A
            // transaction's end releases its cursors' pins as it releases its snapshot.
            pinToken = this;
            v = txn == null ? env.txns().pin(pinToken) : env.txns().pinForCursor(txn, pinToken);
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
        return move(() -> placed(firstInRange(), null, false));
    }

    /** Moves to the last key of the range. */
    public boolean last() {
        return move(() -> placed(lastInRange(), null, false));
    }

    /**
     * Moves to the first key {@code >= target} in the range; if there is none, the cursor lies just
     * before {@code target}. The target is 1 to {@value Database#MAX_KEY_SIZE} bytes, as keys are.
     */
    public boolean seek(byte[] target) {
        if (target == null) {
            throw new IllegalArgumentException("the key to seek must not be null");
        }
        // Refused as a range bound of the same size is, rather than compared against keys no
        // database can hold: first() goes to the start, and no key is longer than the largest.
        if (target.length == 0) {
            throw new IllegalArgumentException("the key to seek in database '" + db.name() + "' must not be empty: keys are 1 to "
                    + Database.MAX_KEY_SIZE + " bytes; first() moves to the first key");
        }
        if (target.length > Database.MAX_KEY_SIZE) {
            throw new IllegalArgumentException("the key to seek in database '" + db.name() + "' has " + target.length
                    + " bytes, more than the largest key (" + Database.MAX_KEY_SIZE + " bytes)");
        }
        return move(() -> {
            byte[] t = from != null && Bytes.compare(target, from) < 0 ? from : target;
            // Sought at or past the range's end: the cursor lies before the end, so that prev() finds the last key.
            byte[] before = to != null && Bytes.compare(t, to) >= 0 ? to : t;
            return placed(seekTo(t), before.clone(), false);
        });
    }

    /** Moves to the next key (the first of the range if the cursor was never placed). */
    public boolean next() {
        return move(() -> step(true));
    }

    /** Moves to the previous key (the last of the range if the cursor was never placed). */
    public boolean prev() {
        return move(() -> step(false));
    }

    private boolean step(boolean forward) {
        if (key != null) {
            byte[] at = key;
            return placed(settle(advanceTree(at, forward), at, forward, false), at, forward);
        }
        if (gapKey == null) {
            return forward ? firstInRange() : lastInRange();
        }
        if (gapAfterKey == forward) {
            // Moving away from the key the cursor lies beside: past it.
            return settle(advanceTree(gapKey, forward), gapKey, forward, false) && placed(true, null, false);
        }
        // Moving towards it: the key itself comes first.
        boolean found = forward ? seekTo(gapKey) : settle(tree.floor(gapKey) ? tree.key() : null, gapKey, false, true);
        return found && placed(true, null, false);
    }

    /**
     * After a move: on a key if {@code found}; otherwise beside {@code gap} (after it when
     * {@code after}), or, with no gap, never placed. Returns {@code found}.
     */
    private boolean placed(boolean found, byte[] gap, boolean after) {
        if (found) {
            gapKey = null;
        } else {
            gapKey = gap;
            gapAfterKey = after;
        }
        return found;
    }

    private boolean firstInRange() {
        return from == null ? settle(treeFirst(), null, true, false) : seekTo(from);
    }

    private boolean lastInRange() {
        if (to == null) {
            return settle(tree.last() ? tree.key() : null, null, false, false);
        }
        return settle(tree.lower(to) ? tree.key() : null, to, false, false);
    }

    /** The first key {@code >= t} (at or after the range's start). */
    private boolean seekTo(byte[] t) {
        byte[] found = tree.ceiling(t) ? tree.key() : null;
        return settle(found, t, true, true);
    }

    /**
     * Runs one movement. If the database is removed or the environment closed meanwhile, its file
     * is closed under the cursor: the caller is told that, not that a page could not be read.
     */
    private boolean move(java.util.function.BooleanSupplier movement) {
        check();
        if (txn != null) {
            // The transaction's end in another thread (its timeout, the close) must not release the
            // version this move reads until it is done (see TxnManager.enterRead).
            env.txns().enterRead(txn);
        }
        try {
            return movement.getAsBoolean();
        } catch (StorageException e) {
            throw db.readFailure(e, env, WHILE_OPEN);
        } finally {
            if (txn != null) {
                env.txns().exitRead(txn);
            }
        }
    }


    /**
     * The current key (a copy), or null when the cursor is not on a record. Refused once the cursor
     * is closed, as every other use is: it went on returning the last key.
     */
    public byte[] key() {
        checkOpen();
        return key == null ? null : Arrays.copyOf(key, key.length);
    }

    /** The current value (a copy), or null when the cursor is not on a record; refused once the cursor is closed. */
    public byte[] value() {
        checkOpen();
        return value == null ? null : Arrays.copyOf(value, value.length);
    }

    /** Whether the cursor is on a record; refused once the cursor is closed. */
    public boolean isValid() {
        checkOpen();
        return key != null;
    }

    /** Closes the cursor; a second close does nothing. Every other method is then refused. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            key = null;
            value = null;
            gapKey = null;
            if (pinToken != null && txn == null) {
                env.txns().unpin(pinToken);
            } else if (pinToken != null) {
                env.txns().unpinCursor(txn, pinToken);
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

    /**
     * Given the tree's candidate beyond {@code after} in the direction of travel (exclusive, or
     * inclusive when {@code inclusive}; null = from the edge), finds the nearest visible key in
     * that direction, merging in the transaction's writes.
     */
    private boolean settle(byte[] treeKey, byte[] after, boolean forward, boolean inclusive) {
        NavigableMap<byte[], byte[]> ws = writes();
        byte[] t = treeKey;
        while (t != null && ws != null && ws.get(t) == WriteSet.TOMBSTONE) {
            t = (forward ? tree.next() : tree.prev()) ? tree.key() : null;
        }
        Map.Entry<byte[], byte[]> w = null;
        if (ws != null) {
            if (after == null) {
                w = forward ? ws.firstEntry() : ws.lastEntry();
            } else if (inclusive) {
                w = forward ? ws.ceilingEntry(after) : ws.floorEntry(after);
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
        checkOpen();
        env.checkUsable();
        if (txn != null) {
            env.txns().checkActive(txn);
        }
        if (db.isRemoved()) {
            throw db.removedError(WHILE_OPEN);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("cursor over database '" + db.name() + "' is closed");
        }
    }
}
