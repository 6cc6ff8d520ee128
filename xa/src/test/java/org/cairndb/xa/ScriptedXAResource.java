package org.cairndb.xa;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;

/**
 * A second resource for tests: keeps nothing, records every call, and fails at chosen points with a
 * chosen XA code (in prepare, in commit, ...).
 */
final class ScriptedXAResource implements XAResource {

    enum Point {
        START, END, PREPARE, COMMIT, ROLLBACK
    }

    private final String name;
    private final Map<Point, Integer> failures = new EnumMap<>(Point.class);
    final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private int timeout;

    ScriptedXAResource(String name) {
        this.name = name;
    }

    /** From now on, calls at {@code point} throw an XAException with {@code code}. */
    ScriptedXAResource failAt(Point point, int code) {
        failures.put(point, code);
        return this;
    }

    private void at(Point p, String call) throws XAException {
        calls.add(call);
        Integer code = failures.get(p);
        if (code != null) {
            XAException e = new XAException(name + ": scripted failure " + XaErrors.name(code) + " in " + call);
            e.errorCode = code;
            throw e;
        }
    }

    @Override
    public void start(Xid xid, int flags) throws XAException {
        at(Point.START, "start");
    }

    @Override
    public void end(Xid xid, int flags) throws XAException {
        at(Point.END, "end");
    }

    @Override
    public int prepare(Xid xid) throws XAException {
        at(Point.PREPARE, "prepare");
        return XA_OK;
    }

    @Override
    public void commit(Xid xid, boolean onePhase) throws XAException {
        at(Point.COMMIT, onePhase ? "commit1" : "commit");
    }

    @Override
    public void rollback(Xid xid) throws XAException {
        at(Point.ROLLBACK, "rollback");
    }

    @Override
    public void forget(Xid xid) {
        calls.add("forget");
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

    @Override
    public String toString() {
        return "ScriptedXAResource[" + name + "]";
    }
}
