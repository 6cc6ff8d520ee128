package org.cairndb.xa;

import java.util.Map;
import java.util.WeakHashMap;
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

    /** Weak keys: a registry goes away with its environment. Registries hold no reference to it. */
    private static final Map<Environment, BranchRegistry> REGISTRIES = new WeakHashMap<>();

    private static final int STRIPES = 64;

    private final ConcurrentHashMap<CairnXid, XaBranch> branches = new ConcurrentHashMap<>();
    private final ReentrantLock[] completion = new ReentrantLock[STRIPES];

    private BranchRegistry() {
        for (int i = 0; i < STRIPES; i++) {
            completion[i] = new ReentrantLock();
        }
    }

    static BranchRegistry of(Environment env) {
        synchronized (REGISTRIES) {
            return REGISTRIES.computeIfAbsent(env, e -> new BranchRegistry());
        }
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

    ReentrantLock completionLock(CairnXid xid) {
        return completion[Math.floorMod(xid.hashCode(), STRIPES)];
    }
}
