package org.cairndb.bench.store;

/**
 * One store under test, open on its own directory. The benchmarks only ever talk to this interface,
 * so every store does exactly the same work; each adapter maps an operation to its store's natural
 * primitive (a transactional put, a {@code SELECT ... FOR UPDATE}, a {@code TransactionMap.lock}).
 *
 * <p>A store is shared by all benchmark threads; each thread works through its own {@link Session}.
 */
public interface KvStore extends AutoCloseable {

    /** The name used in {@code -p store=...} and in the reports. */
    String name();

    /** A handle for one thread. Sessions are not thread-safe; stores are. */
    Session session();

    /**
     * Makes everything committed so far durable and written to the store's main files, so that a
     * benchmark that follows a preload does not pay for the preload's deferred work (a checkpoint,
     * a memtable flush, a chunk write).
     */
    void checkpoint();

    /** A one-line summary of the store's own counters worth printing after a run ("" if none). */
    default String stats() {
        return "";
    }

    /** What the store says its recovery at open did ("" if it says nothing). */
    default String recoverySummary() {
        return "";
    }

    /** Closes cleanly (with whatever final checkpoint the store does on close). */
    @Override
    void close();
}
