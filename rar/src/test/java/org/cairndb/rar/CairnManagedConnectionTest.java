package org.cairndb.rar;

import static org.cairndb.rar.TestAdapters.adapter;
import static org.cairndb.rar.TestAdapters.factory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.LocalTransaction;
import jakarta.resource.spi.LocalTransactionException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import javax.transaction.xa.XAResource;
import org.cairndb.xa.CairnXid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The managed connection's side of the Connectors contract: what the server may call, and what it is refused. */
class CairnManagedConnectionTest extends AdapterFixture {

    private CairnManagedConnection mc;

    @BeforeEach
    void setUp() throws Exception {
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        mc = (CairnManagedConnection) factory(ra, "unit").createManagedConnection(null, null);
    }

    @AfterEach
    void tearDown() throws Exception {
        mc.destroy();
    }

    @Test
    void metaDataAndLogWriter() throws Exception {
        assertEquals("unit", mc.getMetaData().getUserName(), "the environment stands in for a user");
        assertEquals("Cairn", mc.getMetaData().getEISProductName());
        assertEquals(0, mc.getMetaData().getMaxConnections());
        assertNull(mc.getLogWriter());
        PrintWriter w = new PrintWriter(new StringWriter());
        mc.setLogWriter(w);
        assertSame(w, mc.getLogWriter());
    }

    /**
     * A new managed connection starts with its factory's log writer, as ManagedConnection.setLogWriter
     * says ("When a ManagedConnection object is initially created, the default log writer associated
     * with this instance is obtained from the ManagedConnectionFactory"); the server may then give it
     * its own. It started with none, whatever the factory had.
     */
    @Test
    void aNewConnectionStartsWithItsFactorysLogWriter() throws Exception {
        CairnManagedConnectionFactory mcf = factory(ra, "unit");
        PrintWriter factoryWriter = new PrintWriter(new StringWriter());
        mcf.setLogWriter(factoryWriter);
        CairnManagedConnection fresh = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        try {
            assertSame(factoryWriter, fresh.getLogWriter());
            PrintWriter own = new PrintWriter(new StringWriter());
            fresh.setLogWriter(own);
            assertSame(own, fresh.getLogWriter());
            assertSame(factoryWriter, mcf.getLogWriter(), "the factory keeps its own");
        } finally {
            fresh.destroy();
        }
    }

    @Test
    void onlyCairnHandlesCanBeAssociated() {
        ResourceException e = assertThrows(ResourceException.class, () -> mc.associateConnection("a string"));
        assertTrue(e.getMessage().contains("not a Cairn connection handle"), e.getMessage());
    }

    @Test
    void localTransactionsAreRefusedWhereTheyWouldClash() throws Exception {
        LocalTransaction lt = mc.getLocalTransaction();
        lt.begin();
        LocalTransactionException twice = assertThrows(LocalTransactionException.class, lt::begin);
        assertTrue(twice.getMessage().contains("already active"), twice.getMessage());
        lt.rollback();
        assertThrows(LocalTransactionException.class, lt::rollback, "nothing to roll back");

        XAResource xa = mc.getXAResource();
        CairnXid xid = new CairnXid(1, "g".getBytes(StandardCharsets.UTF_8), new byte[0]);
        xa.start(xid, XAResource.TMNOFLAGS);
        LocalTransactionException enlisted = assertThrows(LocalTransactionException.class, lt::begin);
        assertTrue(enlisted.getMessage().contains("enlisted in an XA transaction"), enlisted.getMessage());
        xa.end(xid, XAResource.TMSUCCESS);
        xa.rollback(xid);
    }

    @Test
    void aRemovedListenerHearsNothing() throws Exception {
        TestAdapters.Events events = new TestAdapters.Events();
        mc.addConnectionEventListener(events);
        mc.removeConnectionEventListener(events);
        ((CairnConnection) mc.getConnection(null, null)).close();
        assertTrue(events.closed.isEmpty());
    }

    @Test
    void aDestroyedConnectionRefusesEverything() throws Exception {
        mc.destroy();
        assertThrows(jakarta.resource.spi.IllegalStateException.class, () -> mc.getConnection(null, null));
        assertThrows(jakarta.resource.spi.IllegalStateException.class, mc::getXAResource);
        assertThrows(jakarta.resource.spi.IllegalStateException.class, mc::getLocalTransaction);
        CairnManagedConnection other = (CairnManagedConnection) factory(ra, "unit").createManagedConnection(null, null);
        Object handle = other.getConnection(null, null);
        assertThrows(jakarta.resource.spi.IllegalStateException.class, () -> mc.associateConnection(handle));
        other.destroy();
    }
}
