package org.cairndb;

/**
 * A transaction could not go on and has been rolled back: every change it made is gone and its
 * locks are released. The application may retry the work in a new transaction.
 */
public class TransactionException extends CairnException {
    private static final long serialVersionUID = 1L;

    private final long txnId;

    public TransactionException(long txnId, String message) {
        super(message);
        this.txnId = txnId;
    }

    /** Id of the transaction that was rolled back. */
    public long txnId() {
        return txnId;
    }
}
