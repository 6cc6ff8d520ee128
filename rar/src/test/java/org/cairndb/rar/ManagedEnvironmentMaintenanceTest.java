package org.cairndb.rar;

import static org.cairndb.rar.TestAdapters.adapter;
import static org.cairndb.rar.TestAdapters.admin;
import static org.cairndb.rar.TestAdapters.await;
import static org.cairndb.rar.TestAdapters.factory;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The maintenance timer's ticks, run by the test itself (no waiting for the clock): what they
 * schedule as Work, and what they do when that work fails or the server refuses it.
 */
class ManagedEnvironmentMaintenanceTest extends AdapterFixture {

    private ManagedEnvironment me;

    @BeforeEach
    void setUp() {
        ctx.timers = TestBootstrapContext.Timers.MANUAL;
    }


    private void start(CairnResourceAdapter a) throws Exception {
        ra = a;
        ra.start(ctx);
        me = ra.environment("unit");
        assertEquals(ManagedEnvironment.State.OPEN, me.awaitOpenState());
    }

    /** Writes about 5 KB of log, enough for a checkpoint due with CheckpointKBytes=1. */
    private void write() throws Exception {
        CairnConnectionFactory cf = (CairnConnectionFactory) factory(ra, "unit").createConnectionFactory();
        try (CairnConnection c = cf.getConnection()) {
            for (int i = 0; i < 50; i++) {
                c.putString("t", "k" + i, "x".repeat(100));
            }
        }
    }

    /** Runs one tick and waits for the Work it scheduled; returns how many Works it scheduled. */
    private int tick() throws Exception {
        int before = ctx.worksStarted.get();
        ctx.tick();
        await("the work of a tick to end", ctx::idle);
        return ctx.worksStarted.get() - before;
    }

    /**
     * An environment that failed after it opened gets no more background work. Its ticks used to
     * schedule a checkpoint at every one (it failed again each time: an ERROR with a stack trace
     * every second) and a failover update whenever one was due.
     */
    @Test
    void aFailedEnvironmentGetsNoMoreScheduledWork() throws Exception {
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setCheckpointKBytes("1");
        a.setFailoverDirectory("failover/{env}");
        start(a);
        write();
        long checkpoints = me.environment().stats().checkpoints();
        assertEquals(2, tick(), "a checkpoint on log volume and the first failover update");
        assertTrue(me.environment().stats().checkpoints() > checkpoints);
        write();
        me.environment().internals().fail("simulated log write failure", new java.io.IOException("disk gone"));
        assertEquals(0, tick(), "nothing is scheduled for a failed environment");
        assertEquals(0, tick());
        assertEquals("FAILED", admin("unit").getState());
    }

    /**
     * A scheduled failover update that fails shows in LastFailoverUpdate and is tried again an
     * interval later. It used to be tried again at the very next tick (every second, each a
     * WARNING with a stack trace), and the attribute still said "none".
     */
    @Test
    void aFailedFailoverUpdateIsReportedAndRetriedAnIntervalLater() throws Exception {
        Path failover = dir.resolve("backups/failover/unit");
        Files.createDirectories(failover);
        Files.writeString(failover.resolve("notes.txt"), "not a backup");
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setFailoverDirectory("failover/{env}");
        start(a);
        assertEquals(1, tick(), "the first failover update follows the start");
        String last = admin("unit").getLastFailoverUpdate();
        assertTrue(last.contains("failed") && last.contains(failover.toString()), last);
        assertEquals(0, tick(), "no new attempt before the interval (15 min) has passed");
        assertEquals(0, tick());
        assertTrue(Files.exists(failover.resolve("notes.txt")), "the directory was left alone");
    }

    /**
     * The timer's failover updates sent no notification at all: an admin watching the MBean in a
     * console saw the updates it called itself, but not the scheduled ones, nor their failures (the
     * copy falling behind). They now send the same started, progress and completed or failed
     * notifications as updateFailover(), marked scheduled.
     */
    @Test
    void scheduledFailoverUpdatesAreNotified() throws Exception {
        Path failover = dir.resolve("backups/failover/unit");
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setFailoverDirectory("failover/{env}");
        a.setFailoverInterval("1s");
        start(a);
        java.util.List<javax.management.Notification> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        server.addNotificationListener(ManagedEnvironment.objectName("unit"), (n, hb) -> seen.add(n), null, null);
        assertEquals(1, tick(), "the first failover update follows the start");
        java.util.List<String> types = seen.stream().map(javax.management.Notification::getType).toList();
        assertEquals(org.cairndb.rar.admin.EnvironmentAdmin.OPERATION_STARTED, types.get(0), types.toString());
        assertTrue(types.contains(org.cairndb.rar.admin.EnvironmentAdmin.OPERATION_PROGRESS), types.toString());
        assertEquals(org.cairndb.rar.admin.EnvironmentAdmin.OPERATION_COMPLETED, types.get(types.size() - 1),
                types.toString());
        java.util.Map<?, ?> data = (java.util.Map<?, ?>) seen.get(seen.size() - 1).getUserData();
        assertEquals("updateFailover", data.get("operation"));
        assertEquals(failover.toString(), data.get("target"));
        assertEquals(Boolean.TRUE, data.get("scheduled"));

        // The next one fails: the copy's place is taken by a file.
        seen.clear();
        Path moved = dir.resolve("backups/moved");
        Files.move(failover, moved);
        Files.writeString(failover, "in the way");
        await("the interval to pass", () -> {
            try {
                return tick() == 1;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        javax.management.Notification last = seen.get(seen.size() - 1);
        assertEquals(org.cairndb.rar.admin.EnvironmentAdmin.OPERATION_FAILED, last.getType(), seen.toString());
        assertTrue(last.getMessage().contains(failover.toString()), last.getMessage());
        assertTrue(admin("unit").getLastFailoverUpdate().contains("failed"), admin("unit").getLastFailoverUpdate());
    }

    /**
     * The home's cairn.properties overrides the adapter's settings (adapter.md), but the timer
     * checked CheckpointKBytes and CheckpointMinutes as the adapter had them: cairn.checkpoint.kbytes
     * there changed nothing.
     */
    @Test
    void theHomesCairnPropertiesSetTheScheduledCheckpointTriggers() throws Exception {
        Path home = dir.resolve("homes/unit");
        Files.createDirectories(home);
        Files.writeString(home.resolve("cairn.properties"), "cairn.checkpoint.kbytes=1\n");
        start(adapter(dir, "unit", "homes")); // CheckpointKBytes: the default 65536
        write();
        long checkpoints = me.environment().stats().checkpoints();
        assertEquals(1, tick(), "a checkpoint on log volume, by the home's 1 KB");
        assertTrue(me.environment().stats().checkpoints() > checkpoints);
        ra.stop();

        Files.writeString(home.resolve("cairn.properties"), "cairn.checkpoint.kbytes=0\n");
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setCheckpointKBytes("1");
        start(a);
        write();
        assertEquals(0, tick(), "the home turned the log-volume trigger off");
    }

    /** Small log segments (64 KB), so that a few hundred KB of writes finish several. */
    private void smallSegments() throws Exception {
        Path home = dir.resolve("homes/unit");
        Files.createDirectories(home);
        Files.writeString(home.resolve("cairn.properties"), "cairn.log.segment.size=64k\n");
    }

    private void writeSegments() throws Exception {
        CairnConnectionFactory cf = (CairnConnectionFactory) factory(ra, "unit").createConnectionFactory();
        try (CairnConnection c = cf.getConnection()) {
            for (int i = 0; me.environment().internals().log().currentSegment() < 4; i++) {
                c.put("t", ("k" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[2000]);
            }
        }
    }

    private static java.util.Set<String> segmentsIn(Path d) throws Exception {
        try (var files = Files.list(d)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("log\\.\\d+"))
                    .collect(java.util.stream.Collectors.toSet());
        }
    }

    /** A scheduled checkpoint is followed by an archive pass and, with LogAutoRemove, the removal of archived segments. */
    @Test
    void aScheduledCheckpointArchivesAndRemovesTheLogNoLongerNeeded() throws Exception {
        smallSegments();
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setCheckpointKBytes("1");
        a.setArchiveDirectory("archive");
        a.setLogAutoRemove("true");
        start(a);
        writeSegments();
        Path home = dir.resolve("homes/unit");
        java.util.Set<String> before = segmentsIn(home.resolve("log"));
        assertEquals(1, tick(), "a checkpoint on log volume");
        java.util.Set<String> removed = new java.util.HashSet<>(before);
        removed.removeAll(segmentsIn(home.resolve("log")));
        assertTrue(removed.size() >= 2, "the segments nothing needs after the checkpoint were removed: " + removed);
        assertTrue(segmentsIn(home.resolve("archive")).containsAll(removed), "each one archived first");
    }

    /**
     * An archive pass that fails (the archive directory is taken by a plain file) leaves the
     * environment open and serving; the failure shows in ArchiveStatus, and archiving is tried again.
     */
    @Test
    void aFailingArchivePassLeavesTheEnvironmentServing() throws Exception {
        smallSegments();
        Path archive = dir.resolve("archive");
        Files.writeString(archive, "not a directory");
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setCheckpointKBytes("1");
        a.setArchiveDirectory(archive.toString());
        a.setLogAutoRemove("true");
        start(a);
        writeSegments();
        assertEquals(1, tick());
        await("archiving failures in ArchiveStatus", () -> admin("unit").getArchiveStatus().getFailures() > 0);
        assertTrue(admin("unit").getArchiveStatus().getLastError().contains("archive"), admin("unit").getArchiveStatus().toString());
        assertEquals("OPEN", admin("unit").getState());
        assertTrue(segmentsIn(dir.resolve("homes/unit/log")).size() >= 4, "nothing was removed unarchived");
        CairnConnectionFactory cf = (CairnConnectionFactory) factory(ra, "unit").createConnectionFactory();
        try (CairnConnection c = cf.getConnection()) {
            c.putString("t", "after", "yes");
            assertEquals("yes", c.getString("t", "after"));
        }
        Files.delete(archive);
        await("archiving to succeed once the directory can be made", () -> admin("unit").getArchiveStatus().getLagSegments() == 0);
    }

    /** Work the server refuses is not lost: the next tick schedules it again. */
    @Test
    void scheduledWorkTheServerRefusesIsScheduledAgainAtTheNextTick() throws Exception {
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setFailoverDirectory("failover/{env}");
        start(a);
        ctx.refuseWork = "the work manager is busy";
        assertEquals(0, tick());
        assertEquals("none", admin("unit").getLastFailoverUpdate());
        ctx.refuseWork = null;
        assertEquals(1, tick());
        assertTrue(Files.exists(dir.resolve("backups/failover/unit/backup.manifest")), admin("unit").getLastFailoverUpdate());
    }

    /**
     * A work manager that breaks (throws an unchecked exception instead of a WorkException) when a
     * tick hands it scheduled work: the tick survives, the work is scheduled again at the next tick
     * once the server takes work again, and stop() does not wait for work that never started. The
     * adapter counted the work as running before it handed it over and only a WorkException undid
     * that: no checkpoint was scheduled again (its flag stayed set), and stop() waited its two
     * minutes for an operation that did not exist.
     */
    @Test
    void scheduledWorkTheServerFailsToTakeIsScheduledAgainAndHoldsNoStopBack() throws Exception {
        CairnResourceAdapter a = adapter(dir, "unit", "homes");
        a.setCheckpointKBytes("1");
        start(a);
        write();
        ctx.breakWork = new IllegalStateException("the work manager's pool is broken");
        assertEquals(0, tick(), "nothing taken");
        ctx.breakWork = null;
        long checkpoints = me.environment().stats().checkpoints();
        assertEquals(1, tick(), "the checkpoint is scheduled again");
        assertTrue(me.environment().stats().checkpoints() > checkpoints);
        write();
        ctx.breakWork = new IllegalStateException("the work manager's pool is broken");
        assertEquals(0, tick());
        CairnResourceAdapter started = ra;
        ra = null;
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), started::stop,
                "stop() waits for no work that never started");
    }
}
