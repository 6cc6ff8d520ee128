package org.cairndb.xa;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.jboss.tm.XAResourceWrapper;

/**
 * A resource for tests: records every call, fails at chosen points with a chosen XA code, or halts the
 * JVM at a chosen point (a crash). With a delegate it passes the calls on (and may halt before or
 * after the delegate did its part); without one it keeps nothing.
 *
 * <p>It is also what an application server's connector layer puts around a resource adapter's
 * XAResource (IronJacamar in WildFly does the same): an {@link XAResourceWrapper} naming the resource
 * manager by JNDI name. Narayana's recovery uses that name to tell that a branch it logged, which
 * the named resource manager no longer lists, was already completed.
 */
final class ScriptedXAResource implements XAResourceWrapper {

    enum Point {
        START, END, PREPARE, COMMIT, ROLLBACK
    }

    /** Exit status of a JVM halted by a script: the parent tells a planned crash from an accident. */
    static final int HALT_STATUS = 77;

    private final String name;
    private final XAResource delegate;
    private final Map<Point, Integer> failures = new EnumMap<>(Point.class);
    private Runnable onPrepare = () -> { };
    private Point haltBefore;
    private Point haltAfter;
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private int timeout;

    ScriptedXAResource(String name) {
        this(name, null);
    }

    ScriptedXAResource(String name, XAResource delegate) {
        this.name = name;
        this.delegate = delegate;
    }

    /** From now on, calls at {@code point} throw an XAException with {@code code} (the delegate is not called). */
    ScriptedXAResource failAt(Point point, int code) {
        failures.put(point, code);
        return this;
    }

    /** Runs {@code action} when prepare is called (for example an administrator's decision on another branch). */
    ScriptedXAResource onPrepare(Runnable action) {
        onPrepare = action;
        return this;
    }

    /** Halts the JVM when {@code point} is reached, before the delegate is called. */
    ScriptedXAResource haltBefore(Point point) {
        haltBefore = point;
        return this;
    }

    /** Halts the JVM once the delegate has done {@code point}. */
    ScriptedXAResource haltAfter(Point point) {
        haltAfter = point;
        return this;
    }

    private void before(Point p, String call) throws XAException {
        calls.add(call);
        if (p == haltBefore) {
            halt(call, "before");
        }
        Integer code = failures.get(p);
        if (code != null) {
            XAException e = new XAException(name + ": scripted failure " + XaErrors.name(code) + " in " + call);
            e.errorCode = code;
            throw e;
        }
    }

    private void after(Point p, String call) {
        if (p == haltAfter) {
            halt(call, "after");
        }
    }

    private void halt(String call, String when) {
        System.out.println("HALT " + name + " " + when + " " + call);
        System.out.flush();
        Runtime.getRuntime().halt(HALT_STATUS);
    }

    private static String flagNote(int flags) {
        return switch (flags) {
            case TMJOIN -> "(join)";
            case TMRESUME -> "(resume)";
            case TMSUSPEND -> "(suspend)";
            case TMFAIL -> "(fail)";
            default -> "";
        };
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        before(Point.START, "start" + flagNote(flags));
        if (delegate != null) {
            delegate.start(xid, flags);
        }
        after(Point.START, "start" + flagNote(flags));
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        before(Point.END, "end" + flagNote(flags));
        if (delegate != null) {
            delegate.end(xid, flags);
        }
        after(Point.END, "end" + flagNote(flags));
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        before(Point.PREPARE, "prepare");
        onPrepare.run();
        int vote = delegate != null ? delegate.prepare(xid) : XA_OK;
        after(Point.PREPARE, "prepare");
        return vote;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        String call = onePhase ? "commit1" : "commit";
        before(Point.COMMIT, call);
        if (delegate != null) {
            delegate.commit(xid, onePhase);
        }
        after(Point.COMMIT, call);
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        before(Point.ROLLBACK, "rollback");
        if (delegate != null) {
            delegate.rollback(xid);
        }
        after(Point.ROLLBACK, "rollback");
    }

    @Override
    public void forget(Xid xid) throws XAException {
        calls.add("forget");
        if (delegate != null) {
            delegate.forget(xid);
        }
    }

    @Override
    public Xid[] recover(int flag) throws XAException {
        return delegate != null ? delegate.recover(flag) : new Xid[0];
    }

    @Override
    public boolean isSameRM(XAResource other) throws XAException {
        if (other == this) {
            return true;
        }
        XAResource o = other instanceof ScriptedXAResource s && s.delegate != null ? s.delegate : other;
        return delegate != null && delegate.isSameRM(o);
    }

    @Override
    public int getTransactionTimeout() throws XAException {
        return delegate != null ? delegate.getTransactionTimeout() : timeout;
    }

    @Override
    public boolean setTransactionTimeout(int seconds) throws XAException {
        timeout = seconds;
        return delegate == null || delegate.setTransactionTimeout(seconds);
    }

    @Override
    public XAResource getResource() {
        return delegate;
    }

    @Override
    public String getProductName() {
        return delegate instanceof CairnXAResource ? "Cairn" : "test resource";
    }

    @Override
    public String getProductVersion() {
        return "test";
    }

    @Override
    public String getJndiName() {
        return "java:/test/" + name;
    }

    @Override
    public String toString() {
        return "ScriptedXAResource[" + name + "]";
    }
}
