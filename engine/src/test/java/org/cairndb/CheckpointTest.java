package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.PausingFileIO;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints on demand, by log volume, by time and by memory, and only those when the thread is off. */
class CheckpointTest {

    @TempDir
    Path dir;

    @Test
    void onDemandCheckpointMovesTheRecoveryStartAndSkipsWhenNothingChanged() {
        try (Environment env = TestSupport.open(dir)) {
            Database db = env.openDatabase("t");
            db.put(null, b("k"), b("v"));
            CheckpointResult first = env.checkpoint(false);
            assertTrue(first.performed());
            assertTrue(first.pagesWritten() > 0);
            CheckpointResult idle = env.checkpoint(false);
            assertFalse(idle.performed(), "nothing changed");
            CheckpointResult forced = env.checkpoint(true);
            assertTrue(forced.performed());
            assertTrue(Lsn.parse(forced.startLsn()) >= Lsn.parse(first.startLsn()));
        }
    }

    @Test
    void logVolumeTriggersCheckpoints() throws Exception {
        EnvironmentConfig cfg = TestSupport.config().checkpointerEnabled(true).checkpointKBytes(64)
                .checkpointInterval(Duration.ZERO).durability(Durability.NO_SYNC);
        try (Environment env = Environment.open(dir, cfg)) {
            Database db = env.openDatabase("t");
            long before = env.stats().checkpoints();
            // Keep writing (about 100 KB of log per round) until two checkpoints have been triggered.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (int round = 0; env.stats().checkpoints() < before + 2; round++) {
                assertTrue(System.nanoTime() < deadline, "no log-volume checkpoints after " + round + " rounds");
                for (int i = 0; i < 400; i++) {
                    db.put(null, b("k" + i), new byte[200]);
                }
                Thread.sleep(50);
            }
            assertTrue(env.internals().checkpointer().logBytesSinceLast() < 64 * 1024 * 4);
        }
    }

    @Test
    void timeTriggersCheckpoints() throws Exception {
        EnvironmentConfig cfg = TestSupport.config().checkpointerEnabled(true).checkpointKBytes(0)
                .checkpointInterval(Duration.ofMillis(100));
        try (Environment env = Environment.open(dir, cfg)) {
            Database db = env.openDatabase("t");
            long before = env.stats().checkpoints();
            db.put(null, b("k"), b("v"));
            TestSupport.awaitTrue(() -> env.stats().checkpoints() > before, "a timed checkpoint");
            String start = env.stats().recoveryStartLsn();
            db.put(null, b("k2"), b("v"));
            TestSupport.awaitTrue(() -> !env.stats().recoveryStartLsn().equals(start), "the next timed checkpoint");
        }
    }

    @Test
    void withTheCheckpointerOffOnlyMemoryPressureCheckpoints() {
        EnvironmentConfig cfg = TestSupport.config().checkpointerEnabled(false).checkpointKBytes(1)
                .checkpointInterval(Duration.ofMillis(1)).cacheSize(2L << 20).durability(Durability.NO_SYNC);
        try (Environment env = Environment.open(dir, cfg)) {
            Database db = env.openDatabase("t");
            long before = env.stats().checkpoints();
            // Small writes: plenty of log, little dirty memory. No checkpoint may happen.
            for (int i = 0; i < 300; i++) {
                db.put(null, b("same"), b("v" + i));
            }
            assertEquals(before, env.stats().checkpoints());
            // Many distinct keys: dirty pages outgrow the 2 MiB cache, so checkpoints must run.
            for (int i = 0; i < 40_000; i++) {
                db.put(null, b(String.format("key-%08d", i)), new byte[100]);
            }
            assertTrue(env.stats().checkpoints() > before, "memory pressure checkpoints");
            assertTrue(env.stats().dirtyBytes() <= 2L << 20, "dirty bytes " + env.stats().dirtyBytes());
        }
    }

    /**
     * A checkpoint or a log removal asked for while the environment closes (held here between the
     * close's checkpoint, after which its log is closed, and its removal of the segments that
     * checkpoint made unneeded) is refused as on a closed environment. Both used to pass the check
     * for a closed environment, wait for the checkpointer's monitor and run once the close let it go:
     * the checkpoint wrote the data files the close was closing, then failed the environment
     * ("checkpoint failed: the log is closed; close it and open it again to run recovery"), and the
     * removal changed the log of a home the close had released.
     */
    @Test
    void aCheckpointOrLogRemovalAskedForWhileTheEnvironmentClosesIsRefusedAsClosed() throws Exception {
        PausingFileIO io = new PausingFileIO(NioFileIO.INSTANCE);
        EnvironmentConfig cfg = TestSupport.config().logSegmentSize(64 << 10).logAutoRemove(true);
        Environment env = Environment.open(dir, cfg.copy().fileIO(io));
        KeyedCommits.commit(env, "k", 0, 120); // about 180 KB of log: three segments the close's checkpoint makes unneeded
        io.pauseAtDelete(p -> SegmentFiles.number(p.getFileName().toString()) > 0);
        Thread closer = new Thread(env::close, "closer");
        closer.start();
        assertTrue(io.awaitPaused(30), "the close removes the segments its checkpoint made unneeded");
        AtomicReference<Throwable> checkpoint = new AtomicReference<>();
        AtomicReference<Throwable> removal = new AtomicReference<>();
        Thread c = failureOf(() -> env.checkpoint(true), checkpoint);
        Thread r = failureOf(() -> env.internals().logArchive().removeArchivable(), removal);
        for (Thread t : new Thread[] {c, r}) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (t.isAlive() && t.getState() != Thread.State.BLOCKED) {
                assertTrue(System.nanoTime() < deadline, t.getName() + " neither ended nor waited for the checkpointer");
                Thread.onSpinWait();
            }
        }
        io.release();
        for (Thread t : new Thread[] {closer, c, r}) {
            t.join(30_000);
            assertFalse(t.isAlive(), t.getName() + " did not end");
        }
        for (Throwable refused : new Throwable[] {checkpoint.get(), removal.get()}) {
            assertInstanceOf(IllegalStateException.class, refused, "refused as on a closed environment, not: " + refused);
            assertEquals("environment " + env.home() + " is closed", refused.getMessage());
        }
        try (Environment again = Environment.open(dir, cfg)) {
            assertEquals(KeyedCommits.named("k", 0, 120), KeyedCommits.keys(again));
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Starts a thread running {@code step}; what it throws goes into {@code failure}. */
    private static Thread failureOf(Step step, AtomicReference<Throwable> failure) {
        Thread t = new Thread(() -> {
            try {
                step.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "step");
        t.start();
        return t;
    }
}
