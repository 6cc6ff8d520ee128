package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentFailureException;
import org.cairndb.StorageException;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk and a failing device under bank transfers: the commit (or checkpoint) that hits the
 * error gets an exception naming it; the environment then refuses all work (it cannot know what
 * reached the disk); opened again with space available, it has every acknowledged transfer.
 */
class DiskFullTest {

    private static final int ACCOUNTS = 200;
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final String NO_SPACE = "No space left on device";

    @TempDir
    Path tmp;

    private Path createBank() {
        Path home = tmp.resolve("env");
        try (Environment env = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
            Bank.create(env, ACCOUNTS);
        }
        return home;
    }

    /**
     * Runs transfers on a fault layer until they fail; checks the failures name {@code problem}
     * and that the environment refuses work afterwards; closes it. Returns the acknowledged ids.
     */
    private List<String> runUntilFailure(Path home, FaultInjectingFileIO fio, long seed, String problem, String what)
            throws Exception {
        Environment env = Environment.open(home, CrashRig.config(fio, Durability.SYNC));
        BankWorkload w = new BankWorkload(env, ACCOUNTS, "w" + seed + "-", Durability.SYNC).start(3, seed, 30);
        assertTrue(w.await(() -> !w.failures().isEmpty(), DEADLINE), "the fault hit within " + DEADLINE + " (acked "
                + w.acked() + "); " + what);
        w.stopAndJoin(Duration.ofSeconds(30));
        assertFalse(w.failures().isEmpty());
        boolean named = false;
        for (Throwable t : w.failures()) {
            if (!(t instanceof EnvironmentFailureException) && !(t instanceof StorageException)) {
                throw new AssertionError("a commit failed with " + CrashRig.describe(t) + ", not with an"
                        + " EnvironmentFailureException or StorageException; " + what, t);
            }
            assertTrue(t.getMessage().contains(problem), "the exception names the problem (" + problem + "): "
                    + t.getMessage() + "; " + what);
            named = true;
        }
        assertTrue(named);
        assertRefusesWork(env, problem);
        env.close();
        return w.ackedIds();
    }

    private static void assertRefusesWork(Environment env, String problem) {
        EnvironmentFailureException e = assertThrows(EnvironmentFailureException.class, env::beginTransaction,
                "a failed environment refuses new transactions");
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        Database acc;
        try {
            acc = env.openDatabase(Bank.ACCOUNTS, false);
        } catch (EnvironmentFailureException expected) {
            acc = null;
        }
        if (acc != null) {
            Database a = acc;
            assertThrows(EnvironmentFailureException.class, () -> a.put(null, Bank.account(0), Bank.bytes("1")),
                    "a failed environment refuses writes");
        }
        assertThrows(EnvironmentFailureException.class, () -> env.checkpoint(true), "and checkpoints");
    }

    private static void assertAllThere(Path home, Set<String> mustHave, String what) {
        try (Environment env = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
            Bank.verify(env, ACCOUNTS, mustHave, what + "; recovery: " + env.recoveryReport());
            // And it works again.
            Bank.transfer(env, env.openDatabase(Bank.ACCOUNTS, false), env.openDatabase(Bank.HISTORY, false),
                    new Bank.Transfer("after-" + System.nanoTime(), 1, 2, 5), new TransactionConfig());
        }
    }

    /** The disk fills while files grow (a new log segment, data pages of a checkpoint), at a random point. */
    @Test
    void theDiskFillsUpUnderTransfers() throws Exception {
        long seed = Seeds.seed("DiskFullTest.theDiskFillsUpUnderTransfers");
        Random rnd = new Random(seed);
        Path home = createBank();
        Set<String> acked = new HashSet<>();
        for (int round = 0; round < Seeds.rounds(4); round++) {
            long budget = 100_000 + rnd.nextInt(1_000_000);
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("s" + round), rnd.nextLong())
                    .spaceLimit(budget);
            String what = "seed " + seed + ", round " + round + ", " + budget + " bytes of space";
            acked.addAll(runUntilFailure(home, fio, rnd.nextLong(), NO_SPACE, what));
            assertAllThere(home, acked, what);
        }
    }

    /** Every write counts (not only growth): a log write into its preallocated segment fails half-way. */
    @Test
    void aLogWriteFailsHalfWayForWantOfSpace() throws Exception {
        long seed = Seeds.seed("DiskFullTest.aLogWriteFailsHalfWayForWantOfSpace");
        Random rnd = new Random(seed);
        Path home = createBank();
        Set<String> acked = new HashSet<>();
        for (int round = 0; round < Seeds.rounds(4); round++) {
            long budget = 5_000 + rnd.nextInt(100_000);
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("s" + round), rnd.nextLong())
                    .writeLimit(budget);
            String what = "seed " + seed + ", round " + round + ", " + budget + " bytes may be written";
            acked.addAll(runUntilFailure(home, fio, rnd.nextLong(), NO_SPACE, what));
            assertAllThere(home, acked, what);
        }
    }

    /** A force of the log fails (a failing device): the commits waiting for it fail, the environment stops. */
    @Test
    void aFailedLogForceStopsTheEnvironment() throws Exception {
        long seed = Seeds.seed("DiskFullTest.aFailedLogForceStopsTheEnvironment");
        Random rnd = new Random(seed);
        Path home = createBank();
        Set<String> acked = new HashSet<>();
        for (int round = 0; round < Seeds.rounds(4); round++) {
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("s" + round), rnd.nextLong())
                    .failForce(1 + rnd.nextInt(200), CrashRig::isLogSegment, rnd.nextBoolean());
            String what = "seed " + seed + ", round " + round;
            acked.addAll(runUntilFailure(home, fio, rnd.nextLong(), "Input/output error", what));
            assertAllThere(home, acked, what);
        }
    }

    /**
     * A failed force and then the power fails too: what the failed force was to make durable may be
     * lost, but every acknowledged transfer stays.
     */
    @Test
    void aFailedLogForceThenPowerLoss() throws Exception {
        long seed = Seeds.seed("DiskFullTest.aFailedLogForceThenPowerLoss");
        Random rnd = new Random(seed);
        Path home = createBank();
        Set<String> acked = new HashSet<>();
        for (int round = 0; round < Seeds.rounds(4); round++) {
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("s" + round), rnd.nextLong())
                    .failForce(1 + rnd.nextInt(200), CrashRig::isLogSegment, false);
            Environment env = Environment.open(home, CrashRig.config(fio, Durability.SYNC));
            BankWorkload w = new BankWorkload(env, ACCOUNTS, "r" + round + "-", Durability.SYNC).start(3, rnd.nextLong(), 30);
            assertTrue(w.await(() -> !w.failures().isEmpty(), DEADLINE));
            fio.crash();
            w.stopAndJoin(Duration.ofSeconds(30));
            env.internals().abandon();
            acked.addAll(w.ackedIds());
            assertAllThere(home, acked, "seed " + seed + ", round " + round + ", " + fio.crashReport());
        }
    }

    /**
     * No checkpoints: only the log grows. The commit that needs a new segment when the disk is full
     * fails naming the problem; the next segment half-prepared on disk does not hinder recovery.
     */
    @Test
    void theCommitThatNeedsANewLogSegmentFindsTheDiskFull() {
        Path home = createBank();
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("s"), 2).spaceLimit(50_000);
        Environment env = Environment.open(home, CrashRig.config(fio, Durability.SYNC).checkpointerEnabled(false)
                .cacheSize(64 << 20));
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        Set<String> acked = new HashSet<>();
        EnvironmentFailureException failure = null;
        for (int i = 0; i < 10_000 && failure == null; i++) {
            Bank.Transfer t = new Bank.Transfer("s" + i, i % ACCOUNTS, (i + 1 + i / ACCOUNTS) % ACCOUNTS, 2);
            if (t.from() == t.to()) {
                continue;
            }
            try {
                Bank.transfer(env, acc, hist, t, new TransactionConfig());
                acked.add(t.id());
            } catch (EnvironmentFailureException e) {
                failure = e;
            }
        }
        assertNotNull(failure, "the disk filled up");
        assertTrue(failure.getMessage().contains(NO_SPACE), "the failed commit names the problem: " + failure.getMessage());
        assertTrue(failure.getMessage().contains("log"), "and what could not be written: " + failure.getMessage());
        assertRefusesWork(env, NO_SPACE);
        env.close();
        assertAllThere(home, acked, "after the log ran out of space");
    }

    /**
     * Found by FaultSweepTest: a database creation whose data file cannot be written after its
     * creation record is in the log. It failed with a StorageException and the environment went on;
     * its next checkpoint put the creation behind the recovery start, and every later open refused the
     * blank data file as corruption. The environment now stops (the log and the files disagree), and
     * the reopen replays the creation.
     */
    @Test
    void aDatabaseWhoseFileCannotBeWrittenStopsTheEnvironment() throws Exception {
        Path home = createBank();
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("s"), 3)
                .failWrite(1, p -> p.getFileName().toString().equals("fresh.cdb"), false);
        Environment env = Environment.open(home, CrashRig.config(fio, Durability.SYNC).checkpointerEnabled(false));
        EnvironmentFailureException e = assertThrows(EnvironmentFailureException.class, () -> env.openDatabase("fresh", true));
        assertTrue(e.getMessage().contains("fresh.cdb") && e.getMessage().contains("Input/output error"), e.getMessage());
        assertRefusesWork(env, "fresh.cdb");
        env.close();
        try (Environment again = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
            Database fresh = again.openDatabase("fresh", false);
            fresh.put(null, Bank.bytes("k"), Bank.bytes("v"));
            again.checkpoint(true);
        }
        try (Environment again = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
            assertEquals("v", new String(again.openDatabase("fresh", false).get(null, Bank.bytes("k"))));
        }
        assertTrue(new org.cairndb.tools.Verifier(home).verify(List.of()).ok());
    }

    /** The disk fills during a checkpoint: the checkpoint fails naming the problem; nothing committed is lost. */
    @Test
    void aCheckpointRunsOutOfSpace() throws Exception {
        Path home = createBank();
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("s"), 1);
        Environment env = Environment.open(home, CrashRig.config(fio, Durability.SYNC).checkpointerEnabled(false));
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        Set<String> acked = new HashSet<>();
        for (int i = 0; i < 400; i++) {
            Bank.Transfer t = new Bank.Transfer("c" + i, i % ACCOUNTS, (i * 7 + 1) % ACCOUNTS == i % ACCOUNTS ? (i + 1) % ACCOUNTS
                    : (i * 7 + 1) % ACCOUNTS, 3);
            Bank.transfer(env, acc, hist, t, new TransactionConfig());
            acked.add(t.id());
        }
        fio.spaceLimit(0); // the log segment is preallocated: commits still fit; data files cannot grow
        try (Transaction txn = env.beginTransaction()) {
            Bank.apply(acc, hist, txn, new Bank.Transfer("fits", 3, 4, 1));
            txn.commit();
            acked.add("fits");
        }
        CairnException e = assertThrows(CairnException.class, () -> env.checkpoint(true));
        assertTrue(e instanceof EnvironmentFailureException || e instanceof StorageException, CrashRig.describe(e));
        assertTrue(e.getMessage().contains(NO_SPACE), "the checkpoint's exception names the problem: " + e.getMessage());
        assertTrue(e.getMessage().contains(".cdb"), "and the file: " + e.getMessage());
        assertRefusesWork(env, NO_SPACE);
        env.close();
        assertAllThere(home, acked, "after a checkpoint ran out of space");
        assertNotNull(fio.spaceLeft() == 0 ? "" : null);
        assertEquals(0, fio.spaceLeft());
    }

    /**
     * A checkpoint whose data-file write failed leaves pages allocated and its tree marked as saved
     * in them. The background thread fails the environment only after its checkpoint returned, so a
     * checkpoint waiting meanwhile ran next and wrote a header naming the unwritten pages: every
     * later open refused the file as corrupt (found by FaultSweepTest). After a failed checkpoint no
     * other runs; the reopen recovers everything from the log.
     */
    @Test
    void noCheckpointRunsAfterOneFailed() throws Exception {
        FaultInjectingFileIO io = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 11);
        Path home = tmp.resolve("after-failed-checkpoint");
        org.cairndb.EnvironmentConfig config = new org.cairndb.EnvironmentConfig().fileIO(io).checkpointerEnabled(false);
        try (Environment env = Environment.open(home, config)) {
            org.cairndb.Database db = env.openDatabase("t", true);
            for (int i = 0; i < 300; i++) {
                db.put(null, org.cairndb.TestSupport.b("k" + i), new byte[200]);
            }
            io.failWrite(1, p -> p.getFileName().toString().equals("t.cdb"), false);
            org.cairndb.recovery.Checkpointer checkpointer = env.internals().checkpointer();
            assertThrows(java.io.IOException.class, () -> checkpointer.run(true, "first"));
            java.io.IOException again = assertThrows(java.io.IOException.class, () -> checkpointer.run(true, "second"),
                    "a checkpoint ran after one failed");
            assertTrue(again.getMessage().contains("an earlier checkpoint failed"), again.getMessage());
            env.internals().abandon();
        }
        io.clearFaults();
        try (Environment env = Environment.open(home, config)) {
            org.cairndb.Database db = env.openDatabase("t", false);
            for (int i = 0; i < 300; i++) {
                assertTrue(db.get(null, org.cairndb.TestSupport.b("k" + i)) != null, "k" + i);
            }
        }
    }
}
