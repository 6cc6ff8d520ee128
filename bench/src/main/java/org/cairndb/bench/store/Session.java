package org.cairndb.bench.store;

/**
 * One thread's view of a store: at most one transaction at a time. Tables are the indexes of the
 * names given to {@link Stores#open}. Keys and values are copied or not modified by the stores.
 *
 * <p>Any operation inside a transaction may throw {@link RetryableException}: the store chose this
 * transaction as a deadlock victim, hit a lock timeout or a write conflict. The transaction is then
 * rolled back (calling {@link #abort()} is harmless) and the caller runs it again.
 */
public interface Session extends AutoCloseable {

    void begin();

    /** Reads inside the current transaction, with the store's default isolation. */
    byte[] get(int table, byte[] key);

    /** Reads and write-locks inside the current transaction (RMW, FOR UPDATE, lock()). */
    byte[] getForUpdate(int table, byte[] key);

    /** Stores a value for a key that may already exist. */
    void put(int table, byte[] key, byte[] value);

    /** Stores a value for a key that the caller knows is new (an SQL store can skip the UPDATE). */
    void insert(int table, byte[] key, byte[] value);

    /** Commits durably: when this returns the transaction survives a power loss (fsync'ed log). */
    void commit();

    /**
     * Commits without forcing anything to disk. Only preloads use it: they are not timed, and the
     * preload ends with {@link KvStore#checkpoint()}.
     */
    void commitNoSync();

    /** Rolls back the current transaction, if any. Never throws for an already rolled back one. */
    void abort();

    /** A single committed read outside any explicit transaction (auto-commit read). */
    byte[] read(int table, byte[] key);

    @Override
    void close();
}
