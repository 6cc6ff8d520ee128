package org.cairndb;

/**
 * Under {@link IsolationLevel#SNAPSHOT} another transaction committed a write to a key this one
 * tries to write after this one took its snapshot; under {@link IsolationLevel#SERIALIZABLE} also
 * a committed write to something this transaction read.
 */
public class WriteConflictException extends TransactionException {
    private static final long serialVersionUID = 1L;

    public WriteConflictException(long txnId, String message) {
        super(txnId, message);
    }
}
