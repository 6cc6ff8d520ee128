package org.cairndb.rar;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionEvent;
import jakarta.resource.spi.ConnectionEventListener;
import jakarta.resource.spi.ConnectionRequestInfo;
import jakarta.resource.spi.IllegalStateException;
import jakarta.resource.spi.LocalTransaction;
import jakarta.resource.spi.ManagedConnection;
import jakarta.resource.spi.ManagedConnectionMetaData;
import java.io.PrintWriter;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import javax.security.auth.Subject;
import javax.transaction.xa.XAResource;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentFailureException;
import org.cairndb.LockTimeoutException;
import org.cairndb.Transaction;

/**
 * A pooled connection to one environment. It has no physical link to close: it is a context for
 * transactions. Work done through its handles runs, in this order of precedence, in the XA branch its
 * {@code XAResource} is associated with, in the local transaction the container began through
 * {@link #getLocalTransaction()}, or else as an auto-committed transaction of its own.
 */
public class CairnManagedConnection implements ManagedConnection {

    private static final System.Logger LOG = System.getLogger(CairnManagedConnection.class.getName());

    private final CairnManagedConnectionFactory mcf;
    private final ManagedEnvironment me;
    private final Environment env;
    private final BranchSupport.Branches branches;
    private final List<ConnectionEventListener> listeners = new CopyOnWriteArrayList<>();
    private final Set<CairnConnectionImpl> handles = ConcurrentHashMap.newKeySet();
    private final Object localLock = new Object();
    private volatile Transaction local;
    private volatile boolean destroyed;
    /** destroy() rolled back a local transaction still open, so a later commit() can say what became of it. */
    private volatile boolean localAbortedByDestroy;
    private volatile boolean failed;
    private PrintWriter logWriter;

    CairnManagedConnection(CairnManagedConnectionFactory mcf, ManagedEnvironment me) throws ResourceException {
        this.mcf = mcf;
        this.me = me;
        // ManagedConnection.setLogWriter: a new managed connection's default log writer is its
        // factory's; the server may set one of its own afterwards.
        this.logWriter = mcf.getLogWriter();
        this.env = me.awaitOpen();
        this.branches = me.connectBranches(this::localWork);
    }

    CairnManagedConnectionFactory factory() {
        return mcf;
    }

    String environmentName() {
        return me.name();
    }

    @Override
    public Object getConnection(Subject subject, ConnectionRequestInfo info) throws ResourceException {
        checkNotDestroyed();
        CairnConnectionImpl handle = new CairnConnectionImpl(this);
        handles.add(handle);
        return handle;
    }

    @Override
    public void associateConnection(Object connection) throws ResourceException {
        checkNotDestroyed();
        if (!(connection instanceof CairnConnectionImpl handle)) {
            throw new ResourceException("not a Cairn connection handle: " + connection);
        }
        CairnManagedConnection previous = handle.managedConnection();
        if (previous != null && previous != this) {
            previous.handles.remove(handle);
        }
        handle.associate(this);
        handles.add(handle);
    }

    /**
     * Invalidates every handle; the connection goes back to the pool. Refused while a local
     * transaction is active, or while the XAResource is still associated with a branch (end not
     * called, or only TMSUSPEND), as the Connectors API allows: back in the pool, the connection would
     * do its next user's work in that transaction, and lose it with the transaction. The server then
     * destroys the connection instead, which rolls the local transaction back and ends the XA
     * association as end(TMFAIL) would.
     */
    @Override
    public void cleanup() throws ResourceException {
        synchronized (localLock) {
            if (local != null) {
                throw new IllegalStateException("a local transaction is still active on this Cairn managed connection:"
                        + " it cannot go back to the pool (commit or roll the transaction back first, or destroy the"
                        + " connection, which rolls it back)");
            }
        }
        List<String> enlisted = branches.associations();
        if (!enlisted.isEmpty()) {
            throw new IllegalStateException("this Cairn managed connection is still associated with XA transaction"
                    + " branch " + String.join(", ", enlisted) + " (its XAResource's end was not called): it cannot go"
                    + " back to the pool, where its next user's work would run in that branch (end the association"
                    + " first, or destroy the connection, which ends it as end(TMFAIL) would)");
        }
        for (CairnConnectionImpl h : handles) {
            h.invalidate("its managed connection was cleaned up by the server");
        }
        handles.clear();
    }

    @Override
    public void destroy() throws ResourceException {
        if (destroyed) {
            return;
        }
        destroyed = true;
        for (CairnConnectionImpl h : handles) {
            h.invalidate("its managed connection was destroyed");
        }
        handles.clear();
        synchronized (localLock) {
            Transaction t = local;
            local = null;
            if (t != null && t.isActive()) {
                localAbortedByDestroy = true;
                try {
                    t.abort();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, () -> "rolling back the local transaction of a destroyed"
                            + " connection: " + e.getMessage());
                }
            }
        }
        branches.release();
    }

    @Override
    public void addConnectionEventListener(ConnectionEventListener listener) {
        listeners.add(listener);
    }

    @Override
    public void removeConnectionEventListener(ConnectionEventListener listener) {
        listeners.remove(listener);
    }

    @Override
    public XAResource getXAResource() throws ResourceException {
        checkNotDestroyed();
        return branches.xaResource();
    }

    @Override
    public LocalTransaction getLocalTransaction() throws ResourceException {
        checkNotDestroyed();
        return new CairnLocalTransaction(this);
    }

    @Override
    public ManagedConnectionMetaData getMetaData() {
        return new CairnConnectionMetaData(me.name());
    }

    @Override
    public void setLogWriter(PrintWriter out) {
        this.logWriter = out;
    }

    @Override
    public PrintWriter getLogWriter() {
        return logWriter;
    }

    // ---- local transactions (the container's, through LocalTransaction) ----

    void beginLocal() throws ResourceException {
        synchronized (localLock) {
            checkNotDestroyed();
            if (local != null) {
                throw new jakarta.resource.spi.LocalTransactionException("a local transaction is already active on this"
                        + " connection");
            }
            if (branches.transaction() != null) {
                throw new jakarta.resource.spi.LocalTransactionException("this connection is enlisted in an XA"
                        + " transaction; it cannot begin a local one");
            }
            try {
                local = guard(env::beginTransaction);
            } catch (RuntimeException e) {
                // A ResourceException, as the contract has it (and as endLocal reports its failures);
                // a fatal error was reported to the server first.
                throw new jakarta.resource.spi.LocalTransactionException("cannot begin a local transaction on Cairn"
                        + " environment '" + me.name() + "': " + e.getMessage(), e);
            }
        }
    }

    /** Why an XA start must be refused (XAER_OUTSIDE): a local transaction is under way; else null. */
    private String localWork() {
        return local == null ? null : "this Cairn connection has a local transaction under way; commit or roll it"
                + " back first";
    }

    void endLocal(boolean commit) throws ResourceException {
        Transaction t;
        synchronized (localLock) {
            t = local;
            local = null;
        }
        if (t == null && localAbortedByDestroy) {
            throw new jakarta.resource.spi.LocalTransactionException((commit ? "cannot commit" : "nothing to roll back")
                    + ": this Cairn managed connection was destroyed while its local transaction was active, and that"
                    + " transaction was rolled back then");
        }
        if (t == null) {
            throw new jakarta.resource.spi.LocalTransactionException("no local transaction is active on this connection"
                    + (destroyed ? " (it was destroyed)" : ""));
        }
        try {
            guard(() -> {
                if (commit) {
                    t.commit();
                } else {
                    t.abort();
                }
                return null;
            });
        } catch (RuntimeException e) {
            if (t.isActive()) {
                try {
                    t.abort();
                } catch (RuntimeException ignored) {
                    e.addSuppressed(ignored);
                }
            }
            throw new jakarta.resource.spi.LocalTransactionException((commit ? "commit" : "rollback") + " of the local"
                    + " transaction failed: " + e.getMessage(), e);
        }
    }

    // ---- the handles' work ----

    /**
     * Runs {@code op} in this connection's current transaction: the XA branch, the local transaction,
     * or an auto-committed one. A fatal error of the environment is reported to the server
     * (CONNECTION_ERROR_OCCURRED) before it reaches the caller.
     */
    <T> T execute(Function<Transaction, T> op) {
        if (destroyed) {
            throw new java.lang.IllegalStateException("the connection to Cairn environment '" + me.name()
                    + "' was destroyed");
        }
        return guard(() -> {
            if (branches.transaction() != null) {
                if (local != null) {
                    // Work would go to the XA branch while the local transaction stays open: one unit
                    // of work split between two outcomes. (The XA start is refused in this case; a
                    // begin and a start racing on two threads can still get here.)
                    throw new java.lang.IllegalStateException("this Cairn connection has a local transaction under way"
                            + " and is also enlisted in an XA transaction; finish the local transaction first");
                }
                return branches.call(op);
            }
            try {
                synchronized (localLock) {
                    Transaction t = local;
                    if (t != null) {
                        return op.apply(t);
                    }
                }
                String jta = me.threadTransactionFinishedOrDoomed();
                if (jta != null) {
                    // The transaction manager ended this connection's branch (a timeout, from its
                    // reaper's thread) while the caller is still inside the transaction: auto-commit
                    // would put this work outside it. See ThreadTransaction.
                    throw new java.lang.IllegalStateException("the JTA transaction of this thread is " + jta
                            + ", and this Cairn connection is no longer enlisted in it (a transaction that"
                            + " passes its timeout is rolled back by the transaction manager): the work would"
                            + " commit on its own, outside that transaction, so it was refused and nothing was"
                            + " written; end the transaction and retry in a new one");
                }
                try (Transaction t = env.beginTransaction()) {
                    T result = op.apply(t);
                    t.commit();
                    return result;
                }
            } catch (LockTimeoutException e) {
                // The engine names an in-doubt holder by its global id alone; the in-doubt list and
                // the admin's decisions name it by its Xid, as XA work is told.
                throw namingInDoubtHolder(e);
            }
        });
    }

    private LockTimeoutException namingInDoubtHolder(LockTimeoutException e) {
        try {
            return me.branches().explain(e);
        } catch (RuntimeException closedMeanwhile) {
            return e; // the environment closed or failed since: the engine's message still names the holder
        }
    }

    Database database(String name) {
        return guard(() -> me.database(name));
    }

    private <T> T guard(java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (EnvironmentFailureException e) {
            fatal(e);
            throw e;
        } catch (java.lang.IllegalStateException e) {
            // Closed, or failed: the engine says the latter with an EnvironmentFailureException, but
            // the adapter's own checks (a database this connection has not used yet) with an
            // IllegalStateException naming the failure. Either is fatal to the connection.
            if (!environmentUsable()) {
                fatal(e);
            }
            throw e;
        }
    }

    private boolean environmentUsable() {
        try {
            env.internals().checkUsable();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Tells the server this connection is unusable, before the error reaches the application. */
    private void fatal(Exception e) {
        if (failed) {
            return;
        }
        failed = true;
        LOG.log(System.Logger.Level.WARNING, "Cairn connection to '" + me.name() + "' is broken: " + e.getMessage());
        ConnectionEvent event = new ConnectionEvent(this, ConnectionEvent.CONNECTION_ERROR_OCCURRED, e);
        for (ConnectionEventListener l : listeners) {
            l.connectionErrorOccurred(event);
        }
    }

    void handleClosed(CairnConnectionImpl handle) {
        handles.remove(handle);
        ConnectionEvent event = new ConnectionEvent(this, ConnectionEvent.CONNECTION_CLOSED);
        event.setConnectionHandle(handle);
        for (ConnectionEventListener l : listeners) {
            l.connectionClosed(event);
        }
    }

    /** True while the environment is open and usable and this connection is neither destroyed nor broken. */
    boolean isUsable() {
        return !destroyed && !failed && me.state() == ManagedEnvironment.State.OPEN && environmentUsable();
    }

    int handleCount() {
        return handles.size();
    }

    private void checkNotDestroyed() throws ResourceException {
        if (destroyed) {
            throw new IllegalStateException("this Cairn managed connection was destroyed");
        }
    }

    @Override
    public String toString() {
        return "CairnManagedConnection[" + me.name() + "@" + Integer.toHexString(System.identityHashCode(this)) + "]";
    }
}
