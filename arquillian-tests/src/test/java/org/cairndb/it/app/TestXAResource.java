package org.cairndb.it.app;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A second XA resource under the test's control: it votes yes, votes no at prepare, or halts the
 * whole server (as a crash would) at prepare or commit, and notes the calls that decide a
 * transaction, so a test can tell two phases from one. Not Serializable: after a crash the
 * transaction manager cannot recreate it, exactly like a resource whose server is gone for good.
 * The Payara tests use it too (through this module's test jar).
 */
public final class TestXAResource implements XAResource {

    /** Calls made on every instance in this server, in order: "prepare", "commit", "commit-one-phase", "rollback". */
    public static final List<String> CALLS = new CopyOnWriteArrayList<>();

    /** What the resource does. */
    public enum Mode { OK, VOTE_ROLLBACK, HALT_IN_PREPARE, HALT_IN_COMMIT }

    private final Mode mode;
    private int timeout;

    public TestXAResource(Mode mode) {
        this.mode = mode;
    }

    @Override
    public void start(Xid xid, int flags) {
    }

    @Override
    public void end(Xid xid, int flags) {
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        CALLS.add("prepare");
        if (mode == Mode.VOTE_ROLLBACK) {
            throw new XAException(XAException.XA_RBROLLBACK);
        }
        if (mode == Mode.HALT_IN_PREPARE) {
            halt("prepare");
        }
        return XA_OK;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) {
        CALLS.add(onePhase ? "commit-one-phase" : "commit");
        if (mode == Mode.HALT_IN_COMMIT) {
            halt("commit");
        }
    }

    private static void halt(String where) {
        System.err.println("TestXAResource: halting the server in " + where + ", as a crash would");
        System.err.flush();
        Runtime.getRuntime().halt(137);
    }

    @Override
    public void rollback(Xid xid) {
        CALLS.add("rollback");
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
