package org.cairndb.xa;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.cairndb.Environment;
import org.cairndb.HeuristicOutcome;
import org.cairndb.PreparedTransaction;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionException;
import org.cairndb.TransactionStateException;

/**
 * Cairn as an XA resource manager: one {@code CairnXAResource} per connection (per managed
 * connection in the resource adapter), any number per {@link Environment}. All resources of an
 * environment share its branches, so a branch started through one can be joined, prepared, committed
 * or recovered through another; {@link #isSameRM} is true exactly for resources of the same open
 * environment. A resource needs no connection handle: {@code new CairnXAResource(env).recover(...)}
 * works, as application servers call it during recovery.
 *
 * <h2>Branches</h2>
 * {@link #start} with TMNOFLAGS begins an engine transaction for the branch; the connection then does
 * its work in it through {@link #call} (or {@link #transaction()}). A resource is associated with at
 * most one branch at a time and may hold suspended associations with others. A branch may be joined
 * (TMJOIN) by several resources at once; their engine operations are serialized.
 * {@link #prepare} writes the engine's durable PREPARE record with the Xid as global id (see
 * {@link XidCodec}), or answers XA_RDONLY and ends the branch if it wrote nothing. Prepared branches
 * survive crashes with their locks and are listed by {@link #recover}; {@link #commit} and
 * {@link #rollback} complete them before or after a crash.
 *
 * <h2>Timeouts</h2>
 * {@link #setTransactionTimeout} applies to branches this resource starts afterwards; the time counts
 * from start(TMNOFLAGS) until prepare. A branch past its timeout is rolled back (its locks freed within
 * about a second by the engine, or at once by the next XA call) and every later call on it gets
 * XA_RBTIMEOUT (rollback too, unless an earlier call already reported it); rollback then forgets it.
 *
 * <h2>Errors</h2>
 * Every {@link XAException} carries an error code (see {@link XaErrors}): XAER_NOTA for an unknown
 * Xid, XAER_DUPID for a start with an Xid in use, XAER_PROTO for a call out of sequence (for example
 * prepare while still associated, commit with onePhase of a prepared branch), XAER_INVAL for bad
 * arguments, XAER_RMFAIL when the environment is closed or failed, XAER_RMERR for other engine errors,
 * XA_RB* when the branch was rolled back, XA_HEURCOM / XA_HEURRB when an administrator already decided.
 *
 * <p>Not {@link java.io.Serializable}: a resource fronts an open environment of this process.
 */
public final class CairnXAResource implements XAResource {
    private static final System.Logger LOG = System.getLogger(CairnXAResource.class.getName());


    private final Environment env;
    private final BranchRegistry registry;
    private final InDoubtBranches inDoubt;
    /** The environment's {@code cairn.txn.timeout}, exactly (it need not be whole seconds); zero for none. */
    private final Duration defaultTimeout;
    private volatile int timeoutSeconds;
    /** Why the connection is doing work outside a global transaction right now, or null: start is then XAER_OUTSIDE. */
    private final Supplier<String> outside;

    // Association state of this resource; guarded by this.
    private XaBranch associated;
    private final Map<CairnXid, XaBranch> suspended = new HashMap<>();
    /** Branches whose association {@link #release()} ended: the transaction manager's end still gets their XA_RB* code. */
    private final Map<CairnXid, XaBranch> released = new HashMap<>();

    public CairnXAResource(Environment env) {
        this(env, () -> null);
    }

    /**
     * A resource whose connection may also do work outside any global transaction (a resource
     * adapter's local transaction): while {@code outside} gives a reason, every {@link #start} is
     * XAER_OUTSIDE with that reason, and changes nothing.
     */
    public CairnXAResource(Environment env, Supplier<String> outside) {
        this.env = env;
        this.registry = BranchRegistry.of(env);
        this.inDoubt = new InDoubtBranches(env);
        this.defaultTimeout = env.config().txnTimeout();
        this.outside = outside;
    }

    /** The environment this resource fronts. */
    public Environment environment() {
        return env;
    }

    // ---- the connection's work ----

    /**
     * Runs {@code operation} in the engine transaction of the branch this resource is associated
     * with. If the engine rolls the transaction back (deadlock, lock timeout, conflict, timeout) the
     * branch becomes rollback-only with the matching XA_RB* code, and the exception is rethrown; a lock
     * timeout caused by an in-doubt branch names its Xid.
     *
     * @throws IllegalStateException if the resource is not associated with a branch
     */
    public <T> T call(Function<Transaction, T> operation) {
        return current().run(operation, inDoubt);
    }

    /** {@link #call} for operations without a result. */
    public void run(Consumer<Transaction> operation) {
        current().run(t -> {
            operation.accept(t);
            return null;
        }, inDoubt);
    }

    /**
     * The engine transaction of the associated branch, or null if none: for work that needs the
     * transaction itself (cursors). Never commit, abort or prepare it directly; and prefer
     * {@link #call}, which records why the engine rolled it back.
     */
    public synchronized Transaction transaction() {
        return associated == null ? null : associated.txn;
    }

    /** The Xid of the branch this resource is associated with, or null. */
    public synchronized Xid associatedXid() {
        return associated == null ? null : associated.xid;
    }

    /**
     * The branches this resource is associated with: the active association first, then the
     * suspended ones, each as its Xid's text form, suspended ones followed by " (suspended)"; empty
     * when end has been called for every branch. An adapter must not pool a connection with any left.
     */
    public synchronized List<String> associations() {
        List<String> out = new ArrayList<>();
        if (associated != null) {
            out.add(associated.xid.toString());
        }
        for (CairnXid x : suspended.keySet()) {
            out.add(x + " (suspended)");
        }
        return out;
    }

    private synchronized XaBranch current() {
        if (associated == null) {
            throw new IllegalStateException("this XA resource of " + env + " is not associated with a transaction branch"
                    + " (start it first)");
        }
        return associated;
    }

    // ---- association ----

    @Override
    public void start(Xid xid, int flags) throws XAException {
        CairnXid x = xid(xid);
        if (flags != TMNOFLAGS && flags != TMJOIN && flags != TMRESUME) {
            throw XaErrors.error(XAException.XAER_INVAL, "start of branch " + x + " with flags 0x"
                    + Integer.toHexString(flags) + ": only one of TMNOFLAGS, TMJOIN, TMRESUME is allowed");
        }
        String elsewhere = outside.get();
        if (elsewhere != null) {
            throw XaErrors.error(XAException.XAER_OUTSIDE, "cannot start branch " + x + " with flags 0x"
                    + Integer.toHexString(flags) + ": " + elsewhere);
        }
        try {
            // A join or resume finds its branch in the registry without asking the engine, so on a
            // failed environment it answered XA_OK (the work then failing with the engine's error) and
            // on a closed one XA_RBROLLBACK; like a new branch, neither may start there: XAER_RMFAIL.
            env.internals().checkUsable();
            synchronized (this) {
                if (associated != null) {
                    throw XaErrors.error(XAException.XAER_PROTO, "cannot start branch " + x + ": this resource is"
                            + " associated with branch " + associated.xid + "; end or suspend that first");
                }
                switch (flags) {
                    case TMNOFLAGS -> associated = begin(x);
                    case TMJOIN -> {
                        if (suspended.containsKey(x)) {
                            throw XaErrors.error(XAException.XAER_PROTO, "cannot join branch " + x + ": this resource"
                                    + " suspended its association with it; resume it with TMRESUME");
                        }
                        XaBranch b = existing(x, "join");
                        try {
                            b.associate();
                        } catch (XAException e) {
                            if (e.errorCode == XAException.XAER_NOTA) {
                                // Completed while this join waited for it: prepared or decided is
                                // XAER_PROTO, as for a join that comes after; gone is XAER_NOTA.
                                existing(x, "join");
                            }
                            throw e;
                        }
                        associated = b;
                    }
                    default -> { // TMRESUME
                        XaBranch b = suspended.get(x);
                        if (b == null) {
                            existing(x, "resume"); // XAER_NOTA if unknown
                            throw XaErrors.error(XAException.XAER_PROTO, "cannot resume branch " + x + ": this"
                                    + " resource has not suspended its association with it");
                        }
                        try {
                            b.checkCanCommit("resume");
                        } catch (XAException e) {
                            suspended.remove(x);
                            b.dissociate(false);
                            throw e;
                        }
                        suspended.remove(x);
                        associated = b;
                    }
                }
            }
        } catch (RuntimeException e) {
            throw XaErrors.fromEngine(e, "start of branch " + x);
        }
    }

    private XaBranch begin(CairnXid x) throws XAException {
        byte[] gid = XidCodec.encode(x);
        if (registry.get(x) != null || env.preparedTransaction(gid) != null || env.heuristicOutcome(gid) != null) {
            throw XaErrors.error(XAException.XAER_DUPID, "cannot start branch " + x + ": a branch with this Xid"
                    + " already exists" + state(x));
        }
        int seconds = timeoutSeconds;
        TransactionConfig config = new TransactionConfig();
        Duration limit = defaultTimeout; // the engine's transaction gets the same default
        if (seconds > 0) {
            limit = Duration.ofSeconds(seconds);
            config.timeout(limit);
        }
        long deadline = limit.isZero() ? 0 : System.nanoTime() + limit.toNanos();
        Transaction t = env.beginTransaction(config);
        XaBranch b = new XaBranch(x, t, deadline);
        b.associate();
        if (!registry.add(b)) {
            t.abort();
            throw XaErrors.error(XAException.XAER_DUPID, "cannot start branch " + x + ": another resource started a"
                    + " branch with this Xid at the same time");
        }
        return b;
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        CairnXid x = xid(xid);
        if (flags != TMSUCCESS && flags != TMFAIL && flags != TMSUSPEND) {
            throw XaErrors.error(XAException.XAER_INVAL, "end of branch " + x + " with flags 0x"
                    + Integer.toHexString(flags) + ": only one of TMSUCCESS, TMFAIL, TMSUSPEND is allowed");
        }
        try {
            synchronized (this) {
                if (associated != null && associated.xid.equals(x)) {
                    XaBranch b = associated;
                    associated = null;
                    if (flags == TMSUSPEND) {
                        try {
                            b.checkCanCommit("suspend");
                        } catch (XAException e) {
                            b.dissociate(false);
                            throw e;
                        }
                        suspended.put(x, b);
                    } else {
                        b.dissociate(flags == TMFAIL);
                    }
                    return;
                }
                XaBranch b = suspended.get(x);
                if (b != null) {
                    if (flags == TMSUSPEND) {
                        throw XaErrors.error(XAException.XAER_PROTO, "cannot suspend branch " + x + ": its"
                                + " association with this resource is already suspended");
                    }
                    suspended.remove(x);
                    b.dissociate(flags == TMFAIL);
                    return;
                }
                XaBranch gone = released.remove(x);
                if (gone != null) {
                    // Its connection was destroyed while associated (release()): the transaction
                    // manager's end learns the branch was rolled back, so that it goes on to roll it
                    // back (which removes it); XAER_PROTO would make it skip the rollback.
                    throw gone.rollbackError("end");
                }
                existing(x, "end");
                throw XaErrors.error(XAException.XAER_PROTO, "cannot end branch " + x + ": this resource is not"
                        + " associated with it" + (associated == null ? "" : " (it is associated with " + associated.xid
                        + ")"));
            }
        } catch (RuntimeException e) {
            throw XaErrors.fromEngine(e, "end of branch " + x);
        }
    }

    /** The unprepared branch {@code x}, or XAER_PROTO if it is prepared or decided, or XAER_NOTA. */
    private XaBranch existing(CairnXid x, String action) throws XAException {
        XaBranch b = registry.get(x);
        if (b != null) {
            return b;
        }
        String state = state(x);
        throw XaErrors.error(state.isEmpty() ? XAException.XAER_NOTA : XAException.XAER_PROTO, "cannot " + action
                + " branch " + x + (state.isEmpty() ? ": no such branch in " + env : state));
    }

    /** ": it is prepared ..." or ": it was heuristically ..." or "" if the engine knows nothing of it. */
    private String state(CairnXid x) {
        byte[] gid = XidCodec.encode(x);
        if (env.preparedTransaction(gid) != null) {
            return ": it is prepared (in doubt)";
        }
        HeuristicOutcome h = env.heuristicOutcome(gid);
        if (h != null) {
            return ": it was heuristically " + (h.committed() ? "committed" : "rolled back");
        }
        return "";
    }

    // ---- completion ----

    @Override
    public int prepare(Xid xid) throws XAException {
        CairnXid x = xid(xid);
        try (BranchRegistry.Completion held = registry.complete(x)) {
            XaBranch b = existing(x, "prepare");
            synchronized (b) {
                checkIdle(b, "prepare");
                if (b.isRollbackOnly()) {
                    registry.remove(b);
                    throw b.rollbackError("prepare");
                }
                checkEngineState(b, "prepare");
                try {
                    if (!b.txn.hasWrites()) {
                        b.txn.commit();
                        return XA_RDONLY;
                    }
                    b.txn.prepare(b.globalId);
                    return XA_OK;
                } catch (RuntimeException e) {
                    abortQuietly(b.txn);
                    throw XaErrors.fromEngine(e, "prepare of branch " + x);
                } finally {
                    registry.remove(b); // finished, or prepared: then the engine holds it, durably
                }
            }
        } catch (RuntimeException e) {
            throw XaErrors.fromEngine(e, "prepare of branch " + x);
        }
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        CairnXid x = xid(xid);
        try (BranchRegistry.Completion held = registry.complete(x)) {
            XaBranch b = registry.get(x);
            if (b != null) {
                commitOnePhase(b, onePhase);
                return;
            }
            byte[] gid = XidCodec.encode(x);
            Transaction prepared = env.preparedTransaction(gid);
            if (prepared != null) {
                if (onePhase) {
                    throw XaErrors.error(XAException.XAER_PROTO, "cannot commit branch " + x + " in one phase: it is"
                            + " prepared; commit it with onePhase=false");
                }
                try {
                    prepared.commit();
                } catch (TransactionStateException e) {
                    throw decidedMeanwhile(x, gid, "commit", e);
                }
                return;
            }
            throw heuristicOrUnknown(x, gid, "commit");
        } catch (RuntimeException e) {
            throw XaErrors.fromEngine(e, "commit of branch " + x);
        }
    }

    private void commitOnePhase(XaBranch b, boolean onePhase) throws XAException {
        synchronized (b) {
            if (!onePhase) {
                throw XaErrors.error(XAException.XAER_PROTO, "cannot commit branch " + b.xid + " in two phases: it"
                        + " is not prepared");
            }
            checkIdle(b, "commit");
            if (b.isRollbackOnly()) {
                registry.remove(b);
                throw b.rollbackError("commit");
            }
            checkEngineState(b, "commit");
            try {
                b.txn.commit();
            } catch (RuntimeException e) {
                abortQuietly(b.txn);
                throw XaErrors.fromEngine(e, "one-phase commit of branch " + b.xid);
            } finally {
                registry.remove(b);
            }
        }
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        CairnXid x = xid(xid);
        try (BranchRegistry.Completion held = registry.complete(x)) {
            XaBranch b = registry.get(x);
            if (b != null) {
                synchronized (b) {
                    checkIdle(b, "roll back");
                    b.refresh();
                    boolean report = b.rollbackNeedsReport();
                    try {
                        b.txn.abort();
                    } finally {
                        registry.remove(b);
                    }
                    if (report) {
                        // Cairn rolled it back on its own and nobody was told: say why (XA allows XA_RB* here).
                        throw b.rollbackError("roll back");
                    }
                }
                return;
            }
            byte[] gid = XidCodec.encode(x);
            Transaction prepared = env.preparedTransaction(gid);
            if (prepared != null) {
                try {
                    prepared.abort();
                } catch (TransactionStateException e) {
                    throw decidedMeanwhile(x, gid, "roll back", e);
                }
                return;
            }
            throw heuristicOrUnknown(x, gid, "roll back");
        } catch (RuntimeException e) {
            throw XaErrors.fromEngine(e, "rollback of branch " + x);
        }
    }

    @Override
    public void forget(Xid xid) throws XAException {
        CairnXid x = xid(xid);
        try (BranchRegistry.Completion held = registry.complete(x)) {
            byte[] gid = XidCodec.encode(x);
            if (env.forgetHeuristic(gid)) {
                LOG.log(System.Logger.Level.INFO, "forgot the heuristic outcome of branch " + x);
                return;
            }
            if (registry.get(x) != null || env.preparedTransaction(gid) != null) {
                throw XaErrors.error(XAException.XAER_PROTO, "cannot forget branch " + x + ": it was not completed"
                        + " heuristically");
            }
            throw XaErrors.error(XAException.XAER_NOTA, "cannot forget branch " + x + ": no heuristic outcome is"
                    + " recorded for it in " + env);
        } catch (RuntimeException e) {
            throw XaErrors.fromEngine(e, "forget of branch " + x);
        }
    }

    private static void checkIdle(XaBranch b, String action) throws XAException {
        int n = b.associations();
        if (n > 0) {
            throw XaErrors.error(XAException.XAER_PROTO, "cannot " + action + " branch " + b.xid + ": " + n
                    + " association(s) with it have not ended (call end first)");
        }
    }

    /**
     * The engine transaction must still be active: nobody may have committed or prepared it behind
     * XA's back. If someone did, the branch is dropped: XA no longer knows its outcome.
     */
    private void checkEngineState(XaBranch b, String action) throws XAException {
        if (!b.txn.isActive()) {
            registry.remove(b);
            if (b.isRollbackOnly()) {
                // Rolled back by its timeout since the caller's own check a moment ago (the engine's
                // deadline is never before the branch's): XA_RBTIMEOUT, as a moment later.
                throw b.rollbackError(action);
            }
            throw XaErrors.error(XAException.XAER_RMERR, "cannot " + action + " branch " + b.xid + ": its engine"
                    + " transaction was ended outside XA (" + b.txn + ")");
        }
    }

    private static void abortQuietly(Transaction t) {
        try {
            t.abort();
        } catch (RuntimeException e) {
            // already ended, or the environment failed: nothing more to undo
        }
    }

    private XAException heuristicOrUnknown(CairnXid x, byte[] gid, String action) {
        HeuristicOutcome h = env.heuristicOutcome(gid);
        if (h != null) {
            return heuristicError(x, h, action);
        }
        return XaErrors.error(XAException.XAER_NOTA, "cannot " + action + " branch " + x + ": no such branch in " + env);
    }

    private static XAException heuristicError(CairnXid x, HeuristicOutcome h, String action) {
        // The transaction manager's own log tells of this only in its words (Narayana: "commit on ...
        // failed with exception XA_HEURRB"); the admin looking at Cairn's side learns here whether the
        // decisions agreed, and that the outcome stays recorded until it is forgotten.
        boolean agreed = h.committed() == action.equals("commit");
        LOG.log(agreed ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "the transaction manager asked to "
                + action + " branch " + x + ", which an administrator had already "
                + (h.committed() ? "committed" : "rolled back") + " heuristically at " + h.decidedAt()
                + (agreed ? " (the same outcome)" : ": the outcomes differ, and this branch's writes are "
                + (h.committed() ? "committed" : "rolled back") + " while the global transaction's other branches are "
                + (h.committed() ? "rolled back" : "committed") + " as decided")
                + "; reported " + (h.committed() ? "XA_HEURCOM" : "XA_HEURRB") + "; the outcome stays recorded until"
                + " forget (the transaction manager's, or the admin's)");
        return XaErrors.error(h.committed() ? XAException.XA_HEURCOM : XAException.XA_HEURRB, "cannot " + action
                + " branch " + x + ": an administrator already " + (h.committed() ? "committed it" : "rolled it back")
                + " heuristically at " + h.decidedAt() + " (forget it once the transaction is settled)");
    }

    /** A prepared branch ended between our look-up and our call: report what happened to it. */
    private XAException decidedMeanwhile(CairnXid x, byte[] gid, String action, TransactionStateException e) {
        HeuristicOutcome h = env.heuristicOutcome(gid);
        if (h != null) {
            return heuristicError(x, h, action);
        }
        return XaErrors.error(XAException.XAER_NOTA, "cannot " + action + " branch " + x + ": it was completed"
                + " meanwhile", e);
    }

    // ---- recovery ----

    /**
     * With TMSTARTRSCAN (alone or with TMENDRSCAN), every prepared branch and every heuristically
     * completed branch not yet forgotten; with TMNOFLAGS or TMENDRSCAN alone, nothing (the whole list
     * comes at the start of a scan).
     */
    @Override
    public Xid[] recover(int flags) throws XAException {
        if ((flags & ~(TMSTARTRSCAN | TMENDRSCAN)) != 0) {
            throw XaErrors.error(XAException.XAER_INVAL, "recover with flags 0x" + Integer.toHexString(flags)
                    + ": only TMSTARTRSCAN, TMENDRSCAN, both, or TMNOFLAGS are allowed");
        }
        if ((flags & TMSTARTRSCAN) == 0) {
            return new Xid[0];
        }
        try {
            Set<CairnXid> xids = new LinkedHashSet<>();
            for (PreparedTransaction p : env.preparedTransactions()) {
                addIfXid(xids, p.globalId());
            }
            for (HeuristicOutcome h : env.heuristicOutcomes()) {
                addIfXid(xids, h.globalId());
            }
            return xids.toArray(new Xid[0]);
        } catch (RuntimeException e) {
            throw XaErrors.fromEngine(e, "recover");
        }
    }

    private static void addIfXid(Set<CairnXid> xids, byte[] gid) {
        CairnXid x = XidCodec.decode(gid);
        if (x != null) {
            xids.add(x);
        }
    }

    // ---- resource manager identity, timeouts ----

    /** True exactly when {@code other} is a Cairn resource of the same open environment. */
    @Override
    public boolean isSameRM(XAResource other) {
        return other instanceof CairnXAResource o && o.registry == registry;
    }

    /**
     * The timeout in force for branches started from now on, in seconds: the one set, or else
     * {@code cairn.txn.timeout} rounded up (0 only when there is none).
     */
    @Override
    public int getTransactionTimeout() {
        int s = timeoutSeconds;
        if (s > 0) {
            return s;
        }
        long up = defaultTimeout.getSeconds() + (defaultTimeout.getNano() > 0 ? 1 : 0);
        return (int) Math.min(Integer.MAX_VALUE, up);
    }

    /**
     * Sets the timeout, in seconds, of branches this resource starts from now on; 0 restores the
     * environment's default ({@code cairn.txn.timeout}).
     */
    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
        if (seconds < 0) {
            throw XaErrors.error(XAException.XAER_INVAL, "a transaction timeout cannot be negative (" + seconds + " s)");
        }
        timeoutSeconds = seconds;
        return true;
    }

    // ---- the adapter's clean-up ----

    /**
     * Ends every association this resource still has, as end(TMFAIL) would: for the resource adapter
     * when it destroys a connection that is still enlisted. The branches stay, rolled back, until
     * their transaction manager rolls them back; its end for one of them gets XA_RBROLLBACK.
     */
    public void release() {
        List<XaBranch> ends = new ArrayList<>();
        synchronized (this) {
            if (associated != null) {
                ends.add(associated);
                associated = null;
            }
            ends.addAll(suspended.values());
            suspended.clear();
            for (XaBranch b : ends) {
                released.put(b.xid, b);
            }
        }
        for (XaBranch b : ends) {
            try {
                b.rollBack(XAException.XA_RBROLLBACK, false, "its connection was destroyed by the server while"
                        + " associated with it");
                b.dissociate(false);
            } catch (XAException | RuntimeException e) {
                // rolled back already: nothing more to do
            }
        }
    }

    private static CairnXid xid(Xid xid) throws XAException {
        try {
            return CairnXid.of(xid);
        } catch (IllegalArgumentException e) {
            throw XaErrors.error(XAException.XAER_INVAL, "invalid Xid: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "CairnXAResource[" + env.home() + "]";
    }
}
