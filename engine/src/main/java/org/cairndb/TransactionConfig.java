package org.cairndb;

import java.time.Duration;

/** Settings for one transaction; anything left unset comes from the environment's configuration. */
public final class TransactionConfig {

    private Durability durability;
    private IsolationLevel isolation;
    private Duration timeout;
    private Duration lockTimeout;

    public TransactionConfig durability(Durability durability) {
        this.durability = durability;
        return this;
    }

    public TransactionConfig isolation(IsolationLevel isolation) {
        this.isolation = isolation;
        return this;
    }

    /** Roll the transaction back if it is still running after this long; zero means never. */
    public TransactionConfig timeout(Duration timeout) {
        this.timeout = timeout == null ? null : org.cairndb.util.Timeouts.check(timeout, "transaction timeout");
        return this;
    }

    /** How long one lock request may wait. */
    public TransactionConfig lockTimeout(Duration lockTimeout) {
        this.lockTimeout = lockTimeout == null ? null : org.cairndb.util.Timeouts.check(lockTimeout, "lock timeout");
        return this;
    }

    public Durability durability() {
        return durability;
    }

    public IsolationLevel isolation() {
        return isolation;
    }

    public Duration timeout() {
        return timeout;
    }

    public Duration lockTimeout() {
        return lockTimeout;
    }
}
