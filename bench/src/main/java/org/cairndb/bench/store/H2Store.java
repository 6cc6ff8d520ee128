package org.cairndb.bench.store;

import java.nio.file.Path;
import java.util.List;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.tx.Transaction;
import org.h2.mvstore.tx.TransactionMap;
import org.h2.mvstore.tx.TransactionStore;

/**
 * H2's MVStore with its TransactionStore. MVStore has no write-ahead log: a transaction becomes
 * durable when the store writes a new chunk ({@code MVStore.commit()}) and forces the file
 * ({@code sync()}); concurrent committers share a chunk when one of them writes it.
 */
final class H2Store implements KvStore {

    /** How long a transaction waits for a row another one locked (the store's default is 0: fail at once). */
    private static final int LOCK_TIMEOUT_MS = 10_000;

    private final MVStore store;
    private final TransactionStore txns;
    private final TransactionMap<byte[], byte[]>[] maps;

    @SuppressWarnings("unchecked")
    H2Store(Path dir, StoreConfig config, List<String> tables) {
        // config.checkpoints() does not apply: MVStore has no log to replay, and its background
        // writer is also what compacts the file (without it every commit's chunk stays on disk).
        store = new MVStore.Builder()
                .fileName(dir.resolve("store.mv.db").toString())
                .cacheSize((int) Math.max(1, config.cacheBytes() >> 20))
                .open();
        txns = new TransactionStore(store);
        txns.init();
        txns.endLeftoverTransactions();
        // The maps are opened once; each transaction takes its own view with getInstance.
        Transaction t = txns.begin();
        maps = new TransactionMap[tables.size()];
        for (int i = 0; i < maps.length; i++) {
            maps[i] = t.openMap(tables.get(i));
        }
        t.commit();
        store.commit();
    }

    @Override
    public String name() {
        return "h2";
    }

    @Override
    public Session session() {
        return new H2Session();
    }

    @Override
    public void checkpoint() {
        store.commit();
        store.sync();
    }

    @Override
    public void close() {
        txns.close();
        store.close();
    }

    private static RuntimeException translate(MVStoreException e) {
        int code = e.getErrorCode();
        if (code == DataUtils.ERROR_TRANSACTION_LOCKED || code == DataUtils.ERROR_TRANSACTIONS_DEADLOCK) {
            return new RetryableException(e);
        }
        return e;
    }

    private final class H2Session implements Session {
        @SuppressWarnings("unchecked")
        private final TransactionMap<byte[], byte[]>[] views = new TransactionMap[maps.length];
        private Transaction txn;

        @Override
        public void begin() {
            txn = txns.begin();
            txn.setTimeoutMillis(LOCK_TIMEOUT_MS);
            java.util.Arrays.fill(views, null);
        }

        private TransactionMap<byte[], byte[]> view(int table) {
            TransactionMap<byte[], byte[]> v = views[table];
            if (v == null) {
                v = maps[table].getInstance(txn);
                views[table] = v;
            }
            return v;
        }

        @Override
        public byte[] get(int table, byte[] key) {
            try {
                return view(table).get(key);
            } catch (MVStoreException e) {
                throw translate(e);
            }
        }

        @Override
        public byte[] getForUpdate(int table, byte[] key) {
            try {
                return view(table).lock(key);
            } catch (MVStoreException e) {
                throw translate(e);
            }
        }

        @Override
        public void put(int table, byte[] key, byte[] value) {
            try {
                view(table).put(key, value);
            } catch (MVStoreException e) {
                throw translate(e);
            }
        }

        @Override
        public void insert(int table, byte[] key, byte[] value) {
            put(table, key, value);
        }

        @Override
        public void commit() {
            commitNoSync();
            store.commit();
            store.sync();
        }

        @Override
        public void commitNoSync() {
            Transaction t = txn;
            txn = null;
            t.commit();
        }

        @Override
        public void abort() {
            Transaction t = txn;
            txn = null;
            if (t != null && t.getStatus() == Transaction.STATUS_OPEN) {
                t.rollback();
            }
        }

        @Override
        public byte[] read(int table, byte[] key) {
            // MVStore reads always go through a transaction; a read-only one writes nothing at commit.
            Transaction t = txns.begin();
            try {
                return maps[table].getInstance(t).get(key);
            } finally {
                t.commit();
            }
        }

        @Override
        public void close() {
            abort();
        }
    }
}
