package org.cairndb.xa;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.transaction.xa.Xid;
import org.cairndb.Environment;
import org.cairndb.HeuristicOutcome;
import org.cairndb.LockTimeoutException;
import org.cairndb.PreparedTransaction;
import org.cairndb.Transaction;

/**
 * The administrator's view of an environment's in-doubt branches, and the heuristic decisions: when
 * a transaction manager is gone for good, an administrator may commit or roll back a prepared branch
 * to free its locks. The decision is logged durably and remembered until forgotten; the transaction
 * manager's own decision, if it ever comes, is then answered with XA_HEURCOM or XA_HEURRB (Cairn
 * never answers XA_HEURMIX: a branch is one engine transaction, committed or rolled back as a whole).
 */
public final class InDoubtBranches {

    private final Environment env;
    private final BranchRegistry registry;

    public InDoubtBranches(Environment env) {
        this.env = env;
        this.registry = BranchRegistry.of(env);
    }

    /** Every prepared branch, oldest first (by transaction id). */
    public List<InDoubtBranch> list() {
        Instant now = Instant.now();
        List<InDoubtBranch> list = new ArrayList<>();
        for (PreparedTransaction p : env.preparedTransactions()) {
            List<InDoubtBranch.Waiter> waiters = new ArrayList<>();
            for (long id : p.blocking()) {
                XaBranch w = registry.byTxnId(id);
                waiters.add(new InDoubtBranch.Waiter(id, w == null ? null : w.xid));
            }
            byte[] gid = p.globalId();
            list.add(new InDoubtBranch(XidCodec.decode(gid), XidCodec.hex(gid), p.txnId(), p.preparedAt(),
                    Duration.between(p.preparedAt(), now), p.keysWritten(), p.locksHeld(), p.databases(), waiters));
        }
        return list;
    }

    /** Heuristic decisions not yet forgotten, oldest first. */
    public List<HeuristicBranch> heuristics() {
        List<HeuristicBranch> list = new ArrayList<>();
        for (HeuristicOutcome h : env.heuristicOutcomes()) {
            byte[] gid = h.globalId();
            list.add(new HeuristicBranch(XidCodec.decode(gid), XidCodec.hex(gid), h.txnId(), h.committed(),
                    h.decidedAt()));
        }
        return list;
    }

    /**
     * Commits the in-doubt branch {@code xid} by an administrator's decision, durably.
     *
     * @throws IllegalArgumentException if no branch with this Xid is in doubt
     */
    public HeuristicBranch heuristicCommit(Xid xid) {
        return decide(CairnXid.of(xid), true);
    }

    /** Rolls back the in-doubt branch {@code xid} by an administrator's decision, durably. */
    public HeuristicBranch heuristicRollback(Xid xid) {
        return decide(CairnXid.of(xid), false);
    }

    private HeuristicBranch decide(CairnXid x, boolean commit) {
        byte[] gid = XidCodec.encode(x);
        try (BranchRegistry.Completion held = registry.complete(x)) {
            Transaction t = env.preparedTransaction(gid);
            if (t == null) {
                throw new IllegalArgumentException("no in-doubt branch " + x + describeKnown());
            }
            if (commit) {
                t.heuristicCommit();
            } else {
                t.heuristicRollback();
            }
            HeuristicOutcome h = env.heuristicOutcome(gid);
            return new HeuristicBranch(x, XidCodec.hex(gid), h.txnId(), h.committed(), h.decidedAt());
        }
    }

    /** Forgets the heuristic decision on {@code xid}, durably. Returns false if there was none. */
    public boolean forget(Xid xid) {
        CairnXid x = CairnXid.of(xid);
        try (BranchRegistry.Completion held = registry.complete(x)) {
            return env.forgetHeuristic(XidCodec.encode(x));
        }
    }

    /**
     * The same exception with the Xid of the in-doubt branch holding the lock added to its message, if
     * the holder is one; otherwise {@code e} itself. The engine's message names the holder's global id
     * in hex; this names the Xid and what an administrator can do.
     */
    public LockTimeoutException explain(LockTimeoutException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
        for (PreparedTransaction p : env.preparedTransactions()) {
            byte[] gid = p.globalId();
            CairnXid x = XidCodec.decode(gid);
            if (x != null && message.contains("0x" + XidCodec.hex(gid))) {
                LockTimeoutException named = new LockTimeoutException(e.txnId(), e.getMessage()
                        + "; the lock is held by in-doubt XA branch " + x + " (prepared " + p.preparedAt()
                        + "), which waits for its transaction manager's decision; an administrator can commit or roll"
                        + " it back heuristically");
                named.initCause(e);
                return named;
            }
        }
        return e;
    }

    private String describeKnown() {
        List<InDoubtBranch> now = list();
        return now.isEmpty() ? " (no branch is in doubt)" : " (in doubt: " + now.stream().map(b -> b.xid() != null
                ? b.xid().toString() : "0x" + b.globalId()).toList() + ")";
    }
}
