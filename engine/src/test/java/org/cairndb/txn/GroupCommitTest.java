package org.cairndb.txn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit pipeline's group commit ({@link TxnManager}): concurrent SYNC commits share forces,
 * every committer is woken when its transaction is published, a failed force wakes every
 * committer still waiting, with the error, instead of leaving it parked, and an interrupted
 * committer neither spins nor harms the log.
 */
class GroupCommitTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final Predicate<Path> LOG_SEGMENT = p -> p.getFileName().toString().matches("log\\.\\d{10}");

    @TempDir
    Path tmp;

    /** A disk whose log forces take {@code latency}, so that committers reliably queue behind a force. */
    private FaultInjectingFileIO slowLogDisk(Duration latency) {
        return new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 1).forceLatency(latency, LOG_SEGMENT);
    }

    private Environment open(FaultInjectingFileIO io) {
        return Environment.open(tmp.resolve("env"), new EnvironmentConfig().fileIO(io).durability(Durability.SYNC)
                .checkpointerEnabled(false).checkpointKBytes(0).checkpointMinutes(0));
    }

    private static byte[] key(int thread, int i) {
        return ("t" + thread + "-" + i).getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void concurrentSyncCommitsShareForcesAndEachReturnsOncePublished() throws Exception {
        int threads = 32;
        int perThread = 40;
        try (Environment env = open(slowLogDisk(Duration.ofMillis(2)))) {
            Database db = env.openDatabase("t");
            long forcesBefore = env.stats().logForces();
            CountDownLatch start = new CountDownLatch(1);
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                workers.add(start(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < perThread; i++) {
                            Transaction txn = env.beginTransaction();
                            db.put(txn, key(id, i), key(id, i));
                            txn.commit();
                            // Published before commit returned: a new transaction of this thread sees it.
                            Transaction check = env.beginTransaction();
                            assertArrayEquals(key(id, i), db.get(check, key(id, i)), "own commit visible after return");
                            check.commit();
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            start.countDown();
            joinAll(workers);
            assertTrue(errors.isEmpty(), () -> "committers failed: " + errors);
            long commits = (long) threads * perThread;
            long forces = env.stats().logForces() - forcesBefore;
            assertTrue(forces > 0 && forces * 4 <= commits,
                    commits + " SYNC commits by " + threads + " threads took " + forces + " log forces; group commit should share them");
            Transaction r = env.beginTransaction();
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < perThread; i++) {
                    assertArrayEquals(key(t, i), db.get(r, key(t, i)));
                }
            }
            r.commit();
        }
    }

    /**
     * Four threads committing one record after another share each force four ways. Without the
     * leader's wait for the last round's committers ({@link CommitRounds}) rounds alternated between
     * two pairs of threads: a committer cannot queue during its own round's force, so each force
     * carried two commits (2.3 per force measured at four threads).
     */
    @Test
    void fourCommittersInARowShareEachForceFourWays() throws Exception {
        int threads = 4;
        int perThread = 60;
        try (Environment env = open(slowLogDisk(Duration.ofMillis(4)))) {
            Database db = env.openDatabase("t");
            long forcesBefore = env.stats().logForces();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t;
                workers.add(start(() -> {
                    try {
                        for (int i = 0; i < perThread; i++) {
                            Transaction txn = env.beginTransaction();
                            db.put(txn, key(id, i), key(id, i));
                            txn.commit();
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            joinAll(workers);
            assertTrue(errors.isEmpty(), () -> "committers failed: " + errors);
            long commits = (long) threads * perThread;
            long forces = env.stats().logForces() - forcesBefore;
            assertTrue(forces * 3 <= commits, commits + " SYNC commits by " + threads + " threads took " + forces
                    + " log forces: fewer than three commits per force");
        }
    }

    /**
     * A committer that stops costs the one left at most one wait: the leader waits for the last
     * round's committers only while some come back, and a round of one waits for nobody.
     */
    @Test
    void aCommitterLeftAloneDoesNotWaitForOneThatStopped() throws Exception {
        try (Environment env = open(slowLogDisk(Duration.ofMillis(2)))) {
            Database db = env.openDatabase("t");
            CountDownLatch stopped = new CountDownLatch(1);
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            Thread leaving = start(() -> {
                try {
                    for (int i = 0; i < 20; i++) {
                        Transaction txn = env.beginTransaction();
                        db.put(txn, key(1, i), key(1, i));
                        txn.commit();
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    stopped.countDown();
                }
            });
            Thread staying = start(() -> {
                try {
                    int i = 0;
                    for (; i < 20 || stopped.getCount() > 0; i++) {
                        Transaction txn = env.beginTransaction();
                        db.put(txn, key(2, i), key(2, i));
                        txn.commit();
                    }
                    for (int end = i + 100; i < end; i++) {
                        Transaction txn = env.beginTransaction();
                        db.put(txn, key(2, i), key(2, i));
                        txn.commit();
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            joinAll(List.of(leaving, staying));
            assertTrue(errors.isEmpty(), () -> "committers failed: " + errors);
            TxnManager txns = env.internals().txns();
            // One when the other stopped; a few more if a thread stalled (a pause of the machine)
            // while both were committing. Waiting in every round alone would be a hundred.
            assertTrue(txns.rounds().fruitlessWaits() <= 5, txns.rounds().fruitlessWaits()
                    + " waits for a committer that did not come back");
        }
    }

    /**
     * Many committers on a thousand keys, commits that need no force (so rounds follow each other as fast
     * as the threads can go): every increment is kept, and no committer is ever left parked. A
     * variant of the pipeline in which published committers woke each other in a tree failed this
     * test in two runs of three: a thread could look for the next one's waiter before that
     * transaction was marked published, find none, and leave it parked for good.
     */
    @Test
    void underContentionNoCommitterIsLeftWaitingAndNoIncrementIsLost() throws Exception {
        int threads = 64;
        int counters = 1000;
        Duration runFor = Duration.ofSeconds(5);
        try (Environment env = Environment.open(tmp.resolve("env"), new EnvironmentConfig().durability(Durability.NO_SYNC))) {
            Database db = env.openDatabase("counters");
            AtomicLong acknowledged = new AtomicLong();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            long end = System.nanoTime() + runFor.toNanos();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int seed = t;
                workers.add(start(() -> {
                    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
                    try {
                        while (System.nanoTime() < end) {
                            byte[] k = ("c" + random.nextInt(counters)).getBytes(StandardCharsets.UTF_8);
                            Transaction txn = env.beginTransaction();
                            byte[] old = db.getForUpdate(txn, k);
                            long n = old == null ? 0 : Long.parseLong(new String(old, StandardCharsets.UTF_8));
                            db.put(txn, k, Long.toString(n + 1).getBytes(StandardCharsets.UTF_8));
                            txn.commit();
                            acknowledged.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        errors.add(e);
                    }
                }));
            }
            joinAll(workers);
            assertTrue(errors.isEmpty(), () -> "committers failed: " + errors);
            long sum = 0;
            Transaction r = env.beginTransaction();
            for (int c = 0; c < counters; c++) {
                byte[] v = db.get(r, ("c" + c).getBytes(StandardCharsets.UTF_8));
                sum += v == null ? 0 : Long.parseLong(new String(v, StandardCharsets.UTF_8));
            }
            r.commit();
            assertTrue(acknowledged.get() > threads, "the committers made progress: " + acknowledged.get());
            assertEquals(acknowledged.get(), sum, "every acknowledged increment is in the counters");
        }
    }

    /**
     * A thread that commits with its interrupt status set leads its own round: the forced log must
     * not be closed by the interrupt (a {@code FileChannel} closes itself on one, which took the
     * whole environment down before {@code NioFileIO} guarded against it).
     */
    @Test
    void anInterruptedThreadCommitsAloneAndTheEnvironmentStaysUsable() throws Exception {
        try (Environment env = Environment.open(tmp.resolve("env"), new EnvironmentConfig().durability(Durability.SYNC))) {
            Database db = env.openDatabase("t");
            try {
                Thread.currentThread().interrupt();
                Transaction txn = env.beginTransaction();
                db.put(txn, key(0, 0), key(0, 0));
                txn.commit();
                assertTrue(Thread.currentThread().isInterrupted(), "the commit kept the thread's interrupt status");
            } finally {
                Thread.interrupted();
            }
            Transaction next = env.beginTransaction();
            db.put(next, key(0, 1), key(0, 1));
            next.commit();
            env.checkpoint(true);
        }
        try (Environment again = Environment.open(tmp.resolve("env"), new EnvironmentConfig())) {
            Database db = again.openDatabase("t");
            Transaction r = again.beginTransaction();
            assertArrayEquals(key(0, 0), db.get(r, key(0, 0)));
            assertArrayEquals(key(0, 1), db.get(r, key(0, 1)));
            r.commit();
        }
    }

    /**
     * An interrupted committer waits for its commit like any other (a commit cannot stop halfway),
     * parked rather than spinning, and returns with its interrupt status still set.
     */
    @Test
    void anInterruptedCommitterWaitsParkedAndKeepsItsInterrupt() throws Exception {
        FaultInjectingFileIO io = slowLogDisk(Duration.ofMillis(400));
        try (Environment env = open(io)) {
            Database db = env.openDatabase("t");
            AtomicLong background = new AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            // A second committer keeps a slow force running, so the interrupted one mostly waits for it.
            Thread other = start(() -> {
                for (int i = 0; !stop.get(); i++) {
                    Transaction txn = env.beginTransaction();
                    db.put(txn, key(1, i), key(1, i));
                    txn.commit();
                    background.incrementAndGet();
                }
            });
            try {
                long deadline = System.nanoTime() + DEADLINE.toNanos();
                while (background.get() < 1 && System.nanoTime() < deadline) {
                    Thread.onSpinWait();
                }
                java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
                for (int round = 0; round < 3; round++) {
                    long[] cpuNanos = new long[1];
                    boolean[] stillInterrupted = new boolean[1];
                    int r = round;
                    Thread committer = start(() -> {
                        Thread.currentThread().interrupt();
                        long cpu = mx.getCurrentThreadCpuTime();
                        Transaction txn = env.beginTransaction();
                        db.put(txn, key(2, r), key(2, r));
                        txn.commit();
                        cpuNanos[0] = mx.getCurrentThreadCpuTime() - cpu;
                        stillInterrupted[0] = Thread.currentThread().isInterrupted();
                    });
                    joinAll(List.of(committer));
                    assertTrue(stillInterrupted[0], "the commit kept the thread's interrupt status");
                    assertTrue(cpuNanos[0] < TimeUnit.MILLISECONDS.toNanos(100),
                            "waiting behind a 400 ms force took " + cpuNanos[0] / 1_000_000 + " ms of CPU: the committer spun");
                    Transaction check = env.beginTransaction();
                    assertArrayEquals(key(2, r), db.get(check, key(2, r)));
                    check.commit();
                }
            } finally {
                stop.set(true);
                joinAll(List.of(other));
            }
        }
    }

    @Test
    void aFailedForceWakesEveryWaitingCommitterWithTheError() throws Exception {
        int threads = 16;
        FaultInjectingFileIO io = slowLogDisk(Duration.ofMillis(2));
        Environment env = open(io);
        Database db = env.openDatabase("t");
        AtomicLong acknowledged = new AtomicLong();
        AtomicIntegerArray ackedPerThread = new AtomicIntegerArray(threads);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            workers.add(start(() -> {
                try {
                    for (int i = 0; ; i++) {
                        Transaction txn = env.beginTransaction();
                        db.put(txn, key(id, i), key(id, i));
                        txn.commit();
                        ackedPerThread.set(id, i + 1);
                        acknowledged.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }));
        }
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (acknowledged.get() < 200 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertTrue(acknowledged.get() >= 200, "committers made progress before the fault");
        io.failForce(1, LOG_SEGMENT, true);
        // Every committer ends: none is left parked waiting for a round that will never come.
        joinAll(workers);
        assertEquals(threads, failures.size(), "every committer got the error");
        for (Throwable f : failures) {
            assertNotNull(f.getMessage());
            assertTrue(f.getMessage().contains("log") || f.getMessage().contains("earlier commit"),
                    "the error says what failed: " + f);
        }
        assertThrows(RuntimeException.class, () -> {
            Transaction late = env.beginTransaction();
            db.put(late, key(99, 0), key(99, 0));
            late.commit();
        }, "the environment refuses work after the failed force");
        io.clearFaults();
        env.close();
        // Reopened on a sound disk: every acknowledged commit is there.
        try (Environment again = Environment.open(tmp.resolve("env"), new EnvironmentConfig().durability(Durability.SYNC))) {
            Database d = again.openDatabase("t");
            Transaction r = again.beginTransaction();
            for (int t = 0; t < threads; t++) {
                for (int i = 0; i < ackedPerThread.get(t); i++) {
                    assertArrayEquals(key(t, i), d.get(r, key(t, i)), "acknowledged commit " + i + " of thread " + t);
                }
            }
            r.commit();
        }
    }

    private static Thread start(Runnable r) {
        Thread t = new Thread(r);
        t.start();
        return t;
    }

    private static void joinAll(List<Thread> workers) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        for (Thread w : workers) {
            w.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            assertFalse(w.isAlive(), w.getName() + " still waiting after " + DEADLINE + ": " + List.of(w.getStackTrace()));
        }
    }
}
