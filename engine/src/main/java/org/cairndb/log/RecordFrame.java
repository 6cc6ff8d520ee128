package org.cairndb.log;

import java.nio.ByteBuffer;

/** A record as read from the log, checksum verified, payload not yet decoded. */
public record RecordFrame(long lsn, int size, LogRecordType type, byte flags, long txnId, long durableLsn, ByteBuffer payload) {

    /** LSN just past this record. */
    public long endLsn() {
        return lsn + size;
    }

    public LogRecord decode() {
        return LogRecord.decode(this);
    }
}
