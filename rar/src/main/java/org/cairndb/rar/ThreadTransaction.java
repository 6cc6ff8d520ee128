package org.cairndb.rar;

import jakarta.resource.spi.BootstrapContext;
import jakarta.transaction.Status;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * What the calling thread's JTA transaction says about work that a connection would otherwise run
 * on its own (auto-commit, because the connection is in no branch and no local transaction).
 *
 * <p>The transaction manager may roll a transaction back from another thread: Narayana's reaper, at
 * the transaction's timeout, ends the connection's branch with TMFAIL and rolls it back while the
 * application thread is still inside the transaction. Seen from the connection, that is the same
 * series of XA calls as after {@code UserTransaction.rollback()} in a bean-managed transaction, where
 * further work is rightly auto-committed. Only the thread's transaction status tells the two apart:
 * the thread still belongs to a rolled-back (or otherwise finished) transaction in the first case,
 * to none in the second. Work in the first case would commit on its own, outside the transaction
 * the application believes it is in, so it is refused (as the server's own JDBC connections refuse
 * statements once their transaction is no longer active).
 *
 * <p>The registry comes from the server through {@link BootstrapContext#getTransactionSynchronizationRegistry()}
 * (Connectors 1.6 on); without one (a server that gives none, or plain Java) nothing is refused.
 */
final class ThreadTransaction {

    private final TransactionSynchronizationRegistry registry;

    private ThreadTransaction(TransactionSynchronizationRegistry registry) {
        this.registry = registry;
    }

    static ThreadTransaction of(BootstrapContext ctx) {
        TransactionSynchronizationRegistry r = null;
        if (ctx != null) {
            try {
                r = ctx.getTransactionSynchronizationRegistry();
            } catch (RuntimeException | LinkageError unsupported) {
                // A server without the registry: the check is simply not made.
            }
        }
        return new ThreadTransaction(r);
    }

    /**
     * Null when the calling thread may have work committed on its own (no transaction, or an active
     * one); else how its transaction stands ("rolled back", "marked for rollback", ...).
     */
    String finishedOrDoomed() {
        if (registry == null) {
            return null;
        }
        int status;
        try {
            status = registry.getTransactionStatus();
        } catch (RuntimeException e) {
            return null; // a registry that cannot answer for this thread: nothing to go by
        }
        return switch (status) {
            case Status.STATUS_NO_TRANSACTION, Status.STATUS_ACTIVE -> null;
            case Status.STATUS_MARKED_ROLLBACK -> "marked for rollback";
            case Status.STATUS_ROLLING_BACK -> "rolling back";
            case Status.STATUS_ROLLEDBACK -> "rolled back";
            case Status.STATUS_PREPARING -> "preparing";
            case Status.STATUS_PREPARED -> "prepared";
            case Status.STATUS_COMMITTING -> "committing";
            case Status.STATUS_COMMITTED -> "committed";
            default -> "in an unknown state (status " + status + ")";
        };
    }
}
