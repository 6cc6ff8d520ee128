package org.cairndb.xa;

import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import javax.transaction.xa.XAException;
import org.cairndb.LockTimeoutException;
import org.cairndb.Transaction;
import org.cairndb.TransactionException;

/**
 * One transaction branch before it is prepared: its Xid, the engine transaction doing its work, how
 * many resources are associated with it (actively or suspended), and whether it can still commit.
 * Once prepared (or finished) the branch leaves the {@link BranchRegistry}; a prepared branch lives
 * in the engine, which keeps it across crashes.
 *
 * <p>Branch states of the XA specification: <i>active</i> while {@code associations > 0},
 * <i>idle</i> when no association is left, <i>rollback-only</i> when {@code rollbackCode != 0}.
 */
final class XaBranch {

    final CairnXid xid;
    final byte[] globalId;
    final Transaction txn;
    /** System.nanoTime() after which the branch has timed out; 0 for never. */
    private final long deadlineNanos;

    private int associations;
    /** The XA_RB* code the branch will end with; 0 while it can commit. */
    private int rollbackCode;
    /** True if the resource manager rolled the branch back on its own (not end(TMFAIL)). */
    private boolean rolledBackByRm;
    private String rollbackReason;
    /** True once a caller has been told the XA_RB* code. */
    private boolean reported;
    private boolean finished;

    /** Serializes engine operations of the several connections that may share the branch (TMJOIN). */
    private final ReentrantLock work = new ReentrantLock();

    XaBranch(CairnXid xid, Transaction txn, long deadlineNanos) {
        this.xid = xid;
        this.globalId = XidCodec.encode(xid);
        this.txn = txn;
        this.deadlineNanos = deadlineNanos;
    }

    /** Adds an association (start with TMNOFLAGS, TMJOIN or TMRESUME of a fresh association). */
    synchronized void associate() throws XAException {
        checkUsable("start");
        associations++;
    }

    /**
     * Removes an association (end with TMSUCCESS or TMFAIL, or a suspended association given up).
     * Returns normally only if the branch can still commit, or if {@code fail} was the first reason
     * to roll it back; otherwise throws the XA_RB* code.
     */
    synchronized void dissociate(boolean fail) throws XAException {
        associations--;
        refresh();
        if (rollbackCode != 0 && rolledBackByRm) {
            throw rollbackError("end");
        }
        if (fail && rollbackCode == 0) {
            rollBack(XAException.XA_RBROLLBACK, false, "its work failed (end with TMFAIL)");
        }
    }

    /** Checks, for end(TMSUSPEND) or start(TMRESUME), that the branch can still commit. */
    synchronized void checkCanCommit(String action) throws XAException {
        refresh();
        if (rollbackCode != 0) {
            throw rollbackError(action);
        }
    }

    synchronized int associations() {
        return associations;
    }

    synchronized boolean isRollbackOnly() {
        refresh();
        return rollbackCode != 0;
    }

    /**
     * Whether a rollback should answer with the XA_RB* code: the resource manager rolled the branch
     * back on its own and no earlier call (end, start, prepare) has said so yet. Otherwise rollback
     * simply succeeds, which spares the transaction manager a warning about an outcome it knows.
     */
    synchronized boolean rollbackNeedsReport() {
        return rollbackCode != 0 && rolledBackByRm && !reported;
    }

    synchronized void finish() {
        finished = true;
    }

    private void checkUsable(String action) throws XAException {
        if (finished) {
            throw XaErrors.error(XAException.XAER_NOTA, "branch " + xid + " has just been completed");
        }
        checkCanCommit(action);
    }

    synchronized XAException rollbackError(String action) {
        reported = true;
        return XaErrors.error(rollbackCode, "cannot " + action + " branch " + xid + ": it was rolled back because "
                + rollbackReason);
    }

    /**
     * Notices a rollback that happened without the branch being told: its timeout passed (the engine
     * rolls such transactions back in the background) or the engine rolled it back.
     */
    synchronized void refresh() {
        if (rollbackCode != 0 || finished) {
            return;
        }
        boolean timedOut = deadlineNanos != 0 && System.nanoTime() - deadlineNanos > 0;
        if (timedOut) {
            rollBack(XAException.XA_RBTIMEOUT, true, "it ran past its transaction timeout");
        } else if ("ABORTED".equals(txn.state())) {
            rollBack(XAException.XA_RBROLLBACK, true, "its engine transaction was rolled back");
        }
    }

    private synchronized void checkNotRolledBack() {
        refresh();
        if (rollbackCode != 0) {
            throw new TransactionException(txn.id(), "branch " + xid + " was rolled back because " + rollbackReason
                    + "; its work cannot go on (its end and completion report " + XaErrors.name(rollbackCode) + ")");
        }
    }

    /** Marks the branch rollback-only and rolls its engine transaction back at once, freeing its locks. */
    synchronized void rollBack(int code, boolean byRm, String reason) {
        if (rollbackCode != 0) {
            return;
        }
        rollbackCode = code;
        rolledBackByRm = byRm;
        rollbackReason = reason;
        if (txn.isActive()) {
            try {
                txn.abort();
            } catch (RuntimeException e) {
                // The environment failed; its recovery forgets the unprepared work anyway.
            }
        }
    }

    /**
     * Runs an engine operation in this branch. An engine exception that rolled the transaction back
     * makes the branch rollback-only with the matching XA_RB* code; a lock timeout caused by an
     * in-doubt branch names that branch's Xid. On a branch already rolled back (by the work of
     * another connection joined to it, or its timeout) the operation is not run: it fails with a
     * {@link TransactionException} that says why, as the operation that caused the rollback did.
     */
    <T> T run(Function<Transaction, T> operation, InDoubtBranches inDoubt) {
        work.lock();
        try {
            checkNotRolledBack();
            return operation.apply(txn);
        } catch (TransactionException e) {
            rollBack(XaErrors.rollbackCode(e), true, e.getMessage());
            if (e instanceof LockTimeoutException lte) {
                throw inDoubt.explain(lte);
            }
            throw e;
        } finally {
            work.unlock();
        }
    }
}
