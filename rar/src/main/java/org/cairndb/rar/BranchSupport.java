package org.cairndb.rar;

import jakarta.resource.ResourceException;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.transaction.xa.XAResource;
import org.cairndb.LockTimeoutException;
import org.cairndb.Transaction;

/**
 * The seam between the adapter and XA branch management (the {@code xa} module): everything the
 * adapter needs of it, for one open environment. The adapter itself holds no XA logic.
 */
public interface BranchSupport {

    /**
     * A fresh per-connection XA endpoint: one for each managed connection, and one for each recovery
     * scan. While {@code outside} gives a reason (the connection's local transaction), starting a
     * branch is refused with XAER_OUTSIDE.
     */
    Branches connect(Supplier<String> outside);

    /** Prepared (in-doubt) branches, oldest first, as the admin MBean shows them. */
    List<InDoubt> inDoubt();

    /** Heuristic decisions not yet forgotten. */
    List<Heuristic> heuristics();

    /** Commits the in-doubt branch named by {@code id} (an Xid as {@code formatId:gtridHex:bqualHex}, or {@code 0x}global id). */
    String heuristicCommit(String id);

    /** Rolls back the in-doubt branch named by {@code id}. */
    String heuristicRollback(String id);

    /** Forgets the heuristic decision on {@code id}; false if there was none. */
    boolean forget(String id);

    /**
     * The same lock timeout with the Xid of the in-doubt branch holding the lock added to its message, if
     * the holder is one; otherwise {@code e} itself. For work outside XA: inside a branch the XA layer
     * does this already.
     */
    LockTimeoutException explain(LockTimeoutException e);

    /** One managed connection's side of XA. */
    interface Branches {

        /** The connection's XAResource (never Serializable, no handle needed). */
        XAResource xaResource() throws ResourceException;

        /** The engine transaction of the branch the resource is associated with right now, or null. */
        Transaction transaction();

        /** The branches the XAResource is still associated with (active, or suspended), as text; empty if none. */
        List<String> associations();

        /** Runs {@code op} in the associated branch's transaction, recording why the engine rolled it back. */
        <T> T call(Function<Transaction, T> op);

        /** Ends every association left (as end(TMFAIL)): for destroy(). */
        void release();
    }

    /** An in-doubt branch for admins. */
    record InDoubt(String xid, String globalId, long txnId, String preparedAt, long ageSeconds, int keysWritten,
            int locksHeld, List<String> databases, List<String> blocking) {
    }

    /** A heuristic decision for admins. */
    record Heuristic(String xid, String globalId, long txnId, boolean committed, String decidedAt) {
    }
}
