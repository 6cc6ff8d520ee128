package org.cairndb.rar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.LocalTransaction;
import jakarta.resource.spi.ResourceAdapterInternalException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import javax.management.JMX;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.cairndb.rar.admin.CairnEnvironmentMXBean;
import org.junit.jupiter.api.Test;

/**
 * Configurations and uses of the adapter that must be refused, or must not harm what runs: each
 * case was found by probing the adapter outside a server and failed before its fix.
 */
class AdapterMisuseTest extends AdapterFixture {




    private CairnResourceAdapter adapter(String name, String homes) {
        return TestAdapters.adapter(dir, name, homes);
    }

    private CairnManagedConnectionFactory factory(String name) throws ResourceException {
        CairnManagedConnectionFactory mcf = new CairnManagedConnectionFactory();
        mcf.setEnvironmentName(name);
        mcf.setResourceAdapter(ra);
        return mcf;
    }

    private static CairnEnvironmentMXBean admin(String name) {
        return JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), ManagedEnvironment.objectName(name),
                CairnEnvironmentMXBean.class);
    }

    private String refusal(CairnResourceAdapter a) {
        return assertThrows(ResourceAdapterInternalException.class, () -> a.start(ctx)).getMessage();
    }

    @Test
    void badValuesNameTheirPropertyAndSeveralEnvironmentsCannotShareAnArchive() {
        CairnResourceAdapter cache = adapter("unit", "homes");
        cache.setCacheSize("abc");
        assertTrue(refusal(cache).contains("CacheSize=abc"));
        CairnResourceAdapter lock = adapter("unit", "homes");
        lock.setLockTimeout("10 seconds");
        assertTrue(refusal(lock).contains("LockTimeout=10 seconds"));
        CairnResourceAdapter minutes = adapter("unit", "homes");
        minutes.setCheckpointMinutes(Long.toString(Long.MAX_VALUE));
        assertTrue(refusal(minutes).contains("CheckpointMinutes=" + Long.MAX_VALUE + ": must be at most"));
        CairnResourceAdapter dots = adapter("..", "homes");
        assertTrue(refusal(dots).contains("environment name '..'"));
        CairnResourceAdapter shared = adapter("alpha", "homes");
        shared.setAdditionalEnvironments("beta");
        shared.setArchiveDirectory(dir.resolve("one-archive").toString());
        String m = refusal(shared);
        assertTrue(m.contains("gives environments 'alpha' and 'beta' the same archive directory"), m);
        assertTrue(!Files.exists(dir.resolve("homes/alpha")) && !Files.exists(dir.resolve("homes/beta")), "nothing opened");
    }

    /**
     * A second deployment configured with the name of one already running gets an error naming
     * the clash, and the first keeps its MBean (it was taken over, then unregistered by the
     * second's stop).
     */
    @Test
    void aSecondDeploymentWithTheSameNameIsRefusedAndTheFirstKeepsItsMBean() throws Exception {
        ra = adapter("unit", "first");
        ra.start(ctx);
        ManagedEnvironment first = ra.environment("unit");
        assertEquals(ManagedEnvironment.State.OPEN, first.awaitOpenState());
        CairnResourceAdapter second = adapter("unit", "second");
        String m = refusal(second);
        assertTrue(m.contains("already registered") && m.contains("another EnvironmentName"), m);
        second.stop();
        assertEquals(dir.resolve("first/unit").toString(), admin("unit").getHome(), "the first deployment's MBean");
        // The second released its home: it can start under another name.
        CairnResourceAdapter renamed = adapter("unit2", "second");
        renamed.setEnvironmentHome(dir.resolve("second/unit").toString());
        renamed.start(ctx);
        try {
            assertEquals(ManagedEnvironment.State.OPEN, renamed.environment("unit2").awaitOpenState());
        } finally {
            renamed.stop();
        }
    }

    /**
     * A second activation of the adapter on a home this server has open (WildFly activates the
     * archive's ironjacamar.xml and a resource-adapters subsystem entry for it both) was refused with
     * the engine's words for a programmer, "in use by process N (this process, which has it open
     * already); close it there first, or share that Environment": it names the environment that
     * holds the home and what to change.
     */
    @Test
    void aSecondActivationOnAHomeOpenHereIsToldWhichEnvironmentHasIt() throws Exception {
        ra = adapter("unit", "homes");
        ra.start(ctx);
        assertEquals(ManagedEnvironment.State.OPEN, ra.environment("unit").awaitOpenState());
        for (String name : new String[] {"unit", "renamed"}) {
            CairnResourceAdapter again = adapter(name, "homes");
            again.setEnvironmentHome(dir.resolve("homes/unit").toString());
            try {
                String m = refusal(again);
                assertTrue(m.contains("its home is open already in this server as Cairn environment 'unit' (OPEN, MBean "
                        + ManagedEnvironment.objectName("unit") + ")"), m);
                assertTrue(m.contains("give this one another EnvironmentHome and EnvironmentName"), m);
                assertFalse(m.contains("share that Environment"), m);
            } finally {
                again.stop();
            }
        }
        assertEquals(dir.resolve("homes/unit").toString(), admin("unit").getHome(), "the first keeps its MBean");
        assertEquals("OPEN", admin("unit").getState());
    }

    /** An environment that failed after it opened says FAILED, and no new connection is made to it. */
    @Test
    void anEnvironmentThatFailedSaysSoAndRefusesNewConnections() throws Exception {
        ra = adapter("unit", "homes");
        ra.start(ctx);
        ManagedEnvironment me = ra.environment("unit");
        assertEquals(ManagedEnvironment.State.OPEN, me.awaitOpenState());
        me.environment().internals().fail("simulated log write failure", new java.io.IOException("disk gone"));
        assertEquals("FAILED", admin("unit").getState());
        ResourceException e = assertThrows(ResourceException.class, () -> factory("unit").createManagedConnection(null, null));
        assertTrue(e.getMessage().contains("failed") && e.getMessage().contains("redeploy"), e.getMessage());
    }

    @Test
    void backupsIntoTheFailoverCopyAreRefusedSayingHowTheyReachIt() throws Exception {
        CairnResourceAdapter a = adapter("unit", "homes");
        a.setFailoverDirectory("failover/{env}");
        ra = a;
        ra.start(ctx);
        assertEquals(ManagedEnvironment.State.OPEN, ra.environment("unit").awaitOpenState());
        CairnEnvironmentMXBean admin = admin("unit");
        admin.updateFailover();
        byte[] manifest = Files.readAllBytes(dir.resolve("backups/failover/unit/backup.manifest"));
        Files.createSymbolicLink(dir.resolve("backups/link-fo"), dir.resolve("backups/failover/unit"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.updateBackup("link-fo"));
        assertTrue(e.getMessage().contains("overlaps the failover directory " + dir.resolve("backups/failover/unit")
                + " through a symbolic link;"), e.getMessage());
        // Named directly, the refusal spoke of a symbolic link all the same ("(also through a symbolic link)").
        IllegalArgumentException direct = assertThrows(IllegalArgumentException.class,
                () -> admin.hotBackup("failover/unit/inside", false));
        assertTrue(direct.getMessage().contains("overlaps the failover directory") && !direct.getMessage().contains("symbolic"),
                direct.getMessage());
        assertTrue(java.util.Arrays.equals(manifest, Files.readAllBytes(dir.resolve("backups/failover/unit/backup.manifest"))),
                "the failover copy was not touched");
    }

    private record LocalWork(CairnManagedConnection mc, CairnConnection handle, LocalTransaction txn) {
    }

    /** Starts the adapter and a local transaction on a new connection that has written t/a = 1. */
    private LocalWork startLocalWork() throws ResourceException {
        ra = adapter("unit", "homes");
        ra.start(ctx);
        CairnManagedConnection mc = (CairnManagedConnection) factory("unit").createManagedConnection(null, null);
        CairnConnection h = (CairnConnection) mc.getConnection(null, null);
        LocalTransaction lt = mc.getLocalTransaction();
        lt.begin();
        h.putString("t", "a", "1");
        return new LocalWork(mc, h, lt);
    }

    /**
     * An XA start (new branch, join or resume) on a connection with a local transaction under way is
     * XAER_OUTSIDE, as XA says of a resource manager doing work outside a global transaction, and
     * changes nothing: the association suspended stays, to be resumed once the local transaction ends.
     * The start was accepted, and only the next piece of work was refused.
     */
    @Test
    void anXaStartWhileALocalTransactionIsUnderWayIsXaerOutside() throws Exception {
        LocalWork w = startLocalWork();
        CairnManagedConnection mc = w.mc();
        CairnConnection h = w.handle();
        LocalTransaction lt = w.txn();
        javax.transaction.xa.Xid xid = new org.cairndb.xa.CairnXid(7, "g".getBytes(StandardCharsets.UTF_8),
                "b".getBytes(StandardCharsets.UTF_8));
        javax.transaction.xa.XAResource xa = mc.getXAResource();
        javax.transaction.xa.XAException e = assertThrows(javax.transaction.xa.XAException.class,
                () -> xa.start(xid, javax.transaction.xa.XAResource.TMNOFLAGS));
        assertEquals(javax.transaction.xa.XAException.XAER_OUTSIDE, e.errorCode, e.getMessage());
        assertTrue(e.getMessage().contains("local transaction"), e.getMessage());
        h.putString("t", "b", "2");
        lt.rollback();
        assertNull(h.getString("t", "a"));
        assertNull(h.getString("t", "b"));

        xa.start(xid, javax.transaction.xa.XAResource.TMNOFLAGS); // the Xid is free: nothing was started
        h.putString("t", "branch", "x");
        xa.end(xid, javax.transaction.xa.XAResource.TMSUSPEND);
        lt.begin(); // XA lets a suspended association's connection work outside the branch
        h.putString("t", "local", "y");
        e = assertThrows(javax.transaction.xa.XAException.class,
                () -> xa.start(xid, javax.transaction.xa.XAResource.TMRESUME));
        assertEquals(javax.transaction.xa.XAException.XAER_OUTSIDE, e.errorCode, e.getMessage());
        lt.commit();
        xa.start(xid, javax.transaction.xa.XAResource.TMRESUME);
        assertEquals("x", h.getString("t", "branch"));
        xa.end(xid, javax.transaction.xa.XAResource.TMSUCCESS);
        xa.rollback(xid);
        assertEquals("y", h.getString("t", "local"));
        assertNull(h.getString("t", "branch"));
        mc.destroy();
    }

    /** A commit after the server destroyed the connection says the local transaction was rolled back, not that none existed. */
    @Test
    void commitAfterDestroySaysTheLocalTransactionWasRolledBack() throws Exception {
        LocalWork w = startLocalWork();
        CairnManagedConnection mc = w.mc();
        LocalTransaction lt = w.txn();
        mc.destroy();
        String m = assertThrows(jakarta.resource.spi.LocalTransactionException.class, lt::commit).getMessage();
        assertTrue(m.contains("destroyed") && m.contains("rolled back"), m);
        CairnManagedConnection other = (CairnManagedConnection) factory("unit").createManagedConnection(null, null);
        CairnConnection reader = (CairnConnection) other.getConnection(null, null);
        assertNull(reader.getString("t", "a"));
        other.destroy();
    }

    /**
     * A start that fails after the environment opened (here: its MBean name is held by a live
     * foreign bean) lets the environment go: the home is not left locked by this process.
     */
    @Test
    void aStartThatFailsAfterTheOpenReleasesTheHome() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = ManagedEnvironment.objectName("unit");
        server.registerMBean(new javax.management.StandardMBean(new Squatter(), SquatterMBean.class, false) {
        }, name);
        try {
            String m = refusal(adapter("unit", "homes"));
            assertTrue(m.contains("already registered"), m);
        } finally {
            server.unregisterMBean(name);
        }
        ra = adapter("unit", "homes");
        ra.start(ctx);
        assertEquals(ManagedEnvironment.State.OPEN, ra.environment("unit").awaitOpenState(), "the home was released");
    }

    /** A bean that holds the environment's MBean name and says it is open. */
    public interface SquatterMBean {
        String getState();

        String getHome();
    }

    static final class Squatter implements SquatterMBean {
        @Override
        public String getState() {
            return "OPEN";
        }

        @Override
        public String getHome() {
            return "/elsewhere";
        }
    }
}
