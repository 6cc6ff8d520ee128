package org.cairndb.bench.store;

import java.nio.file.Path;
import java.util.List;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.TransactionException;

/** Cairn with SYNC commits and its default isolation (snapshot reads, key write locks). */
final class CairnStore implements KvStore {

    private final Environment env;
    private final Database[] dbs;

    CairnStore(Path dir, StoreConfig config, List<String> tables) {
        EnvironmentConfig ec = new EnvironmentConfig().durability(Durability.SYNC).cacheSize(config.cacheBytes());
        if (!config.checkpoints()) {
            // Everything written stays in the log for recovery to replay.
            ec.checkpointerEnabled(false).checkpointKBytes(0).checkpointMinutes(0);
        }
        env = Environment.open(dir, ec);
        dbs = new Database[tables.size()];
        for (int i = 0; i < dbs.length; i++) {
            dbs[i] = env.openDatabase(tables.get(i));
        }
    }

    @Override
    public String name() {
        return "cairn";
    }

    /** For the harnesses, which report engine statistics. */
    Environment environment() {
        return env;
    }

    @Override
    public Session session() {
        return new CairnSession();
    }

    @Override
    public void checkpoint() {
        env.checkpoint(true);
    }

    @Override
    public String recoverySummary() {
        return String.valueOf(env.recoveryReport());
    }

    @Override
    public String stats() {
        org.cairndb.EnvironmentStats s = env.stats();
        return String.format("commits=%d aborts=%d conflicts=%d logForces=%d (%.2f commits/force) logMB=%d"
                + " checkpoints=%d cacheHit=%.4f cacheUsedMB=%d dirtyMB=%d",
                s.commits(), s.aborts(), s.conflicts(), s.logForces(),
                s.logForces() == 0 ? 0.0 : (double) s.commits() / s.logForces(), s.logBytesWritten() >> 20,
                s.checkpoints(), s.cacheHitRatio(), s.cacheUsed() >> 20, s.dirtyBytes() >> 20);
    }

    @Override
    public void close() {
        env.close();
    }

    private static final org.cairndb.TransactionConfig READ_COMMITTED = new org.cairndb.TransactionConfig()
            .isolation(org.cairndb.IsolationLevel.READ_COMMITTED);

    private final class CairnSession implements Session {
        private Transaction txn;

        @Override
        public void begin() {
            // Locking reads (getForUpdate) at READ_COMMITTED, as cairn bench and pgbench run transfers.
            txn = env.beginTransaction(READ_COMMITTED);
        }

        @Override
        public byte[] get(int table, byte[] key) {
            try {
                return dbs[table].get(txn, key);
            } catch (TransactionException e) {
                throw new RetryableException(e);
            }
        }

        @Override
        public byte[] getForUpdate(int table, byte[] key) {
            try {
                return dbs[table].getForUpdate(txn, key);
            } catch (TransactionException e) {
                throw new RetryableException(e);
            }
        }

        @Override
        public void put(int table, byte[] key, byte[] value) {
            try {
                dbs[table].put(txn, key, value);
            } catch (TransactionException e) {
                throw new RetryableException(e);
            }
        }

        @Override
        public void insert(int table, byte[] key, byte[] value) {
            put(table, key, value);
        }

        @Override
        public void commit() {
            end(Durability.SYNC);
        }

        @Override
        public void commitNoSync() {
            end(Durability.NO_SYNC);
        }

        private void end(Durability d) {
            Transaction t = txn;
            txn = null;
            try {
                t.commit(d);
            } catch (TransactionException e) {
                throw new RetryableException(e);
            }
        }

        @Override
        public void abort() {
            Transaction t = txn;
            txn = null;
            if (t != null && t.isActive()) {
                t.abort();
            }
        }

        @Override
        public byte[] read(int table, byte[] key) {
            return dbs[table].get(null, key);
        }

        @Override
        public void close() {
            abort();
        }
    }
}
