package org.cairndb.txn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction whose timeout passes while its commit or prepare is already writing the log must
 * finish as the caller was told: the timeout reaper must not roll it back in memory under a commit
 * or PREPARE record on its way to the disk. Before the fix the reaper did, and the commit then
 * returned normally with nothing applied (the log, replayed after a restart, said otherwise), and a
 * prepare returned normally for a transaction already rolled back.
 *
 * <p>The log's forces are slowed down so that the commit or prepare is reliably inside its force
 * when the test runs the reaper ({@link TxnManager#abortTimedOut}) itself, past the deadline.
 */
class TimeoutRaceTest {

    private static final Predicate<Path> LOG_SEGMENT = p -> p.getFileName().toString().matches("log\\.\\d{10}");
    private static final Duration TIMEOUT = Duration.ofMillis(200);

    @TempDir
    Path tmp;

    private final ExecutorService pool = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopPool() {
        pool.shutdownNow();
    }

    private Environment open(FaultInjectingFileIO io) {
        return Environment.open(tmp.resolve("env"), new EnvironmentConfig().fileIO(io).checkpointerEnabled(false)
                .checkpointKBytes(0).checkpointMinutes(0));
    }

    private Environment reopen() {
        return Environment.open(tmp.resolve("env"), new EnvironmentConfig().allowCreate(false));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The file layer whose log forces the tests slow down. */
    private FaultInjectingFileIO disk() {
        return new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 1);
    }

    /**
     * A transaction that has written {@code value} under "k", with the test's timeout counted from
     * {@code began}. The timeout is set after the write: set before it, a write that a loaded machine
     * delayed past it failed instead of the commit or prepare under test.
     */
    private record Timed(Transaction txn, long began) {
        static Timed write(Environment env, Database db, String value) {
            Transaction t = env.beginTransaction();
            db.put(t, b("k"), b(value));
            t.setTimeout(TIMEOUT);
            return new Timed(t, System.nanoTime()); // no earlier than the timeout's start: waiting from it waits long enough
        }
    }

    /** Starts {@code finish} in another thread once the log is slow, and waits until it is in the force and the deadline has passed. */
    private Future<?> finishPastTheDeadline(Environment env, FaultInjectingFileIO io, Timed timed, Runnable finish)
            throws Exception {
        long began = timed.began();
        long written = env.internals().log().writtenLsn();
        io.forceLatency(TIMEOUT.multipliedBy(4), LOG_SEGMENT);
        Future<?> f = pool.submit(finish);
        TestSupport.awaitTrue(() -> env.internals().log().writtenLsn() > written
                && System.nanoTime() - began > TIMEOUT.toNanos() + 1_000_000, "the record written and the deadline passed");
        return f;
    }

    @Test
    void aCommitUnderWayWhenTheTimeoutPassesCommits() throws Exception {
        FaultInjectingFileIO io = disk();
        try (Environment env = open(io)) {
            Database db = env.openDatabase("t");
            Timed timed = Timed.write(env, db, "committed");
            Future<?> commit = finishPastTheDeadline(env, io, timed, timed.txn()::commit);
            assertEquals(0, env.internals().txns().abortTimedOut(), "the reaper leaves a committing transaction alone");
            commit.get(30, TimeUnit.SECONDS);
            io.forceLatency(Duration.ZERO, LOG_SEGMENT);
            assertArrayEquals(b("committed"), db.get(null, b("k")), "what the commit wrote is visible");
            assertEquals(1, env.stats().commits());
        }
        try (Environment env = reopen()) {
            assertArrayEquals(b("committed"), env.openDatabase("t", false).get(null, b("k")));
        }
    }

    @Test
    void aPrepareUnderWayWhenTheTimeoutPassesLeavesTheTransactionPrepared() throws Exception {
        FaultInjectingFileIO io = disk();
        byte[] gid = b("gid-1");
        try (Environment env = open(io)) {
            Database db = env.openDatabase("t");
            Timed timed = Timed.write(env, db, "prepared");
            Transaction t = timed.txn();
            Future<?> prepare = finishPastTheDeadline(env, io, timed, () -> t.prepare(gid));
            assertEquals(0, env.internals().txns().abortTimedOut(), "the reaper leaves a preparing transaction alone");
            prepare.get(30, TimeUnit.SECONDS);
            io.forceLatency(Duration.ZERO, LOG_SEGMENT);
            assertTrue(t.isPrepared(), "prepared, as prepare() said: " + t.state());
            assertEquals(1, env.preparedTransactions().size());
            try (Transaction other = env.beginTransaction()) {
                other.setLockTimeout(Duration.ofMillis(50));
                assertThrows(org.cairndb.LockTimeoutException.class, () -> db.put(other, b("k"), b("other")),
                        "the prepared transaction keeps its lock");
            }
        }
        try (Environment env = reopen()) {
            env.preparedTransaction(gid).commit();
            assertArrayEquals(b("prepared"), env.openDatabase("t", false).get(null, b("k")));
        }
    }

    @Test
    void aTransactionPastItsTimeoutIsStillRolledBackAndCannotCommit() throws Exception {
        FaultInjectingFileIO io = disk();
        try (Environment env = open(io)) {
            Database db = env.openDatabase("t");
            Timed timed = Timed.write(env, db, "late");
            Transaction t = timed.txn();
            TestSupport.awaitTrue(() -> System.nanoTime() - timed.began() > TIMEOUT.toNanos() + 1_000_000, "the deadline passed");
            env.internals().txns().abortTimedOut(); // the daemon may have done it already
            assertTrue(!t.isActive(), "rolled back: " + t.state());
            // The same retryable TransactionTimeoutException whether the reaper or the call came
            // first (after the reaper it was a TransactionStateException, outside a retry loop's catch).
            org.cairndb.TransactionTimeoutException e = assertThrows(org.cairndb.TransactionTimeoutException.class, t::commit);
            assertEquals("cannot commit transaction " + t.id() + ": it ran past its timeout and was rolled back", e.getMessage());
            e = assertThrows(org.cairndb.TransactionTimeoutException.class, () -> db.get(t, b("k")));
            assertTrue(e.getMessage().contains("ran past its timeout"), e.getMessage());
            assertThrows(org.cairndb.TransactionTimeoutException.class, () -> t.prepare(b("g")));
            t.abort(); // still a no-op
            assertEquals(null, db.get(null, b("k")));
        }
    }
}
