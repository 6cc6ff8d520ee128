package org.cairndb.rar;

import java.util.List;

/**
 * A connection handle: reads and writes named databases of one Cairn environment. Databases are
 * ordered maps of byte-array keys to byte-array values, created on first use.
 *
 * <p>Inside a JTA transaction every operation is part of it: the data becomes visible to others when
 * the transaction commits, and vanishes if it rolls back. Outside one, each write commits on its own
 * (auto-commit) and each read sees the latest committed state. A handle is for one thread at a time;
 * several handles in one transaction share its work. The engine's exceptions ({@code org.cairndb}:
 * {@code LockTimeoutException}, {@code DeadlockException}, {@code WriteConflictException}, ...) reach
 * the caller unchanged; as runtime exceptions they roll back a container-managed transaction.
 */
public interface CairnConnection extends AutoCloseable {

    /** The value stored under {@code key} in {@code database}, or null. */
    byte[] get(String database, byte[] key);

    /** Like {@link #get}, and locks the key for writing until the transaction ends ("select for update"). */
    byte[] getForUpdate(String database, byte[] key);

    /** Stores {@code value} under {@code key}, replacing any value. */
    void put(String database, byte[] key, byte[] value);

    /** Stores {@code value} only if {@code key} has no value; returns true if it stored it. */
    boolean putIfAbsent(String database, byte[] key, byte[] value);

    /** Deletes {@code key}; returns true if it had a value. */
    boolean delete(String database, byte[] key);

    /**
     * The records with keys in {@code [from, to)} in key order (unsigned bytes), at most {@code limit}
     * of them; a null bound is open.
     */
    List<KeyValue> scan(String database, byte[] from, byte[] to, int limit);

    /** Records committed in {@code database} (not counting this transaction's own writes). */
    long count(String database);

    /** UTF-8 convenience: the value under {@code key} decoded as text, or null. */
    String getString(String database, String key);

    /** UTF-8 convenience: stores the text {@code value} under the text {@code key}. */
    void putString(String database, String key, String value);

    /** The environment this handle reaches. */
    String environmentName();

    /**
     * True if the handle is open and its environment usable; checks take no longer than
     * {@code timeoutSeconds} (0: no limit).
     */
    boolean isValid(int timeoutSeconds);

    /** Gives the handle back; the work done through it stays part of the transaction. */
    @Override
    void close();
}
