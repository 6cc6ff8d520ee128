package org.cairndb.xa;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.cairndb.Environment;

/**
 * The branches of one environment that are not yet prepared, by Xid, shared by every
 * {@link CairnXAResource} and {@link InDoubtBranches} of that environment. Prepared branches and
 * heuristic outcomes are not kept here: the engine holds them, durably.
 *
 * <p>Completing a branch (prepare, commit, rollback, a heuristic decision, forget) takes the Xid's
 * completion lock, so that a transaction manager and an administrator, or two recovery scans, never
 * complete the same branch at the same time.
 */
final class BranchRegistry {

    private final ConcurrentHashMap<CairnXid, XaBranch> branches = new ConcurrentHashMap<>();
    /** Completion locks of the Xids being completed right now; one per Xid, so that others never wait. */
    private final ConcurrentHashMap<CairnXid, ReentrantLock> completing = new ConcurrentHashMap<>();

    private BranchRegistry() {
    }

    /**
     * The registry of {@code env}, kept with the environment itself, so that it goes with it. (It was
     * a static map with weak keys: the entry of a collected environment held its branches, their
     * transactions and through them the closed environment's internals, until the map was next
     * looked up.)
     */
    static BranchRegistry of(Environment env) {
        return env.internals().attachment(BranchRegistry.class, BranchRegistry::new);
    }

    XaBranch get(CairnXid xid) {
        return branches.get(xid);
    }

    /** Adds a new branch; returns false if the Xid is taken. */
    boolean add(XaBranch branch) {
        return branches.putIfAbsent(branch.xid, branch) == null;
    }

    /** Removes a finished (or prepared) branch. */
    void remove(XaBranch branch) {
        branch.finish();
        branches.remove(branch.xid, branch);
    }

    /** The unprepared branch whose engine transaction has this id, or null. */
    XaBranch byTxnId(long txnId) {
        for (XaBranch b : branches.values()) {
            if (b.txn.id() == txnId) {
                return b;
            }
        }
        return null;
    }

    /**
     * Takes the completion lock of {@code xid}, waiting while someone else completes the same Xid;
     * closing the returned handle releases it. Completions of different Xids never wait for each
     * other (a completion may wait for a log force, which other branches must be able to share).
     */
    Completion complete(CairnXid xid) {
        while (true) {
            ReentrantLock mine = new ReentrantLock();
            mine.lock();
            ReentrantLock held = completing.putIfAbsent(xid, mine);
            if (held == null) {
                return () -> {
                    completing.remove(xid, mine);
                    mine.unlock();
                };
            }
            held.lock(); // wait for the other completion of this Xid, then try again
            held.unlock();
        }
    }

    /** A held completion lock. */
    interface Completion extends AutoCloseable {
        @Override
        void close();
    }
}
