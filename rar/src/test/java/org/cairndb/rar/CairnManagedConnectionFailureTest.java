package org.cairndb.rar;

import static org.cairndb.rar.TestAdapters.adapter;
import static org.cairndb.rar.TestAdapters.factory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.LocalTransaction;
import jakarta.resource.spi.LocalTransactionException;
import java.nio.charset.StandardCharsets;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.cairndb.EnvironmentFailureException;
import org.cairndb.xa.CairnXid;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A managed connection when its environment fails under it, and when the server cleans it up or
 * destroys it with a transaction still under way.
 */
class CairnManagedConnectionFailureTest extends AdapterFixture {

    private CairnManagedConnection mc;
    private CairnConnection handle;
    private final TestAdapters.Events events = new TestAdapters.Events();

    @BeforeEach
    void setUp() throws Exception {
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        mc = connect();
        mc.addConnectionEventListener(events);
        handle = (CairnConnection) mc.getConnection(null, null);
        handle.putString("used", "k", "v");
    }


    private CairnManagedConnection connect() throws ResourceException {
        return (CairnManagedConnection) factory(ra, "unit").createManagedConnection(null, null);
    }

    private void failEnvironment() throws ResourceException {
        ra.environment("unit").environment().internals().fail("simulated log write failure",
                new java.io.IOException("disk gone"));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The environment failed, and the handle's next call names a database this connection has not
     * used yet: the server hears of it (connectionErrorOccurred, with the same exception) before the
     * caller does. The adapter's own check said so with an IllegalStateException that the connection
     * did not count as fatal, so no event was sent.
     */
    @Test
    void aFailureMetThroughADatabaseNotUsedYetIsReportedBeforeTheCallerSeesIt() throws Exception {
        failEnvironment();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> handle.getString("fresh", "k"));
        assertTrue(e.getMessage().contains("failed") && e.getMessage().contains("disk gone"), e.getMessage());
        assertEquals(1, events.errors.size(), "connectionErrorOccurred");
        assertSame(e, events.errors.get(0).getException());
        assertFalse(handle.isValid(1));
    }

    /**
     * Outside a server, the adapter's own connection manager destroys a connection that reported a
     * fatal error: its handle is invalid from then on, and says why.
     */
    @Test
    void withoutAServerAHandleIsInvalidAfterAFatalError() throws Exception {
        CairnConnectionFactory cf = (CairnConnectionFactory) factory(ra, "unit").createConnectionFactory();
        CairnConnection c = cf.getConnection();
        failEnvironment();
        assertThrows(IllegalStateException.class, () -> c.getString("fresh", "k"));
        IllegalStateException invalid = assertThrows(IllegalStateException.class, () -> c.getString("used", "k"));
        assertTrue(invalid.getMessage().contains("no longer valid") && invalid.getMessage().contains("destroyed"),
                invalid.getMessage());
        assertFalse(c.isValid(1));
        c.close();
    }

    /** Through a database used before, the engine's EnvironmentFailureException is reported the same way. */
    @Test
    void aFailureInsideAnXaBranchIsReportedBeforeTheCallerSeesIt() throws Exception {
        XAResource xa = mc.getXAResource();
        CairnXid xid = new CairnXid(1, b("g"), b("b"));
        xa.start(xid, XAResource.TMNOFLAGS);
        failEnvironment();
        EnvironmentFailureException e = assertThrows(EnvironmentFailureException.class,
                () -> handle.putString("used", "k2", "v2"));
        assertEquals(1, events.errors.size());
        assertSame(e, events.errors.get(0).getException());
    }

    /**
     * LocalTransaction.begin on a failed environment throws a LocalTransactionException (a
     * ResourceException, as the contract says), after the error event. It threw the engine's
     * EnvironmentFailureException, a RuntimeException the container does not expect from begin().
     */
    @Test
    void beginningALocalTransactionOnAFailedEnvironmentIsAResourceException() throws Exception {
        failEnvironment();
        LocalTransaction lt = mc.getLocalTransaction();
        LocalTransactionException e = assertThrows(LocalTransactionException.class, lt::begin);
        assertTrue(e.getMessage().contains("cannot begin") && e.getMessage().contains("disk gone"), e.getMessage());
        assertEquals(1, events.errors.size());
    }

    /** A commit that meets a failed environment is a LocalTransactionException, after the error event. */
    @Test
    void committingALocalTransactionOnAFailedEnvironmentIsReportedFirst() throws Exception {
        LocalTransaction lt = mc.getLocalTransaction();
        lt.begin();
        handle.putString("used", "k", "changed");
        failEnvironment();
        LocalTransactionException e = assertThrows(LocalTransactionException.class, lt::commit);
        assertTrue(e.getMessage().contains("commit of the local transaction failed"), e.getMessage());
        assertEquals(1, events.errors.size());
    }

    /**
     * cleanup() with a local transaction still active is refused (the Connectors API's
     * IllegalStateException), so the connection does not go back to the pool; the server destroys
     * it, which rolls the transaction back. Pooled as it was, its next user's work went into that
     * transaction, and was lost with it.
     */
    @Test
    void cleanupWithALocalTransactionActiveIsRefused() throws Exception {
        LocalTransaction lt = mc.getLocalTransaction();
        lt.begin();
        handle.putString("t", "a", "1");
        jakarta.resource.spi.IllegalStateException e = assertThrows(jakarta.resource.spi.IllegalStateException.class,
                mc::cleanup);
        assertTrue(e.getMessage().contains("local transaction is still active"), e.getMessage());
        mc.destroy();
        CairnManagedConnection other = connect();
        assertNull(((CairnConnection) other.getConnection(null, null)).getString("t", "a"), "rolled back by destroy()");
        other.destroy();
    }

    /** Once the local transaction has ended, cleanup() invalidates the handles and the connection is reused. */
    @Test
    void cleanupAfterTheLocalTransactionEndedInvalidatesTheHandles() throws Exception {
        LocalTransaction lt = mc.getLocalTransaction();
        lt.begin();
        handle.putString("t", "a", "1");
        lt.commit();
        mc.cleanup();
        assertFalse(handle.isValid(1));
        CairnConnection next = (CairnConnection) mc.getConnection(null, null);
        assertEquals("1", next.getString("t", "a"));
    }

    /**
     * cleanup() while the connection's XAResource is still associated with a branch (active or
     * suspended: end was not called) is refused like a local transaction, naming the branch. It was
     * accepted: back in the pool, the connection ran its next user's auto-commit work in that branch,
     * and the branch's rollback took that work with it.
     */
    @Test
    void cleanupWhileAnXaBranchIsAssociatedIsRefused() throws Exception {
        XAResource xa = mc.getXAResource();
        CairnXid active = new CairnXid(1, b("g"), b("active"));
        xa.start(active, XAResource.TMNOFLAGS);
        handle.putString("x", "k", "in-branch");
        jakarta.resource.spi.IllegalStateException e = assertThrows(jakarta.resource.spi.IllegalStateException.class,
                mc::cleanup);
        assertTrue(e.getMessage().contains("XA transaction branch " + active), e.getMessage());
        assertEquals("in-branch", handle.getString("x", "k"), "the handles stay valid");

        xa.end(active, XAResource.TMSUSPEND);
        e = assertThrows(jakarta.resource.spi.IllegalStateException.class, mc::cleanup);
        assertTrue(e.getMessage().contains(active + " (suspended)"), e.getMessage());

        xa.end(active, XAResource.TMSUCCESS);
        xa.rollback(active);
        mc.cleanup();
        assertFalse(handle.isValid(1));
        CairnConnection next = (CairnConnection) mc.getConnection(null, null);
        next.putString("x", "next", "auto-commit");
        assertEquals("auto-commit", ((CairnConnection) connect().getConnection(null, null)).getString("x", "next"));
        assertNull(next.getString("x", "k"), "the branch's work was rolled back");
    }

    /**
     * destroy() of a connection still associated with an XA branch ends the association as failed:
     * the transaction manager's prepare, through another connection, hears the branch was rolled back.
     */
    @Test
    void destroyWithAnXaBranchUnderWayRollsTheBranchBack() throws Exception {
        XAResource xa = mc.getXAResource();
        CairnXid xid = new CairnXid(1, b("g"), b("b"));
        xa.start(xid, XAResource.TMNOFLAGS);
        handle.putString("x", "k", "in-branch");
        mc.destroy();
        mc.destroy(); // a second destroy does nothing
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> handle.getString("x", "k"));
        assertTrue(e.getMessage().contains("destroyed"), e.getMessage());
        CairnManagedConnection other = connect();
        XAException rb = assertThrows(XAException.class, () -> other.getXAResource().prepare(xid));
        assertTrue(rb.errorCode >= XAException.XA_RBBASE && rb.errorCode <= XAException.XA_RBEND, "XA_RB*: " + rb.errorCode);
        assertNull(((CairnConnection) other.getConnection(null, null)).getString("x", "k"));
        other.destroy();
    }
}
