package org.cairndb;

import java.util.Arrays;
import org.cairndb.env.DatabaseImpl;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.tree.TreeReader;
import org.cairndb.txn.LockKey;
import org.cairndb.txn.Txn;
import org.cairndb.txn.TxnManager;
import org.cairndb.txn.Version;
import org.cairndb.txn.WriteSet;

/**
 * A named, ordered map of byte-array keys to byte-array values. Keys are ordered as unsigned bytes,
 * lexicographically. Every operation takes a {@link Transaction}; {@code null} means auto-commit:
 * a write becomes its own transaction, committed with the environment's durability, and a read
 * sees the latest committed state.
 *
 * <p>Keys are 1 to {@value #MAX_KEY_SIZE} bytes, values 0 to {@value #MAX_VALUE_SIZE} bytes. Arrays
 * passed in are copied, and arrays returned are the caller's to keep.
 */
public final class Database {

    /** Largest key: 4 KiB. */
    public static final int MAX_KEY_SIZE = 4096;
    /** Largest value: 16 MiB. */
    public static final int MAX_VALUE_SIZE = 16 << 20;

    private final Environment environment;
    private final EnvironmentImpl env;
    private final DatabaseImpl db;

    Database(Environment environment, EnvironmentImpl env, DatabaseImpl db) {
        this.environment = environment;
        this.env = env;
        this.db = db;
    }

    public String name() {
        return db.name();
    }

    public Environment environment() {
        return environment;
    }

    int id() {
        return db.id();
    }

    DatabaseImpl impl() {
        return db;
    }

    /** Records committed in the newest version (not counting uncommitted writes). */
    public long count() {
        check();
        Version.Root r = env.txns().current().root(db.id());
        return r == null ? 0 : r.count();
    }

    /** The value of {@code key}, or null. */
    public byte[] get(Transaction txn, byte[] key) {
        checkKey(key);
        check();
        if (txn == null) {
            return copy(lookupLatest(key, true));
        }
        Txn t = own(txn);
        env.txns().checkActive(t);
        byte[] pending = t.writes().get(db.id(), key);
        if (pending != null) {
            return pending == WriteSet.TOMBSTONE ? null : copy(pending);
        }
        // A copy: the record of the read outlives this call, and callers reuse their key arrays. Kept
        // as the caller's array, the next key written into it replaced the key read (SERIALIZABLE
        // validation and a prepare's read locks then missed it: write skew committed).
        byte[] k = key.clone();
        env.txns().recordRead(t, new LockKey(db.id(), k));
        return read(t, k, true);
    }

    /**
     * Reads {@code key} and locks it for writing, so that no other transaction can change it before
     * this one ends (the "select for update" of SQL). Under READ_COMMITTED it returns the latest
     * committed value; under SNAPSHOT too when the key was committed after this transaction's
     * snapshot (a locking read waits for the lock and then reads the newest value, it never fails with
     * a write conflict); under SERIALIZABLE such a key is a {@link WriteConflictException}. A later
     * {@link #delete} or {@link #putIfAbsent} of the key judges its presence by that newest value too.
     */
    public byte[] getForUpdate(Transaction txn, byte[] key) {
        checkKey(key);
        check();
        if (txn == null) {
            return get(null, key);
        }
        Txn t = own(txn);
        env.txns().checkActive(t);
        byte[] k = key.clone();
        TxnManager tm = env.txns();
        boolean newest = tm.lockForUpdate(t, new LockKey(db.id(), k));
        byte[] pending = t.writes().get(db.id(), k);
        if (pending != null) {
            return pending == WriteSet.TOMBSTONE ? null : copy(pending);
        }
        return newest ? copy(readNewest(k)) : read(t, k, true);
    }

    /** The newest committed value of a key this transaction holds locked, committed after its snapshot. */
    private byte[] readNewest(byte[] k) {
        TxnManager tm = env.txns();
        Object token = new Object();
        Version v = tm.pin(token);
        try {
            return lookup(v, k);
        } finally {
            tm.unpin(token);
        }
    }

    /** Stores {@code value} under {@code key}, replacing any value. */
    public void put(Transaction txn, byte[] key, byte[] value) {
        checkKey(key);
        checkValue(value);
        check();
        if (txn == null) {
            autoCommit(t -> write(t, key, value.clone()));
            return;
        }
        write(own(txn), key, value.clone());
    }

    /** Stores {@code value} only if {@code key} has no value. Returns true if it stored it. */
    public boolean putIfAbsent(Transaction txn, byte[] key, byte[] value) {
        checkKey(key);
        checkValue(value);
        check();
        if (txn == null) {
            boolean[] done = new boolean[1];
            autoCommit(t -> done[0] = putIfAbsent(t, key, value));
            return done[0];
        }
        return putIfAbsent(own(txn), key, value);
    }

    private boolean putIfAbsent(Txn t, byte[] key, byte[] value) {
        env.txns().checkActive(t);
        byte[] k = key.clone();
        boolean newest = env.txns().lockForWrite(t, new LockKey(db.id(), k));
        if (exists(t, k, newest)) {
            return false;
        }
        addWrite(t, k, value.clone());
        return true;
    }

    /** Deletes {@code key}. Returns true if it had a value. */
    public boolean delete(Transaction txn, byte[] key) {
        checkKey(key);
        check();
        if (txn == null) {
            boolean[] done = new boolean[1];
            autoCommit(t -> done[0] = delete(t, key));
            return done[0];
        }
        return delete(own(txn), key);
    }

    private boolean delete(Txn t, byte[] key) {
        env.txns().checkActive(t);
        byte[] k = key.clone();
        boolean newest = env.txns().lockForWrite(t, new LockKey(db.id(), k));
        if (!exists(t, k, newest)) {
            return false;
        }
        addWrite(t, k, WriteSet.TOMBSTONE);
        return true;
    }

    /** A cursor over the whole database. */
    public Cursor openCursor(Transaction txn) {
        return openCursor(txn, null, null);
    }

    /** A cursor over the keys in {@code [from, to)}; a null bound is open. */
    public Cursor openCursor(Transaction txn, byte[] from, byte[] to) {
        check();
        checkBound(from, "start", "from");
        checkBound(to, "end", "to");
        return new Cursor(env, db, txn == null ? null : own(txn), from == null ? null : from.clone(),
                to == null ? null : to.clone());
    }

    // ---- internals ----

    private void write(Txn t, byte[] key, byte[] value) {
        env.txns().checkActive(t);
        byte[] k = key.clone();
        env.txns().lockForWrite(t, new LockKey(db.id(), k));
        addWrite(t, k, value);
    }

    /** Adds a write to the transaction, never past a removal of the database at the same moment. */
    private void addWrite(Txn t, byte[] k, byte[] value) {
        db.enterWrite();
        try {
            env.txns().addWrite(t, db.id(), k, value);
        } finally {
            db.exitWrite();
        }
    }

    /**
     * Whether the key is there for this transaction's write. {@code newest}: it read the key with
     * getForUpdate at a commit newer than its snapshot (see {@link TxnManager#lockForWrite}), which
     * is then what it knows of the key: judged by the snapshot, a delete of an item inserted after
     * it found nothing, and putIfAbsent overwrote a key inserted after it.
     */
    private boolean exists(Txn t, byte[] k, boolean newest) {
        byte[] pending = t.writes().get(db.id(), k);
        if (pending != null) {
            return pending != WriteSet.TOMBSTONE;
        }
        return (newest ? readNewest(k) : read(t, k, false)) != null;
    }

    /**
     * Reads {@code key} as {@code t} sees it, copying the value when {@code copy} (a value is
     * looked up in place; the copy must be made while its page is protected). Under READ_COMMITTED
     * the newest version is read, and protected for the lookup as an auto-commit read's is: without
     * that, a checkpoint could free and reuse its pages under the lookup.
     */
    private byte[] read(Txn t, byte[] key, boolean copy) {
        TxnManager tm = env.txns();
        if (t.isolation() == IsolationLevel.READ_COMMITTED) {
            return lookupLatest(key, copy);
        }
        // Marked as under way, so that the transaction's end in another thread (its timeout) leaves
        // the snapshot's pages alone until this read is done.
        tm.enterRead(t);
        byte[] v;
        try {
            v = lookup(tm.readVersion(t), key);
        } finally {
            tm.exitRead(t);
        }
        return copy ? copy(v) : v;
    }

    /** Looks {@code key} up in the newest version, holding a reader slot so that its pages stay. */
    private byte[] lookupLatest(byte[] key, boolean copy) {
        TxnManager tm = env.txns();
        int slot = tm.beginRead();
        try {
            byte[] v = lookup(tm.readerVersion(slot), key);
            return copy ? copy(v) : v;
        } finally {
            tm.releaseRead(slot);
        }
    }

    private byte[] lookup(Version v, byte[] key) {
        Version.Root r = v.root(db.id());
        try {
            return r == null ? null : TreeReader.get(r.page(), key, db.file());
        } catch (StorageException e) {
            throw db.readFailure(e, env, "");
        }
    }

    private void autoCommit(java.util.function.Consumer<Txn> work) {
        Txn t = env.txns().beginAutoCommit();
        try {
            work.accept(t);
            env.txns().commit(t);
        } finally {
            if (t.state() == Txn.State.ACTIVE) {
                env.txns().abortQuietly(t, "auto-commit operation failed");
            }
        }
    }

    private Txn own(Transaction txn) {
        if (txn.env() != env) {
            // Said which: "another environment" misled when it was this one's home, opened anew since.
            EnvironmentImpl other = txn.env();
            throw new IllegalArgumentException(other.isClosed() && other.home().home().equals(env.home().home())
                    ? "transaction " + txn.id() + " was begun before environment " + env.home().home() + " was closed and"
                            + " opened again; begin a new transaction"
                    : "transaction " + txn.id() + " belongs to environment " + other.home().home() + ", not to "
                            + env.home().home() + " of " + this);
        }
        return txn.txn();
    }

    private void check() {
        env.checkUsable();
        if (db.isRemoved()) {
            throw db.removedError("");
        }
    }

    private static byte[] copy(byte[] b) {
        return b == null ? null : Arrays.copyOf(b, b.length);
    }

    private void checkKey(byte[] key) {
        if (key == null) {
            throw new IllegalArgumentException("key for " + this + " must not be null");
        }
        if (key.length == 0) {
            throw new IllegalArgumentException("key for " + this + " must not be empty: keys are 1 to " + MAX_KEY_SIZE
                    + " bytes");
        }
        if (key.length > MAX_KEY_SIZE) {
            throw new IllegalArgumentException("key of " + key.length + " bytes for " + this
                    + " is larger than the maximum of " + MAX_KEY_SIZE + " bytes");
        }
    }

    /** The {@code end} ("start") of a cursor's range, argument {@code name} ("from"); null leaves it open. */
    private void checkBound(byte[] bound, String end, String name) {
        if (bound == null) {
            return;
        }
        String what = "the " + end + " (" + name + ") of a cursor's range in " + this;
        if (bound.length == 0) {
            throw new IllegalArgumentException(what + " must not be empty: keys are 1 to " + MAX_KEY_SIZE + " bytes; a null "
                    + end + " leaves the range open");
        }
        if (bound.length > MAX_KEY_SIZE) {
            throw new IllegalArgumentException(what + " has " + bound.length + " bytes, more than the largest key ("
                    + MAX_KEY_SIZE + " bytes)");
        }
    }

    private void checkValue(byte[] value) {
        if (value == null) {
            throw new IllegalArgumentException("value for " + this + " must not be null (use delete to remove a key)");
        }
        if (value.length > MAX_VALUE_SIZE) {
            throw new IllegalArgumentException("value of " + value.length + " bytes for " + this
                    + " is larger than the maximum of " + MAX_VALUE_SIZE + " bytes (16 MiB)");
        }
    }

    @Override
    public String toString() {
        return "database '" + db.name() + "'";
    }
}
