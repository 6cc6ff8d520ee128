package org.cairndb.bench.data;

import org.cairndb.bench.store.KvStore;
import org.cairndb.bench.store.Session;

/** Loads records {@code 0..count-1} of {@link Records} into a table. */
public final class Loader {

    /** Transactions of a preload: large, so that the untimed preload is quick on every store. */
    public static final int PRELOAD_BATCH = 10_000;

    private Loader() {
    }

    /**
     * The untimed preload before a benchmark: large transactions committed without a force, then a
     * checkpoint so that the measurement starts from a quiet, fully written store.
     */
    public static void preload(KvStore store, int table, long count) {
        try (Session s = store.session()) {
            for (long n = 0; n < count; ) {
                long end = Math.min(count, n + PRELOAD_BATCH);
                s.begin();
                for (; n < end; n++) {
                    s.insert(table, Records.key(n), Records.value(n));
                }
                s.commitNoSync();
            }
        }
        store.checkpoint();
    }

    /** The timed load: {@code perTxn} records per durable transaction. */
    public static void load(Session s, int table, long first, long count, int perTxn) {
        long last = first + count;
        for (long n = first; n < last; ) {
            long end = Math.min(last, n + perTxn);
            s.begin();
            for (; n < end; n++) {
                s.insert(table, Records.key(n), Records.value(n));
            }
            s.commit();
        }
    }
}
