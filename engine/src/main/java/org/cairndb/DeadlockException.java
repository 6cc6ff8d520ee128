package org.cairndb;

/** This transaction was chosen as the victim of a deadlock; the message names every transaction in the cycle. */
public class DeadlockException extends TransactionException {
    private static final long serialVersionUID = 1L;

    private final long[] cycle;

    public DeadlockException(long txnId, long[] cycle, String message) {
        super(txnId, message);
        this.cycle = cycle.clone();
    }

    /** Ids of the transactions in the wait-for cycle, starting with the victim. */
    public long[] cycle() {
        return cycle.clone();
    }
}
