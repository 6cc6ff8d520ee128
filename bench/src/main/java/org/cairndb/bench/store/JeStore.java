package org.cairndb.bench.store;

import com.sleepycat.je.Database;
import com.sleepycat.je.DatabaseConfig;
import com.sleepycat.je.DatabaseEntry;
import com.sleepycat.je.Durability;
import com.sleepycat.je.Environment;
import com.sleepycat.je.EnvironmentConfig;
import com.sleepycat.je.LockConflictException;
import com.sleepycat.je.LockMode;
import com.sleepycat.je.OperationStatus;
import com.sleepycat.je.Transaction;
import java.nio.file.Path;
import java.util.List;

/**
 * Berkeley DB Java Edition: a transactional environment with {@code COMMIT_SYNC}, its default
 * isolation (locking, repeatable read) and {@code LockMode.RMW} for reads meant for update.
 * Everything else is left at JE's defaults.
 */
final class JeStore implements KvStore {

    private final Environment env;
    private final Database[] dbs;

    JeStore(Path dir, StoreConfig config, List<String> tables) {
        EnvironmentConfig ec = new EnvironmentConfig();
        ec.setAllowCreate(true);
        ec.setTransactional(true);
        ec.setDurability(Durability.COMMIT_SYNC);
        ec.setCacheSize(config.cacheBytes());
        if (!config.checkpoints()) {
            // No checkpoint may shorten the log that recovery replays; the cleaner is off too
            // because it would force checkpoints to delete the files it cleaned.
            ec.setConfigParam(EnvironmentConfig.ENV_RUN_CHECKPOINTER, "false");
            ec.setConfigParam(EnvironmentConfig.ENV_RUN_CLEANER, "false");
        }
        env = new Environment(dir.toFile(), ec);
        DatabaseConfig dc = new DatabaseConfig();
        dc.setAllowCreate(true);
        dc.setTransactional(true);
        dbs = new Database[tables.size()];
        for (int i = 0; i < dbs.length; i++) {
            dbs[i] = env.openDatabase(null, tables.get(i), dc);
        }
    }

    @Override
    public String name() {
        return "je";
    }

    @Override
    public Session session() {
        return new JeSession();
    }

    @Override
    public void checkpoint() {
        env.sync();
    }

    @Override
    public void close() {
        for (Database db : dbs) {
            db.close();
        }
        env.close();
    }

    private final class JeSession implements Session {
        private final DatabaseEntry value = new DatabaseEntry();
        private Transaction txn;

        @Override
        public void begin() {
            txn = env.beginTransaction(null, null);
        }

        private byte[] get(int table, byte[] key, LockMode mode) {
            try {
                OperationStatus s = dbs[table].get(txn, new DatabaseEntry(key), value, mode);
                return s == OperationStatus.SUCCESS ? value.getData() : null;
            } catch (LockConflictException e) {
                throw new RetryableException(e);
            }
        }

        @Override
        public byte[] get(int table, byte[] key) {
            return get(table, key, LockMode.DEFAULT);
        }

        @Override
        public byte[] getForUpdate(int table, byte[] key) {
            return get(table, key, LockMode.RMW);
        }

        @Override
        public void put(int table, byte[] key, byte[] v) {
            try {
                dbs[table].put(txn, new DatabaseEntry(key), new DatabaseEntry(v));
            } catch (LockConflictException e) {
                throw new RetryableException(e);
            }
        }

        @Override
        public void insert(int table, byte[] key, byte[] v) {
            put(table, key, v);
        }

        @Override
        public void commit() {
            Transaction t = txn;
            txn = null;
            t.commit();
        }

        @Override
        public void commitNoSync() {
            Transaction t = txn;
            txn = null;
            t.commit(Durability.COMMIT_NO_SYNC);
        }

        @Override
        public void abort() {
            Transaction t = txn;
            txn = null;
            // A transaction that lost a lock conflict is MUST_ABORT, no longer "valid", but still
            // holds its locks until aborted.
            if (t != null && t.getState() != Transaction.State.COMMITTED
                    && t.getState() != Transaction.State.ABORTED) {
                t.abort();
            }
        }

        @Override
        public byte[] read(int table, byte[] key) {
            OperationStatus s = dbs[table].get(null, new DatabaseEntry(key), value, LockMode.DEFAULT);
            return s == OperationStatus.SUCCESS ? value.getData() : null;
        }

        @Override
        public void close() {
            abort();
        }
    }
}
