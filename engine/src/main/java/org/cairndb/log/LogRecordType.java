package org.cairndb.log;

/** The record types and their codes on disk. Codes are never reused. */
public enum LogRecordType {
    /** A committed transaction: its writes, or a reference to the PREPARE record that holds them. */
    COMMIT(1),
    /** A prepared (two-phase) transaction: its global id and writes. */
    PREPARE(2),
    /** The rollback of a prepared transaction. */
    ABORT(3),
    /** The end of a checkpoint: the LSN where recovery must start. */
    CHECKPOINT(4),
    /** A database was created. */
    DATABASE_CREATE(5),
    /** A database was removed. */
    DATABASE_REMOVE(6),
    /** An admin told the environment to forget a heuristically completed transaction. */
    FORGET(7);

    private final byte code;

    LogRecordType(int code) {
        this.code = (byte) code;
    }

    public byte code() {
        return code;
    }

    /** The type with this code, or null. */
    public static LogRecordType of(byte code) {
        for (LogRecordType t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
