package org.cairndb.payara.app;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A second resource manager for two-phase commit beside Cairn: it votes yes or no at prepare and
 * notes every call the transaction manager makes, so a test can tell two phases from one.
 */
public final class VotingXAResource implements XAResource {

    /** The calls made on every instance, in order ("prepare", "commit", "commit-one-phase", "rollback"). */
    public static final List<String> CALLS = new CopyOnWriteArrayList<>();

    private final boolean voteYes;
    private int timeout;

    public VotingXAResource(boolean voteYes) {
        this.voteYes = voteYes;
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        CALLS.add("prepare");
        if (!voteYes) {
            throw new XAException(XAException.XA_RBROLLBACK);
        }
        return XA_OK;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {
        CALLS.add(onePhase ? "commit-one-phase" : "commit");
    }

    @Override
    public void rollback(Xid xid) {
        CALLS.add("rollback");
    }

    @Override
    public void start(Xid xid, int flags) {
    }

    @Override
    public void end(Xid xid, int flags) {
    }

    @Override
    public void forget(Xid xid) {
    }

    @Override
    public Xid[] recover(int flag) {
        return new Xid[0];
    }

    @Override
    public boolean isSameRM(XAResource other) {
        return other == this;
    }

    @Override
    public int getTransactionTimeout() {
        return timeout;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) {
        timeout = seconds;
        return true;
    }
}
