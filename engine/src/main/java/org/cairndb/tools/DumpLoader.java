package org.cairndb.tools;

import java.io.IOException;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;

/**
 * Loads a dump into a database, in batches: each batch of records is one transaction, so a
 * large load neither holds one enormous write set nor pays for a commit per record. A batch is
 * committed as soon as it is full. A bad line rolls back the batch it fell into; the batches
 * before it stay committed, and the error says how many records they held.
 */
public final class DumpLoader {

    /** Records per transaction unless told otherwise. */
    public static final int DEFAULT_BATCH_RECORDS = 10_000;

    /** What a load did. */
    public record Result(String database, long records, long skipped, long transactions) {
    }

    /** A load stopped part way; {@link #committedRecords()} were loaded and stay loaded. */
    public static final class LoadFailedException extends IOException {
        private static final long serialVersionUID = 1L;

        private final long committedRecords;

        LoadFailedException(String message, long committedRecords, Throwable cause) {
            super(message, cause);
            this.committedRecords = committedRecords;
        }

        public long committedRecords() {
            return committedRecords;
        }
    }

    private final Environment env;
    private final int batchRecords;
    private final long txnMaxBytes;
    private final long batchBytes;
    private final boolean keepExisting;

    /**
     * @param batchRecords records per transaction
     * @param keepExisting like {@code db_load -n}: keys already in the database keep their value
     *                     (the dump's record is skipped and counted) instead of being overwritten
     */
    public DumpLoader(Environment env, int batchRecords, boolean keepExisting) {
        if (batchRecords < 1) {
            throw new IllegalArgumentException("batch size must be at least 1 record, not " + batchRecords);
        }
        this.env = env;
        this.batchRecords = batchRecords;
        this.txnMaxBytes = env.config().txnMaxBytes();
        // Half the engine's write-set limit: a batch is cut before a record would take it past
        // that, so a batch plus any record the limit allows on its own always fits.
        this.batchBytes = txnMaxBytes / 2;
        this.keepExisting = keepExisting;
    }

    /**
     * Reads the header, opens (creating if needed) {@code dbName} and loads every record. If the
     * load fails before a batch committed, a database it created is removed again, so that a
     * failed load does not leave an empty database that looks loaded.
     */
    public Result load(DumpReader reader, String dbName) throws IOException {
        reader.readHeader();
        boolean created = !env.databaseExists(dbName);
        Batches batches = new Batches(env.openDatabase(dbName, true));
        try {
            while (reader.next()) {
                batches.add(reader);
            }
            batches.commit();
        } catch (IOException | CairnException | IllegalArgumentException e) {
            long lost = batches.rollback();
            String removed = created && batches.committed == 0 ? removeAgain(dbName) : "";
            long committed = batches.committed;
            throw new LoadFailedException(e.getMessage() + "; " + records(committed) + wereOrWas(committed)
                    + " committed before it"
                    + (lost > 0 ? ", the " + records(lost) + " read since" + wereOrWas(lost) + " rolled back" : "")
                    + removed, committed, e);
        }
        return new Result(dbName, batches.committed, batches.skipped, batches.transactions);
    }

    /** Removes the database a failed load created; says so, or why it could not, for the error message. */
    private String removeAgain(String dbName) {
        try {
            env.removeDatabase(dbName);
            return " and database '" + dbName + "', which this load created, was removed again";
        } catch (CairnException e) {
            return "; database '" + dbName + "', which this load created, is left empty: " + e.getMessage();
        }
    }

    private static String records(long n) {
        return n == 1 ? "1 record" : n + " records";
    }

    private static String wereOrWas(long n) {
        return n == 1 ? " was" : " were";
    }

    /**
     * The transaction being filled and what the committed ones held. A batch is committed as soon
     * as it is full, not when the next record has been read, so that a bad record never takes a
     * full batch down with it: what the documentation and the error promise is exactly what stays.
     */
    private final class Batches {
        private final Database db;
        private Transaction txn;
        private long inBatch;
        private long bytesInBatch;
        long committed;
        long skipped;
        long transactions;

        Batches(Database db) {
            this.db = db;
        }

        /** Adds the record {@code reader} just read, committing the batch when it is full. */
        void add(DumpReader reader) throws IOException {
            byte[] key = reader.key();
            byte[] value = reader.value();
            long size = (long) key.length + value.length;
            if (txn != null && bytesInBatch + size > batchBytes) {
                commit();
            }
            if (txn == null) {
                txn = env.beginTransaction();
            }
            put(reader, key, value);
            inBatch++;
            bytesInBatch += size;
            if (inBatch >= batchRecords || bytesInBatch >= batchBytes) {
                commit();
            }
        }

        private void put(DumpReader reader, byte[] key, byte[] value) throws IOException {
            try {
                if (keepExisting) {
                    if (!db.putIfAbsent(txn, key, value)) {
                        skipped++;
                    }
                } else {
                    db.put(txn, key, value);
                }
            } catch (CairnException | IllegalArgumentException e) {
                // The engine's message names its transaction, not the record's place in the dump.
                String record = "line " + reader.line() + ": record " + (committed + inBatch + 1) + " (key on line "
                        + reader.keyLine() + ")";
                long size = (long) key.length + value.length;
                throw new IOException(record + (size > txnMaxBytes ? tooLarge(size)
                        : " could not be written: " + e.getMessage()), e);
            }
        }

        /**
         * Why a record alone broke the engine's write-set limit, and the way out: a smaller batch
         * cannot help, as batches are already cut to leave room for any record the limit allows.
         */
        private String tooLarge(long size) {
            return " has " + size + " bytes of key and value, more than one transaction may write"
                    + " (cairn.txn.max.bytes, " + txnMaxBytes + " bytes); raise cairn.txn.max.bytes in "
                    + env.home().resolve(EnvironmentConfig.PROPERTIES_FILE) + " to at least " + size;
        }

        /** Commits the open batch, if any. */
        void commit() {
            if (txn == null) {
                return;
            }
            txn.commit();
            txn = null;
            transactions++;
            committed += inBatch;
            inBatch = 0;
            bytesInBatch = 0;
        }

        /** Rolls the open batch back; returns how many records it held. */
        long rollback() {
            long lost = inBatch;
            if (txn != null) {
                txn.close();
                txn = null;
            }
            inBatch = 0;
            bytesInBatch = 0;
            return lost;
        }
    }
}
