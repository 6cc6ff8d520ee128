package org.cairndb.tools;

import java.io.IOException;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.Transaction;

/**
 * Loads a dump into a database, in batches: each batch of records is one transaction, so a
 * large load neither holds one enormous write set nor pays for a commit per record. A bad line
 * rolls back the batch it fell into; the batches before it stay committed, and the error says how
 * many records they held.
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
        // Half the engine's write-set limit leaves room for the record that crosses the line.
        this.batchBytes = env.config().txnMaxBytes() / 2;
        this.keepExisting = keepExisting;
    }

    /** Reads the header, opens (creating if needed) {@code dbName} and loads every record. */
    public Result load(DumpReader reader, String dbName) throws IOException {
        reader.readHeader();
        Database db = env.openDatabase(dbName, true);
        long committed = 0;
        long skipped = 0;
        long transactions = 0;
        Transaction txn = null;
        long inBatch = 0;
        long bytesInBatch = 0;
        try {
            while (reader.next()) {
                byte[] key = reader.key();
                byte[] value = reader.value();
                if (txn != null && (inBatch >= batchRecords || bytesInBatch + key.length + value.length > batchBytes)) {
                    txn.commit();
                    transactions++;
                    committed += inBatch;
                    txn = null;
                }
                if (txn == null) {
                    txn = env.beginTransaction();
                    inBatch = 0;
                    bytesInBatch = 0;
                }
                if (keepExisting) {
                    if (!db.putIfAbsent(txn, key, value)) {
                        skipped++;
                    }
                } else {
                    db.put(txn, key, value);
                }
                inBatch++;
                bytesInBatch += key.length + value.length;
            }
            if (txn != null) {
                txn.commit();
                transactions++;
                committed += inBatch;
                txn = null;
            }
        } catch (IOException | CairnException | IllegalArgumentException e) {
            long lost = inBatch;
            if (txn != null) {
                txn.close();
            }
            String why = e.getMessage();
            throw new LoadFailedException(why + "; " + committed + " records were committed before it"
                    + (lost > 0 ? ", the " + lost + " records read since were rolled back" : ""), committed, e);
        }
        return new Result(dbName, committed, skipped, transactions);
    }
}
