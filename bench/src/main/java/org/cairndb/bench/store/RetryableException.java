package org.cairndb.bench.store;

/**
 * The store rolled the transaction back (deadlock victim, lock timeout, write conflict) and it
 * should be run again. Adapters translate their store's own exceptions into this one so that the
 * workloads retry the same way on every store.
 */
public final class RetryableException extends RuntimeException {

    public RetryableException(Throwable cause) {
        super(cause.toString(), cause, false, false);
    }
}
