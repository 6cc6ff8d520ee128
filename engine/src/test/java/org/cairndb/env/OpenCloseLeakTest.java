package org.cairndb.env;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.CairnException;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.Failover;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.tools.BackupVerifier;
import org.cairndb.tools.Verifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening and closing environments many times in one JVM, as an application server does when it
 * redeploys the adapter, leaves nothing behind: no file descriptors, no Cairn thread, no entry in a
 * static registry, and no closed environment still reachable. Each test runs its cycle many times
 * and then compares with what the JVM had before ({@link LeakProbe}).
 */
class OpenCloseLeakTest {

    static final int CYCLES = 150;

    @TempDir
    Path dir;

    static EnvironmentConfig config(Path archive) {
        return TestSupport.config().logSegmentSize(64 << 10).archiveEnabled(true).archiveDir(archive)
                .logAutoRemove(true).checkpointerEnabled(true).checkpointInterval(Duration.ofMillis(5))
                .checkpointKBytes(16);
    }

    /**
     * Every cycle opens the environment (with continuous archiving, automatic log removal and the
     * background checkpointer), finishes the previous cycle's prepared transaction, writes past a
     * segment, checkpoints, prepares a transaction, and closes while a cursor, a snapshot reader and
     * a writer are still open: the application's leftovers must not keep anything alive.
     */
    @Test
    void openWriteCheckpointCloseWithLeftoversOpen() throws Exception {
        Path home = dir.resolve("env");
        Path archive = dir.resolve("archive");
        LeakProbe before = LeakProbe.take();
        List<WeakReference<Object>> closed = new ArrayList<>();
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            writeAndCloseWithLeftovers(home, archive, cycle, closed);
        }
        LeakProbe.assertNoneOpenUnder(dir);
        LeakProbe.take().assertNothingAccumulatedSince(before, CYCLES);
        LeakProbe.assertCollected(closed, "environments");
    }

    /** An environment that failed (its disk full) and was then closed leaves as little behind as any. */
    @Test
    void aFailedEnvironmentClosed() throws Exception {
        Path home = dir.resolve("env");
        Path archive = dir.resolve("archive");
        try (Environment env = Environment.open(home, config(archive))) {
            env.openDatabase("t");
        }
        LeakProbe before = LeakProbe.take();
        List<WeakReference<Object>> closed = new ArrayList<>();
        int cycles = CYCLES / 3;
        for (int cycle = 0; cycle < cycles; cycle++) {
            failAndClose(home, archive, cycle, closed);
        }
        LeakProbe.assertNoneOpenUnder(dir);
        LeakProbe.take().assertNothingAccumulatedSince(before, cycles);
        LeakProbe.assertCollected(closed, "failed environments");
    }

    /**
     * Hot backups, their updates and failover updates, with the copy verified and restored by
     * catastrophic and point-in-time recovery, every cycle.
     */
    @Test
    void backupsUpdatesFailoverVerifyAndRecoveries() throws Exception {
        Path home = dir.resolve("env");
        Path archive = dir.resolve("archive");
        LeakProbe before = LeakProbe.take();
        List<WeakReference<Object>> closed = new ArrayList<>();
        int cycles = CYCLES / 3;
        backUpAndRestore(home, archive, cycles, closed);
        LeakProbe.assertNoneOpenUnder(dir);
        LeakProbe.take().assertNothingAccumulatedSince(before, cycles);
        LeakProbe.assertCollected(closed, "environments");
        assertEquals(List.of(), LeakProbe.cairnThreads(), "Cairn threads after the last close");
        assertTrue(Files.exists(dir.resolve("failover")));
    }


    /**
     * Opens that fail (the home already open, a log segment missing under catastrophic recovery, a
     * damaged data file, no space even for the lock file) give back whatever they had taken.
     */
    @Test
    void failedOpens() throws Exception {
        Path home = dir.resolve("env");
        EnvironmentConfig plain = TestSupport.config().logSegmentSize(64 << 10);
        Path missing = dir.resolve("missing");
        Path damaged = dir.resolve("damaged");
        try (Environment env = Environment.open(home, plain)) {
            Database db = env.openDatabase("t");
            env.checkpoint(true);
            for (int i = 0; i < 200; i++) {
                db.put(null, b("k" + i), new byte[2000]);
            }
            // Copied while open: recovery needs every segment since the checkpoint above.
            TestSupport.copyTree(home, missing);
            TestSupport.copyTree(home, damaged);
        }
        Files.delete(missing.resolve("log").resolve("log.0000000003"));
        try (var ch = java.nio.channels.FileChannel.open(damaged.resolve("data").resolve("t.cdb"),
                java.nio.file.StandardOpenOption.WRITE)) {
            byte[] garbage = new byte[(int) ch.size()];
            java.util.Arrays.fill(garbage, (byte) 0x5a);
            ch.write(java.nio.ByteBuffer.wrap(garbage), 0);
        }
        Environment holder = Environment.open(home, plain);
        LeakProbe before = LeakProbe.take();
        int cycles = CYCLES / 3;
        try {
            for (int cycle = 0; cycle < cycles; cycle++) {
                assertThrows(CairnException.class, () -> Environment.open(home, plain), "open twice");
                assertThrows(CairnException.class, () -> Environment.open(missing, plain.copy().catastrophicRecovery(true)),
                        "a segment missing");
                assertThrows(CairnException.class, () -> Environment.open(damaged, plain), "a damaged data file");
                FaultInjectingFileIO full = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("s-" + cycle), cycle)
                        .spaceLimit(0);
                Path fresh = dir.resolve("fresh-" + cycle);
                assertThrows(CairnException.class, () -> Environment.open(fresh, plain.copy().fileIO(full)), "disk full");
            }
        } finally {
            holder.close();
        }
        LeakProbe.assertNoneOpenUnder(dir);
        LeakProbe after = LeakProbe.take();
        assertEquals(before.registries.get("EnvironmentLock.HELD") - 1, after.registries.get("EnvironmentLock.HELD"),
                "homes held after the one open environment closed");
        assertTrue(after.fds <= before.fds + LeakProbe.FD_TOLERANCE, "open file descriptors grew from " + before.fds
                + " to " + after.fds + " in " + cycles + " cycles of failed opens: " + LeakProbe.fdTargets());
        assertEquals(List.of(), LeakProbe.cairnThreads(), "Cairn threads after failed opens");
    }


    /**
     * An open that took the home's lock and then could not write its line into the lock file (the
     * disk full) kept the channel, and with it the lock against every other process, until a
     * garbage collection closed it. It gives both back at once now: the file can be locked again.
     */
    @Test
    void anOpenThatCannotWriteTheLockFileGivesTheLockBack() throws Exception {
        Path home = dir.resolve("env");
        FaultInjectingFileIO full = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch"), 1).spaceLimit(0);
        CairnException e = assertThrows(CairnException.class, () -> Environment.open(home, TestSupport.config().fileIO(full)));
        assertTrue(e.getMessage().contains("cairn.lock"), e.getMessage());
        LeakProbe.assertNoneOpenUnder(dir);
        try (var ch = java.nio.channels.FileChannel.open(home.resolve("cairn.lock"), java.nio.file.StandardOpenOption.WRITE);
                var lock = ch.tryLock()) {
            assertNotNull(lock, "the lock file is free");
        }
    }


    /** A close whose own checkpoint fails (the disk full under the data files) still gives everything back. */
    @Test
    void aCloseWhoseCheckpointFails() throws Exception {
        Path home = dir.resolve("env");
        try (Environment env = Environment.open(home, TestSupport.config())) {
            env.openDatabase("t");
        }
        LeakProbe before = LeakProbe.take();
        List<WeakReference<Object>> closed = new ArrayList<>();
        List<String> outcomes = new ArrayList<>();
        int cycles = CYCLES / 6; // each close waits for its failing checkpoint
        for (int cycle = 0; cycle < cycles; cycle++) {
            outcomes.add(closeOnAFullDisk(home, cycle, closed));
        }
        assertTrue(outcomes.stream().anyMatch(o -> o.contains("No space left")), "no close failed: " + outcomes);
        LeakProbe.assertNoneOpenUnder(dir);
        LeakProbe.take().assertNothingAccumulatedSince(before, cycles);
        LeakProbe.assertCollected(closed, "environments whose close failed");
    }

    private String closeOnAFullDisk(Path home, int cycle, List<WeakReference<Object>> closed) {
        FaultInjectingFileIO io = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch-" + cycle), cycle);
        Environment env = Environment.open(home, TestSupport.config().fileIO(io));
        Database db = env.openDatabase("t", false);
        for (int i = 0; i < 200; i++) {
            db.put(null, b("k" + cycle + "-" + i), new byte[1000]);
        }
        io.spaceLimit(0); // the log segment is preallocated: the commits fit, the data files cannot grow
        closed.add(new WeakReference<>(env));
        closed.add(new WeakReference<>(env.internals()));
        try {
            env.close();
            return "closed";
        } catch (CairnException e) {
            return e.getMessage();
        }
    }

    /** The cycles, in a method of their own so that no local variable of the test keeps the environment. */
    private void backUpAndRestore(Path home, Path archive, int cycles, List<WeakReference<Object>> closed) throws Exception {
        Environment env = Environment.open(home, config(archive));
        closed.add(new WeakReference<>(env));
        try {
            Database db = env.openDatabase("t");
            for (int cycle = 0; cycle < cycles; cycle++) {
                for (int i = 0; i < 20; i++) {
                    db.put(null, b("k" + cycle + "-" + i), new byte[2000]);
                }
                Path backup = dir.resolve("backup-" + cycle);
                HotBackup.run(env.internals(), backup, BackupOptions.defaults().withRecover(false));
                db.put(null, b("after" + cycle), new byte[3000]);
                HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true).withRecover(false));
                Failover.update(env.internals(), dir.resolve("failover"), BackupOptions.defaults());
                assertTrue(new BackupVerifier(backup).verify().ok(), "backup " + cycle + " verifies");
                Instant now = Instant.now();
                try (Environment restored = Environment.open(backup, TestSupport.config().allowCreate(false)
                        .catastrophicRecovery(true).recoveryTarget(RecoveryTarget.time(now, true)))) {
                    assertNotNull(restored.openDatabase("t", false).get(null, b("after" + cycle)));
                    closed.add(new WeakReference<>(restored));
                }
                assertTrue(new Verifier(backup).verify(List.of()).ok(), "restored backup " + cycle + " verifies");
                TestSupport.deleteTree(backup);
            }
        } finally {
            env.close();
        }
    }

    /** One cycle, in a method of its own so that no local variable of the test keeps the environment. */
    private static void writeAndCloseWithLeftovers(Path home, Path archive, int cycle, List<WeakReference<Object>> closed) {
        Environment env = Environment.open(home, config(archive));
        for (var p : env.preparedTransactions()) {
            env.preparedTransaction(p.globalId()).commit();
        }
        Database db = env.openDatabase("t");
        for (int i = 0; i < 40; i++) {
            db.put(null, b("k" + cycle + "-" + i), new byte[2000]);
        }
        env.checkpoint(true);
        Transaction prepared = env.beginTransaction();
        db.put(prepared, b("p" + cycle), b("v"));
        prepared.prepare(("gid-" + cycle).getBytes(StandardCharsets.UTF_8));
        Transaction snapshot = env.beginTransaction();
        Cursor cursor = db.openCursor(snapshot);
        cursor.next();
        Transaction writer = env.beginTransaction();
        db.put(writer, b("unfinished"), b("v"));
        Cursor autoCursor = db.openCursor(null);
        autoCursor.next();
        closed.add(new WeakReference<>(env));
        closed.add(new WeakReference<>(env.internals()));
        env.close();
    }

    /** One cycle: the disk fills up under a writer, the environment fails, the application closes it. */
    private void failAndClose(Path home, Path archive, int cycle, List<WeakReference<Object>> closed) {
        FaultInjectingFileIO io = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch-" + cycle), cycle);
        Environment env = Environment.open(home, config(archive).fileIO(io));
        Database db = env.openDatabase("t", false);
        Transaction reader = env.beginTransaction();
        db.openCursor(reader).next();
        io.spaceLimit(0);
        assertThrows(CairnException.class, () -> {
            for (int i = 0; i < 10_000; i++) {
                db.put(null, b("k" + i), new byte[4000]);
            }
            env.checkpoint(true);
        });
        closed.add(new WeakReference<>(env));
        closed.add(new WeakReference<>(env.internals()));
        closed.add(new WeakReference<>(io));
        env.close();
    }
}
