package org.cairndb.examples.ledger;

import jakarta.ejb.ApplicationException;

/**
 * Another transaction got to one of the accounts first (a write conflict under snapshot isolation, or
 * a deadlock). Cairn has rolled this transaction back; the same work in a new transaction will succeed,
 * so the REST layer retries it a few times before answering 409.
 */
@ApplicationException(rollback = true)
public class TransferConflict extends LedgerException {

    private static final long serialVersionUID = 1L;

    public TransferConflict(String message, Throwable cause) {
        super(409, message);
        initCause(cause);
    }
}
