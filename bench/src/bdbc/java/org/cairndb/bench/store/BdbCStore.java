package org.cairndb.bench.store;

import com.sleepycat.db.CheckpointConfig;
import com.sleepycat.db.Database;
import com.sleepycat.db.DatabaseConfig;
import com.sleepycat.db.DatabaseEntry;
import com.sleepycat.db.DatabaseException;
import com.sleepycat.db.DatabaseType;
import com.sleepycat.db.DeadlockException;
import com.sleepycat.db.Environment;
import com.sleepycat.db.EnvironmentConfig;
import com.sleepycat.db.LockDetectMode;
import com.sleepycat.db.LockMode;
import com.sleepycat.db.LockNotGrantedException;
import com.sleepycat.db.OperationStatus;
import com.sleepycat.db.Transaction;
import java.io.FileNotFoundException;
import java.nio.file.Path;
import java.util.List;

/**
 * Berkeley DB 5.3 in C (Debian's libdb5.3) through its JNI Java API: a transactional data store
 * environment (cache, locking, logging, transactions; normal recovery at open), B-tree databases,
 * synchronous commits, {@code LockMode.RMW} for reads meant for update and the deadlock detector
 * run on every conflict. Regions are private to the process, as there is only one.
 *
 * <p>Compiled only by the {@code bdb-c} Maven profile; {@link Stores} reaches it by reflection.
 */
public final class BdbCStore implements KvStore {

    private final Environment env;
    private final Database[] dbs;

    public BdbCStore(Path dir, StoreConfig config, List<String> tables) {
        EnvironmentConfig ec = new EnvironmentConfig();
        ec.setAllowCreate(true);
        ec.setInitializeCache(true);
        ec.setInitializeLocking(true);
        ec.setInitializeLogging(true);
        ec.setTransactional(true);
        ec.setRunRecovery(true);
        ec.setThreaded(true);
        ec.setPrivate(true);
        ec.setCacheSize(config.cacheBytes());
        // The same 1 MiB log buffer as Cairn's default (BDB's own default is 32 KiB).
        ec.setLogBufferSize(1 << 20);
        ec.setLockDetectMode(LockDetectMode.DEFAULT);
        // A 1,000-record transaction on a B-tree with page locks needs far fewer than this; 64
        // threads need more lockers than the default 1,000 when transactions are retried.
        ec.setMaxLocks(100_000);
        ec.setMaxLockObjects(100_000);
        ec.setMaxLockers(10_000);
        ec.setTxnMaxActive(1_000);
        // BDB C checkpoints only when asked, so config.checkpoints() needs nothing here.
        try {
            env = new Environment(dir.toFile(), ec);
            DatabaseConfig dc = new DatabaseConfig();
            dc.setAllowCreate(true);
            dc.setTransactional(true);
            dc.setType(DatabaseType.BTREE);
            dbs = new Database[tables.size()];
            for (int i = 0; i < dbs.length; i++) {
                dbs[i] = env.openDatabase(null, tables.get(i) + ".db", null, dc);
            }
        } catch (DatabaseException | FileNotFoundException e) {
            throw new IllegalStateException("cannot open Berkeley DB in " + dir, e);
        }
    }

    @Override
    public String name() {
        return "bdbc";
    }

    @Override
    public Session session() {
        return new BdbCSession();
    }

    @Override
    public void checkpoint() {
        CheckpointConfig cc = new CheckpointConfig();
        cc.setForce(true);
        try {
            env.checkpoint(cc);
        } catch (DatabaseException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            for (Database db : dbs) {
                db.close();
            }
            env.close();
        } catch (DatabaseException e) {
            throw new IllegalStateException(e);
        }
    }

    private static RuntimeException translate(DatabaseException e) {
        if (e instanceof DeadlockException || e instanceof LockNotGrantedException) {
            return new RetryableException(e);
        }
        return new IllegalStateException(e);
    }

    private final class BdbCSession implements Session {
        private Transaction txn;

        @Override
        public void begin() {
            try {
                txn = env.beginTransaction(null, null);
            } catch (DatabaseException e) {
                throw translate(e);
            }
        }

        private byte[] get(Transaction t, int table, byte[] key, LockMode mode) {
            DatabaseEntry value = new DatabaseEntry();
            try {
                OperationStatus s = dbs[table].get(t, new DatabaseEntry(key), value, mode);
                return s == OperationStatus.SUCCESS ? value.getData() : null;
            } catch (DatabaseException e) {
                throw translate(e);
            }
        }

        @Override
        public byte[] get(int table, byte[] key) {
            return get(txn, table, key, LockMode.DEFAULT);
        }

        @Override
        public byte[] getForUpdate(int table, byte[] key) {
            return get(txn, table, key, LockMode.RMW);
        }

        @Override
        public void put(int table, byte[] key, byte[] value) {
            try {
                dbs[table].put(txn, new DatabaseEntry(key), new DatabaseEntry(value));
            } catch (DatabaseException e) {
                throw translate(e);
            }
        }

        @Override
        public void insert(int table, byte[] key, byte[] value) {
            put(table, key, value);
        }

        @Override
        public void commit() {
            Transaction t = txn;
            txn = null;
            try {
                t.commitSync();
            } catch (DatabaseException e) {
                throw translate(e);
            }
        }

        @Override
        public void commitNoSync() {
            Transaction t = txn;
            txn = null;
            try {
                t.commitNoSync();
            } catch (DatabaseException e) {
                throw translate(e);
            }
        }

        @Override
        public void abort() {
            Transaction t = txn;
            txn = null;
            if (t != null) {
                try {
                    t.abort();
                } catch (DatabaseException e) {
                    throw new IllegalStateException(e);
                }
            }
        }

        @Override
        public byte[] read(int table, byte[] key) {
            return get(null, table, key, LockMode.DEFAULT);
        }

        @Override
        public void close() {
            abort();
        }
    }
}
