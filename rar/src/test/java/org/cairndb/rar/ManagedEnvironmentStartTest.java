package org.cairndb.rar;

import static org.cairndb.rar.TestAdapters.adapter;
import static org.cairndb.rar.TestAdapters.admin;
import static org.cairndb.rar.TestAdapters.factory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.ResourceAdapterInternalException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.junit.jupiter.api.Test;

/** Opening an environment as Work: refused work, slow recovery, stop during recovery, the MBean's name. */
class ManagedEnvironmentStartTest extends AdapterFixture {




    /**
     * The server's WorkManager refuses the recovery Work: the start fails at once with the reason.
     * It used to leave the environment STARTING, and the adapter's clean-up then waited two minutes
     * for a recovery that was never going to run.
     */
    @Test
    void aRecoveryWorkTheServerRefusesFailsTheStartAtOnce() throws Exception {
        ctx.refuseWork = "the work manager is shutting down";
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        ResourceAdapterInternalException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(ResourceAdapterInternalException.class, () -> a.start(ctx)),
                "the start must not wait for a recovery that never runs");
        assertTrue(e.getMessage().contains("refused") && e.getMessage().contains("the work manager is shutting down"),
                e.getMessage());
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(ManagedEnvironment.objectName("unit")));

        ctx.refuseWork = null;
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        assertEquals(ManagedEnvironment.State.OPEN, ra.environment("unit").awaitOpenState(), "nothing was left locked");
    }

    /** A connection request that waits for recovery longer than ConnectionWaitSeconds is told so; later ones work. */
    @Test
    void aConnectionRequestGivesUpOnARecoveryPastItsWait() throws Exception {
        ctx.holdWork = new CountDownLatch(1);
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setStartWaitSeconds("0");
        a.setConnectionWaitSeconds("0");
        ra = a;
        ra.start(ctx);
        ManagedEnvironment me = ra.environment("unit");
        assertEquals(ManagedEnvironment.State.STARTING, me.state());
        IllegalStateException recovering = assertThrows(IllegalStateException.class, me::environment);
        assertTrue(recovering.getMessage().contains("still recovering"), recovering.getMessage());
        ResourceException e = assertThrows(ResourceException.class, () -> factory(ra, "unit").createManagedConnection(null, null));
        assertTrue(e.getMessage().contains("still recovering") && e.getMessage().contains("gave up waiting after 0 s"),
                e.getMessage());

        ctx.holdWork.countDown();
        me.awaitOpen(Duration.ofSeconds(20));
        CairnManagedConnection mc = (CairnManagedConnection) factory(ra, "unit").createManagedConnection(null, null);
        CairnConnection h = (CairnConnection) mc.getConnection(null, null);
        h.putString("t", "k", "v");
        assertEquals("v", h.getString("t", "k"));
        mc.destroy();
    }

    /** stop() while recovery still runs waits for it, then closes: the home is let go, the MBean never stays. */
    @Test
    void aStopDuringRecoveryClosesTheEnvironmentOnceRecoveryEnds() throws Exception {
        ctx.holdWork = new CountDownLatch(1);
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setStartWaitSeconds("0");
        a.start(ctx);
        ManagedEnvironment me = a.environment("unit");
        Thread stopper = new Thread(a::stop, "stopper");
        stopper.start();
        TestAdapters.awaitWaitingIn(stopper, "close");
        ctx.holdWork.countDown();
        stopper.join(30_000);
        assertFalse(stopper.isAlive(), "stop() ended once recovery did");
        assertEquals(ManagedEnvironment.State.CLOSED, me.state());
        ResourceException e = assertThrows(ResourceException.class, () -> me.awaitOpen(Duration.ZERO));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(ManagedEnvironment.objectName("unit")));
        try (Environment env = Environment.open(dir.resolve("homes/unit"), new EnvironmentConfig().cacheSize(8 << 20))) {
            assertTrue(env.databaseNames().isEmpty(), "the home was let go");
        }
    }

    /** Writes about 5 KB of log and waits for the checkpoint that CheckpointKBytes=1 makes due. */
    private void writeAndAwaitACheckpoint() throws Exception {
        ManagedEnvironment me = ra.environment("unit");
        assertEquals(ManagedEnvironment.State.OPEN, me.awaitOpenState());
        long before = me.environment().stats().checkpoints();
        CairnConnectionFactory cf = (CairnConnectionFactory) factory(ra, "unit").createConnectionFactory();
        try (CairnConnection c = cf.getConnection()) {
            for (int i = 0; i < 50; i++) {
                c.putString("t", "k" + i, "x".repeat(100));
            }
            assertEquals("x".repeat(100), c.getString("t", "k0"));
        }
        TestAdapters.await("a scheduled checkpoint", () -> me.environment().stats().checkpoints() > before);
    }

    /** Outside a server (no BootstrapContext) the adapter runs recovery, its timer and its checkpoints on threads of its own. */
    @Test
    void withoutABootstrapContextTheAdapterUsesItsOwnThreads() throws Exception {
        ra = adapter(dir, "unit", "homes");
        ra.setCheckpointKBytes("1");
        ra.start(null);
        writeAndAwaitACheckpoint();
    }

    /** A server without timers (createTimer throws UnavailableException): the adapter uses its own. */
    @Test
    void withoutATimerFromTheServerTheAdapterUsesItsOwn() throws Exception {
        ctx.timers = TestBootstrapContext.Timers.UNAVAILABLE;
        ra = adapter(dir, "unit", "homes");
        ra.setCheckpointKBytes("1");
        ra.start(ctx);
        writeAndAwaitACheckpoint();
    }

    /**
     * A start that fails after the MBean was registered (here the server's timer is unusable) takes
     * the MBean away and lets go of the home, so that a later start succeeds.
     */
    @Test
    void aStartThatFailsAfterRegisteringTheMBeanUndoesTheOpen() throws Exception {
        ctx.timers = TestBootstrapContext.Timers.CANCELLED;
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        String m = assertThrows(ResourceAdapterInternalException.class, () -> a.start(ctx)).getMessage();
        assertTrue(m.contains("could not be opened") && m.contains("cancelled"), m);
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(ManagedEnvironment.objectName("unit")));
        ctx.timers = TestBootstrapContext.Timers.REAL;
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        assertEquals(ManagedEnvironment.State.OPEN, ra.environment("unit").awaitOpenState());
    }

    /** An MBean left under the name by an environment no longer open (or one that cannot say) is replaced. */
    @Test
    void aStaleMBeanUnderTheNameIsReplaced() throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName on = ManagedEnvironment.objectName("unit");
        for (Object stale : new Object[] {new StandardMBean(new Leftover(), LeftoverMBean.class),
                new StandardMBean(new Mute(), MuteMBean.class)}) {
            server.registerMBean(stale, on);
            ra = adapter(dir, "unit", "homes");
            ra.start(ctx);
            assertEquals("OPEN", admin("unit").getState());
            ra.stop();
            assertFalse(server.isRegistered(on));
        }
        ra = null;
    }

    /** The attributes a leftover MBean of a stopped deployment still answers. */
    public interface LeftoverMBean {
        String getState();

        String getHome();
    }

    static final class Leftover implements LeftoverMBean {
        @Override
        public String getState() {
            return "CLOSED";
        }

        @Override
        public String getHome() {
            return "/elsewhere";
        }
    }

    /** An MBean without the attributes (its state unreadable). */
    public interface MuteMBean {
    }

    static final class Mute implements MuteMBean {
    }

    /**
     * A second deployment may not take the MBean name of an environment that failed while its
     * deployment still runs: that deployment's stop unregisters the name, and used to remove the
     * second deployment's MBean with it.
     */
    @Test
    void theMBeanNameOfAFailedEnvironmentStillDeployedIsNotTakenOver() throws Exception {
        ra = adapter(dir, "unit", "first");
        ra.start(ctx);
        ra.environment("unit").environment().internals().fail("simulated log write failure", new java.io.IOException("disk gone"));
        CairnResourceAdapter second = adapter(dir, "unit", "second");
        String m = assertThrows(ResourceAdapterInternalException.class, () -> second.start(ctx)).getMessage();
        assertTrue(m.contains("already registered") && m.contains("FAILED") && m.contains("undeploy that one first"), m);
        second.stop();
        assertEquals("FAILED", admin("unit").getState(), "the first deployment keeps its MBean");

        ra.stop();
        ra = adapter(dir, "unit", "second");
        ra.start(ctx);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        assertTrue(server.isRegistered(ManagedEnvironment.objectName("unit")));
        assertEquals(dir.resolve("second/unit").toString(), admin("unit").getHome());
    }

    /**
     * Recovery fails on a corrupt file: the start fails naming the home and the file, nothing is left
     * registered or running (no cairn thread, no timer), and once the file is whole again a start works.
     */
    @Test
    void aStartWhoseRecoveryMeetsACorruptFileFailsNamingItAndLeavesNothingBehind() throws Exception {
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        CairnConnectionFactory cf = (CairnConnectionFactory) factory(ra, "unit").createConnectionFactory();
        try (CairnConnection c = cf.getConnection()) {
            c.putString("t", "k", "v");
        }
        ra.stop();
        ra = null;
        java.nio.file.Path home = dir.resolve("homes/unit");
        java.nio.file.Path file;
        try (var files = java.nio.file.Files.list(home.resolve("data"))) {
            file = files.filter(f -> f.getFileName().toString().equals("t.cdb")).findFirst().orElseThrow();
        }
        byte[] whole = java.nio.file.Files.readAllBytes(file);
        byte[] bad = whole.clone();
        for (int i = 0; i < Math.min(bad.length, 65536); i++) { // both header pages, whatever their size
            bad[i] ^= 0x5a;
        }
        java.nio.file.Files.write(file, bad);
        long timers = ctx.timersCreated.get();

        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        String m = assertThrows(ResourceAdapterInternalException.class, () -> a.start(ctx)).getMessage();
        assertTrue(m.contains(home.toString()) && m.contains(file.getFileName().toString()), m);
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(ManagedEnvironment.objectName("unit")));
        assertEquals(timers, ctx.timersCreated.get(), "no timer for an environment that did not open");
        TestAdapters.await("the recovery Work to end", ctx::idle);
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().startsWith("cairn")),
                "no thread of the environment left");

        java.nio.file.Files.write(file, whole);
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        assertEquals(ManagedEnvironment.State.OPEN, ra.environment("unit").awaitOpenState(), "nothing was left locked");
        try (CairnConnection c = ((CairnConnectionFactory) factory(ra, "unit").createConnectionFactory()).getConnection()) {
            assertEquals("v", c.getString("t", "k"));
        }
    }
}
