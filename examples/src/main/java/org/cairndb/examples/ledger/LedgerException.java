package org.cairndb.examples.ledger;

import jakarta.ejb.ApplicationException;

/**
 * A request the ledger refuses (unknown account, insufficient funds, ...), or the failure a client
 * asked for with {@code ?fail=true}. As an application exception with {@code rollback = true} it
 * reaches the caller unwrapped, and the container rolls back everything the transaction did: the
 * Cairn writes and the JMS message alike.
 */
@ApplicationException(rollback = true)
public class LedgerException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int status;

    public LedgerException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status the REST layer answers with. */
    public int status() {
        return status;
    }
}
