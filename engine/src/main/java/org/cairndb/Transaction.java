package org.cairndb;

import java.time.Duration;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.txn.Txn;

/**
 * A transaction. Pass it to {@link Database} operations; end it with {@link #commit()} or
 * {@link #abort()}. {@link #close()} rolls back a transaction that was not ended, so
 * try-with-resources is safe:
 *
 * <pre>{@code
 * try (Transaction txn = env.beginTransaction()) {
 *     accounts.put(txn, key, value);
 *     txn.commit();
 * }
 * }</pre>
 *
 * Once a transaction has failed with a {@link TransactionException} (deadlock, lock timeout,
 * conflict, timeout) it has already been rolled back; {@link #abort()} is then a no-op.
 *
 * <p>A transaction is used by one thread at a time (it may pass from thread to thread, as an XA
 * branch does); the environment and its databases are shared by all threads. While its commit or
 * prepare runs, an abort, close or second commit from another thread is refused with a
 * {@link TransactionStateException}. Closing the environment rolls back the transactions still
 * active.
 */
public final class Transaction implements AutoCloseable {

    private final EnvironmentImpl env;
    private final Txn txn;

    Transaction(EnvironmentImpl env, Txn txn) {
        this.env = env;
        this.txn = txn;
    }

    Txn txn() {
        return txn;
    }

    EnvironmentImpl env() {
        return env;
    }

    public long id() {
        return txn.id();
    }

    public IsolationLevel isolation() {
        return txn.isolation();
    }

    /**
     * Whether the transaction has writes (puts or deletes) that a commit would make durable. A
     * transaction without writes can be ended without a log record; XA uses this to answer a prepare
     * with {@code XA_RDONLY}. Locks taken by reads ({@link Database#getForUpdate}) do not count.
     */
    public boolean hasWrites() {
        return !txn.writes().isEmpty();
    }

    /** ACTIVE, PREPARED, COMMITTED or ABORTED. */
    public String state() {
        return txn.state().name();
    }

    public boolean isActive() {
        return txn.state() == Txn.State.ACTIVE;
    }

    public boolean isPrepared() {
        return txn.state() == Txn.State.PREPARED;
    }

    /** Commits with the transaction's durability. */
    public void commit() {
        env.checkUsable();
        env.txns().commit(txn);
    }

    /** Commits with the given durability instead of the configured one. */
    public void commit(Durability durability) {
        // Refused before it is set: a null durability reached the commit pipeline, where the leader
        // of the next round failed on it with the commit still queued, and every later commit of
        // the environment failed behind it.
        if (durability == null) {
            throw new IllegalArgumentException("cannot commit transaction " + txn.id() + " with a null durability; "
                    + "commit() uses the transaction's own");
        }
        txn.durability(durability);
        commit();
    }

    /**
     * Rolls back. A no-op if the transaction was already rolled back: by a {@link TransactionException},
     * or by the close of its environment.
     */
    public void abort() {
        Txn.State state = txn.state();
        if (state == Txn.State.ABORTED) {
            // Before the environment check: after the close it threw "environment ... is closed", and
            // the abort of a catch or finally block replaced the error being handled.
            return;
        }
        if (state == Txn.State.ACTIVE) {
            // Rolled back in memory, with no log record: also while the environment is closing or has
            // failed. A close rolls every active transaction back, but only after the operations under
            // way have ended; an abort in between (a thread whose read was just refused as "environment
            // ... is closed" rolling its transaction back) threw that error again instead of doing
            // what the close would do a moment later (CloseWithActiveTransactionsTest, once in CI).
            env.txns().abort(txn);
            return;
        }
        env.checkUsable();
        env.txns().abort(txn);
    }

    /**
     * First phase of a two-phase commit: makes the transaction's writes durable in a PREPARE record
     * under {@code globalId}, keeping its locks. It then survives crashes and can only be committed
     * or rolled back. A global id another prepared transaction has, or whose heuristic outcome is
     * remembered (until {@link Environment#forgetHeuristic}), is refused with a
     * {@link TransactionStateException}.
     */
    public void prepare(byte[] globalId) {
        env.checkUsable();
        env.txns().prepare(txn, globalId);
    }

    /**
     * An admin's decision: commits this prepared (in-doubt) transaction without waiting for its
     * transaction manager. The outcome is logged and remembered (see
     * {@link Environment#heuristicOutcomes()}) until {@link Environment#forgetHeuristic}.
     */
    public void heuristicCommit() {
        env.checkUsable();
        env.txns().commit(txn, true);
    }

    /** An admin's decision: rolls back this prepared transaction; remembered like {@link #heuristicCommit()}. */
    public void heuristicRollback() {
        env.checkUsable();
        env.txns().abort(txn, true);
    }

    /** The global id given to {@link #prepare}, or null. */
    public byte[] globalId() {
        byte[] g = txn.globalId();
        return g == null ? null : g.clone();
    }

    /**
     * Sets the timeout counted from now; zero removes it. Only an active transaction has one: on a
     * prepared or ended one this is refused (it used to be accepted and ignored), and on one already
     * past its timeout it rolls it back and fails, as any other operation would.
     */
    public void setTimeout(Duration timeout) {
        long nanos = org.cairndb.util.Timeouts.check(timeout, "transaction timeout").toNanos();
        checkActive("set the timeout of");
        txn.timeoutNanos(nanos);
    }

    /** Sets how long each lock wait may last; refused like {@link #setTimeout} unless the transaction is active. */
    public void setLockTimeout(Duration timeout) {
        long nanos = org.cairndb.util.Timeouts.check(timeout, "lock timeout").toNanos();
        checkActive("set the lock timeout of");
        txn.lockTimeoutNanos(nanos);
    }

    private void checkActive(String action) {
        env.checkUsable();
        env.txns().checkActive(txn, action);
    }

    /** Rolls back if still active; a prepared transaction stays prepared. */
    @Override
    public void close() {
        if (txn.state() == Txn.State.ACTIVE && !env.isClosed()) {
            // Not abort(): a commit or prepare that ends in another thread just after the check
            // above leaves nothing for close to do (a prepared transaction waits for its outcome).
            env.txns().abortIfActive(txn);
        }
    }

    @Override
    public String toString() {
        return txn.describe() + " " + txn.state();
    }
}
