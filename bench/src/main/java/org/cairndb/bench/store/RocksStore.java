package org.cairndb.bench.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.rocksdb.Transaction;
import org.rocksdb.TransactionDB;
import org.rocksdb.TransactionDBOptions;
import org.rocksdb.TransactionOptions;
import org.rocksdb.WriteOptions;

/**
 * RocksDB through its JNI binding: a pessimistic TransactionDB, one column family per table,
 * commits with {@code sync=true} (the WAL is fsync'ed), {@code getForUpdate} for locked reads.
 * Compression is off because none of the other stores compresses and the values are random.
 */
final class RocksStore implements KvStore {

    static {
        RocksDB.loadLibrary();
    }

    private final LRUCache cache;
    private final ColumnFamilyOptions cfOptions;
    private final DBOptions dbOptions;
    private final TransactionDBOptions txnDbOptions;
    private final TransactionDB db;
    private final List<ColumnFamilyHandle> handles = new ArrayList<>();
    private final ColumnFamilyHandle[] tables;
    private final WriteOptions syncWrites = new WriteOptions().setSync(true);
    private final ReadOptions reads = new ReadOptions();
    private final TransactionOptions txnOptions = new TransactionOptions().setDeadlockDetect(true);

    RocksStore(Path dir, StoreConfig config, List<String> names) {
        cache = new LRUCache(config.cacheBytes());
        cfOptions = new ColumnFamilyOptions()
                .setCompressionType(CompressionType.NO_COMPRESSION)
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache));
        dbOptions = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
        if (!config.checkpoints()) {
            // RocksDB's "checkpoint" is a memtable flush: keep everything in the memtable and WAL.
            cfOptions.setWriteBufferSize(2L << 30).setMaxWriteBufferNumber(2);
            dbOptions.setMaxTotalWalSize(4L << 30);
        }
        txnDbOptions = new TransactionDBOptions();
        List<ColumnFamilyDescriptor> cfs = new ArrayList<>();
        cfs.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, cfOptions));
        for (String n : names) {
            cfs.add(new ColumnFamilyDescriptor(n.getBytes(java.nio.charset.StandardCharsets.UTF_8), cfOptions));
        }
        try {
            db = TransactionDB.open(dbOptions, txnDbOptions, dir.toString(), cfs, handles);
        } catch (RocksDBException e) {
            throw new IllegalStateException("cannot open RocksDB in " + dir, e);
        }
        tables = handles.subList(1, handles.size()).toArray(new ColumnFamilyHandle[0]);
    }

    @Override
    public String name() {
        return "rocksdb";
    }

    @Override
    public Session session() {
        return new RocksSession();
    }

    @Override
    public void checkpoint() {
        try (FlushOptions f = new FlushOptions().setWaitForFlush(true)) {
            db.flush(f, handles);
        } catch (RocksDBException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (ColumnFamilyHandle h : handles) {
            h.close();
        }
        db.close();
        txnOptions.close();
        syncWrites.close();
        reads.close();
        txnDbOptions.close();
        dbOptions.close();
        cfOptions.close();
        cache.close();
    }

    private static RuntimeException translate(RocksDBException e) {
        Status s = e.getStatus();
        if (s != null) {
            switch (s.getCode()) {
                case Busy, TimedOut, TryAgain, Aborted, Expired:
                    return new RetryableException(e);
                default:
                    break;
            }
        }
        return new IllegalStateException(e);
    }

    private final class RocksSession implements Session {
        private Transaction txn;
        private Transaction spare; // RocksDB lets a finished transaction object be reused

        @Override
        public void begin() {
            txn = spare == null ? db.beginTransaction(syncWrites, txnOptions)
                    : db.beginTransaction(syncWrites, txnOptions, spare);
        }

        @Override
        public byte[] get(int table, byte[] key) {
            try {
                return txn.get(reads, tables[table], key);
            } catch (RocksDBException e) {
                throw translate(e);
            }
        }

        @Override
        public byte[] getForUpdate(int table, byte[] key) {
            try {
                return txn.getForUpdate(reads, tables[table], key, true);
            } catch (RocksDBException e) {
                throw translate(e);
            }
        }

        @Override
        public void put(int table, byte[] key, byte[] value) {
            try {
                txn.put(tables[table], key, value);
            } catch (RocksDBException e) {
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
            spare = t;
            try {
                t.commit();
            } catch (RocksDBException e) {
                rollbackQuietly(t);
                throw translate(e);
            }
        }

        /** The WriteOptions are fixed when the transaction begins; preload batches are large, so a sync each costs little. */
        @Override
        public void commitNoSync() {
            commit();
        }

        @Override
        public void abort() {
            Transaction t = txn;
            txn = null;
            if (t != null) {
                spare = t;
                rollbackQuietly(t);
            }
        }

        private void rollbackQuietly(Transaction t) {
            try {
                t.rollback();
            } catch (RocksDBException e) {
                // already finished: nothing to undo
            }
        }

        @Override
        public byte[] read(int table, byte[] key) {
            try {
                return db.get(tables[table], reads, key);
            } catch (RocksDBException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() {
            abort();
            if (spare != null) {
                spare.close();
            }
        }
    }
}
