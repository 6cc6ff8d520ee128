package org.cairndb.txn;

import java.util.Arrays;
import org.cairndb.util.Bytes;

/** A lockable key: a database id and a key. */
public final class LockKey {

    private final int dbId;
    private final byte[] key;
    private final int hash;

    public LockKey(int dbId, byte[] key) {
        this.dbId = dbId;
        this.key = key;
        this.hash = 31 * dbId + Bytes.hash(key);
    }

    public int dbId() {
        return dbId;
    }

    public byte[] key() {
        return key;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LockKey k && k.hash == hash && k.dbId == dbId && Arrays.equals(k.key, key);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public String toString() {
        return "key " + Bytes.describe(key) + " of database id " + dbId;
    }
}
