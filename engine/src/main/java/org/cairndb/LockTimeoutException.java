package org.cairndb;

/** A lock could not be acquired within the lock timeout. The message names the key and the holders. */
public class LockTimeoutException extends TransactionException {
    private static final long serialVersionUID = 1L;

    public LockTimeoutException(long txnId, String message) {
        super(txnId, message);
    }
}
