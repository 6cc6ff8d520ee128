package org.cairndb.txn;

import org.cairndb.log.LogRecord;

/**
 * The two bounds on what one transaction may write. The configured one ({@code
 * cairn.txn.max.bytes}) counts keys and values. The other is the log's: every write goes into the
 * transaction's one COMMIT or PREPARE record, where each also takes its kind, database id and
 * lengths (up to 12 bytes more); many small writes under the configured limit could still make a
 * record longer than the log holds, whose size would then wrap round to a wrong int.
 */
final class TxnSizeLimit {

    /** Room kept in a record for its own fields besides the writes (times, counts, a global id). */
    static final long RECORD_FIELDS = 64 << 10;

    /** The most the writes may take in one record. */
    static final long MAX_LOGGED_BYTES = LogRecord.MAX_SIZE - RECORD_FIELDS;

    private TxnSizeLimit() {
    }

    /** Why the writes are more than a transaction may hold (the end of a sentence naming it), or null. */
    static String excess(WriteSet writes, long maxTxnBytes, long maxLoggedBytes) {
        if (writes.bytes() > maxTxnBytes) {
            return "wrote " + writes.bytes() + " bytes, more than the limit of " + maxTxnBytes + " (cairn.txn.max.bytes)";
        }
        if (writes.loggedBytes() > maxLoggedBytes) {
            return "made " + writes.size() + " writes that take " + writes.loggedBytes()
                    + " bytes in its log record, more than one record holds (" + maxLoggedBytes
                    + "; cairn.txn.max.bytes counts only the keys and values, and cannot raise this): split it into"
                    + " smaller transactions";
        }
        return null;
    }
}
