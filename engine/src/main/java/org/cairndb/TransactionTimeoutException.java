package org.cairndb;

/** The transaction ran longer than its timeout and was rolled back. */
public class TransactionTimeoutException extends TransactionException {
    private static final long serialVersionUID = 1L;

    public TransactionTimeoutException(long txnId, String message) {
        super(txnId, message);
    }
}
