package org.cairndb.rar;

import static org.cairndb.rar.TestAdapters.adapter;
import static org.cairndb.rar.TestAdapters.admin;
import static org.cairndb.rar.TestAdapters.factory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CountDownLatch;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.Operation;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;

/**
 * The adapter over the engine's fault-injecting file layer: I/O errors while an environment
 * recovers and while it serves. The layer goes into the environment's config while its recovery
 * Work is held back, before the open reads it.
 */
class ManagedEnvironmentFaultTest extends AdapterFixture {

    private FaultInjectingFileIO io;

    /** Starts an adapter whose environment opens through {@link #io}, set up by the caller before the open. */
    private ManagedEnvironment startFaulty(java.util.function.Consumer<FaultInjectingFileIO> faults) throws Exception {
        io = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch"), 1);
        faults.accept(io);
        ctx.holdWork = new CountDownLatch(1);
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setStartWaitSeconds("0");
        ra = a;
        ra.start(ctx);
        ManagedEnvironment me = ra.environment("unit");
        me.settings().config().fileIO(io);
        ctx.holdWork.countDown();
        return me;
    }

    private void createEnvironment() throws Exception {
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.start(ctx);
        try (CairnConnection c = ((CairnConnectionFactory) factory(a, "unit").createConnectionFactory()).getConnection()) {
            c.putString("t", "k", "v");
        }
        a.stop();
    }

    /**
     * Recovery fails with an I/O error: the environment is FAILED with a message naming the home and
     * the file, nothing stays registered, stop() completes, and a start once the device works opens it.
     */
    @Test
    void anIoErrorDuringRecoveryFailsTheStartNamingTheFileAndLeavesNothingBehind() throws Exception {
        createEnvironment();
        ManagedEnvironment me = startFaulty(f -> f.failOperation(1, EnumSet.of(Operation.WRITE, Operation.FORCE,
                Operation.CREATE, Operation.TRUNCATE, Operation.SYNC_DIRECTORY, Operation.RENAME), true));
        assertEquals(ManagedEnvironment.State.FAILED, me.awaitOpenState());
        String m = assertThrows(jakarta.resource.ResourceException.class, () -> me.awaitOpen()).getMessage();
        Path home = dir.resolve("homes/unit");
        assertTrue(m.contains(home.toString()) && m.contains("could not be opened"), m);
        assertTrue(m.contains(io.lastFailedOperation()) || m.contains(home.resolve("log").toString())
                || m.contains(home.resolve("data").toString()), m + " / " + io.lastFailedOperation());
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(ManagedEnvironment.objectName("unit")));
        CairnResourceAdapter failed = ra;
        ra = null;
        assertTimeoutPreemptively(Duration.ofSeconds(20), failed::stop);
        assertTrue(io.openHandles().isEmpty(), "files left open: " + io.openHandles());

        ctx.holdWork = null;
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        assertEquals(ManagedEnvironment.State.OPEN, ra.environment("unit").awaitOpenState());
        try (CairnConnection c = ((CairnConnectionFactory) factory(ra, "unit").createConnectionFactory()).getConnection()) {
            assertEquals("v", c.getString("t", "k"));
        }
    }

    /**
     * A log force fails while the environment serves: the handle's call fails saying so, the managed
     * connection tells the pool (connectionErrorOccurred), the MBean says FAILED and its operations are
     * refused naming the failure, and stop() completes, leaving no file open.
     */
    @Test
    void aFailedLogForceWhileServingFailsHandlesTellsThePoolAndStopCompletes() throws Exception {
        createEnvironment();
        ManagedEnvironment me = startFaulty(f -> { });
        assertEquals(ManagedEnvironment.State.OPEN, me.awaitOpenState());
        CairnManagedConnection mc = (CairnManagedConnection) factory(ra, "unit").createManagedConnection(null, null);
        TestAdapters.Events events = new TestAdapters.Events();
        mc.addConnectionEventListener(events);
        CairnConnection handle = (CairnConnection) mc.getConnection(null, null);
        handle.putString("t", "a", "1");
        io.failForce(1, p -> p.toString().contains("/log/"), true);
        RuntimeException e = assertThrows(RuntimeException.class, () -> handle.putString("t", "b", "2"));
        assertTrue(e.getMessage() != null && e.getMessage().contains("log"), String.valueOf(e.getMessage()));
        assertEquals(1, events.errors.size(), "connectionErrorOccurred");
        assertSame(e, events.errors.get(0).getException());
        assertEquals("FAILED", admin("unit").getState());
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> admin("unit").checkpoint(true));
        assertTrue(refused.getMessage().contains("failed"), refused.getMessage());
        CairnResourceAdapter failed = ra;
        ra = null;
        assertTimeoutPreemptively(Duration.ofSeconds(20), failed::stop);
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(ManagedEnvironment.objectName("unit")));
        assertTrue(io.openHandles().isEmpty(), "files left open: " + io.openHandles());
    }

    /**
     * Scheduled checkpoints whose data-file writes fail: the first fails the environment (logged
     * once, as an error), the MBean says FAILED naming the file, and the ticks that follow schedule
     * nothing more (no error a second).
     */
    @Test
    void aScheduledCheckpointThatCannotWriteFailsTheEnvironmentVisiblyAndOnce() throws Exception {
        createEnvironment();
        ctx.timers = TestBootstrapContext.Timers.MANUAL;
        io = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch"), 1);
        ctx.holdWork = new CountDownLatch(1);
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setStartWaitSeconds("0");
        a.setCheckpointKBytes("1");
        ra = a;
        ra.start(ctx);
        ManagedEnvironment me = ra.environment("unit");
        me.settings().config().fileIO(io);
        ctx.holdWork.countDown();
        assertEquals(ManagedEnvironment.State.OPEN, me.awaitOpenState());
        TestAdapters.await("the open's own checkpoint", () -> ctx.idle());
        io.failWrite(1, p -> p.toString().contains("/data/"), true);
        for (int round = 0; round < 3; round++) {
            try (CairnConnection c = ((CairnConnectionFactory) factory(ra, "unit").createConnectionFactory()).getConnection()) {
                for (int i = 0; i < 50; i++) {
                    c.putString("t", "k" + round + "-" + i, "x".repeat(100));
                }
            } catch (RuntimeException | jakarta.resource.ResourceException e) {
                // a failed environment refuses the writes: what the state then says is checked below
            }
            ctx.tick();
            TestAdapters.await("the tick's work to end", ctx::idle);
        }
        // A checkpoint that cannot write a page fails the environment (its pages are in doubt): the
        // state says so, naming the file, and the timer schedules nothing more for it.
        assertEquals("FAILED", admin("unit").getState());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> admin("unit").getCommits());
        assertTrue(e.getMessage().contains("checkpoint failed") && e.getMessage().contains("t.cdb"), e.getMessage());
        io.clearFaults();
        int works = ctx.worksStarted.get();
        ctx.tick();
        assertEquals(works, ctx.worksStarted.get(), "no more scheduled work for a failed environment");
    }
}
