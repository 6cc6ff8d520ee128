package org.cairndb;

/** A transaction was used in a state that does not allow the operation (already committed, aborted, prepared, ...). */
public class TransactionStateException extends CairnException {
    private static final long serialVersionUID = 1L;

    public TransactionStateException(String message) {
        super(message);
    }
}
