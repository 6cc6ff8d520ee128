package org.cairndb.recovery;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recovery to a time is refused when the data files were checkpointed after something made after
 * that time that is no commit (a database removed or created, a prepared transaction rolled back, an
 * outcome forgotten): they hold it, and nothing can take it out again.
 */
class TimeTargetBeforeTheDataFilesTest {

    @TempDir
    Path dir;

    private static void letTheClockPass() throws InterruptedException {
        long now = System.currentTimeMillis();
        TestSupport.awaitTrue(() -> System.currentTimeMillis() > now + 2, "the clock to move on");
    }

    /** Runs {@code after} after a time target, checkpoints, and recovers the home to the target. */
    private String recoverBefore(String name, Consumer<Environment> before, Consumer<Environment> after) throws Exception {
        Path home = dir.resolve(name);
        Environment env = Environment.open(home, TestSupport.config());
        env.openDatabase("a").put(null, b("k"), b("v"));
        before.accept(env);
        letTheClockPass();
        Instant target = Instant.now();
        letTheClockPass();
        after.accept(env);
        env.checkpoint(true);
        env.internals().abandon();
        CairnException e = assertThrows(CairnException.class, () -> Environment.open(home, TestSupport.config()
                .catastrophicRecovery(true).recoveryTarget(RecoveryTarget.time(target, true))).close());
        return e.getMessage();
    }

    /**
     * These recovered from the data files' start "to the end of the log, which ends before the
     * target": the database removed after the target stayed removed, the one created after it was
     * there, the transaction in doubt at the target was gone.
     */
    @Test
    void dataFilesCheckpointedAfterARecordMadeAfterTheTargetAreRefused() throws Exception {
        List<String> messages = List.of(
                recoverBefore("remove", env -> env.openDatabase("x").put(null, b("k"), b("v")), env -> env.removeDatabase("x")),
                recoverBefore("create", env -> { }, env -> env.openDatabase("y")),
                recoverBefore("rollback", env -> {
                    Transaction t = env.beginTransaction();
                    env.openDatabase("a").put(t, b("p"), b("v"));
                    t.prepare(b("g"));
                }, env -> env.preparedTransaction(b("g")).abort()));
        for (String m : messages) {
            assertTrue(m.contains("cannot recover to time") && m.contains("after the target")
                    && m.contains("restore the data files from a backup taken before the target"), m);
        }
    }

    /**
     * The same with the segment holding that record removed as an admin removes what
     * {@code cairn archive} lists (the normal state of data files some days old): the log before
     * the files' start cannot tell, so their headers do. Before they did, each of these recovered
     * "to the end of the log": the database removed after the target stayed removed, the one
     * created after it was there, the transaction in doubt at the target or the outcome remembered
     * at it were gone.
     */
    @Test
    void theSameIsRefusedWhenTheSegmentHoldingThatRecordIsGone() throws Exception {
        List<String> messages = List.of(
                recoverBeforeWithoutItsSegment("remove", env -> env.openDatabase("x").put(null, b("k"), b("v")),
                        env -> env.removeDatabase("x")),
                recoverBeforeWithoutItsSegment("create", env -> { }, env -> env.openDatabase("y")),
                recoverBeforeWithoutItsSegment("rollback", env -> {
                    Transaction t = env.beginTransaction();
                    env.openDatabase("a").put(t, b("p"), b("v"));
                    t.prepare(b("g"));
                }, env -> env.preparedTransaction(b("g")).abort()),
                recoverBeforeWithoutItsSegment("forget", env -> {
                    Transaction t = env.beginTransaction();
                    env.openDatabase("a").put(t, b("p"), b("v"));
                    t.prepare(b("h"));
                    env.preparedTransaction(b("h")).heuristicRollback();
                }, env -> assertTrue(env.forgetHeuristic(b("h")))));
        for (String m : messages) {
            assertTrue(m.contains("cannot recover to time") && m.contains("was checkpointed after a change made at")
                    && m.contains("after the target")
                    && m.contains("restore the data files from a backup taken before the target"), m);
        }
    }

    private static final long SEGMENT = 1L << 20;

    private static org.cairndb.EnvironmentConfig smallSegments() {
        return TestSupport.config().logSegmentSize(SEGMENT);
    }

    /** As {@link #recoverBefore}, with the log written on past {@code after} and the segments before the files' start removed. */
    private String recoverBeforeWithoutItsSegment(String name, Consumer<Environment> before, Consumer<Environment> after)
            throws Exception {
        Path home = dir.resolve(name);
        Instant target = changeAfterATarget(home, before, after, false);
        CairnException e = assertThrows(CairnException.class, () -> Environment.open(home, smallSegments()
                .catastrophicRecovery(true).recoveryTarget(RecoveryTarget.time(target, true))).close());
        return e.getMessage();
    }

    /**
     * Runs {@code before}, takes a time, runs {@code after} at the end of a segment, moves the log
     * on to the next segment with checkpoints (which change nothing a target lacks, where a commit
     * would be refused for itself), removes the segments before the files' start as an admin does,
     * and leaves the home as a crash would. With {@code crashAfterChange} the environment is first
     * abandoned right after {@code after} and reopened, so that it is recovery's replay, not the
     * running environment, that hands the change on to the next checkpoint. Returns the time.
     */
    private Instant changeAfterATarget(Path home, Consumer<Environment> before, Consumer<Environment> after,
            boolean crashAfterChange) throws Exception {
        Environment env = Environment.open(home, smallSegments());
        env.openDatabase("a").put(null, b("k"), b("v"));
        before.accept(env);
        // Up to the end of a segment, so that a few records after the change move the log on to the next.
        Database filler = env.openDatabase("filler");
        for (int i = 0; SEGMENT - org.cairndb.log.Lsn.offset(env.internals().log().endLsn()) > 2048; i++) {
            filler.put(null, b("f" + i), new byte[512]);
        }
        letTheClockPass();
        Instant target = Instant.now();
        letTheClockPass();
        after.accept(env);
        long segment = org.cairndb.log.Lsn.segment(env.internals().log().endLsn());
        if (crashAfterChange) {
            env.internals().abandon();
            env = Environment.open(home, smallSegments());
        }
        while (org.cairndb.log.Lsn.segment(env.internals().log().endLsn()) == segment) {
            env.checkpoint(true);
        }
        env.checkpoint(true);
        List<Path> removed = env.internals().logArchive().removeArchivable();
        assertTrue(removed.contains(home.resolve("log").resolve(org.cairndb.log.SegmentFiles.name(segment))),
                "the segment holding the change is removed: " + removed);
        env.internals().abandon();
        return target;
    }

    /** The change replayed by a recovery (no checkpoint of the running environment after it) is refused the same way. */
    @Test
    void aChangeReplayedByRecoveryIsRememberedByTheCheckpointsAfterIt() throws Exception {
        Path home = dir.resolve("replayed");
        Instant target = changeAfterATarget(home, env -> env.openDatabase("x").put(null, b("k"), b("v")),
                env -> env.removeDatabase("x"), true);
        CairnException e = assertThrows(CairnException.class, () -> Environment.open(home, smallSegments()
                .catastrophicRecovery(true).recoveryTarget(RecoveryTarget.time(target, true))).close());
        assertTrue(e.getMessage().contains("was checkpointed after a change made at"), e.getMessage());
    }

    /** A target after the change, its segment gone as well: recovered, the change kept. */
    @Test
    void aTargetAfterTheChangeRecoversWithTheChange() throws Exception {
        Path home = dir.resolve("later");
        Instant[] after = new Instant[1];
        changeAfterATarget(home, env -> env.openDatabase("x").put(null, b("k"), b("v")), env -> {
            env.removeDatabase("x");
            try {
                letTheClockPass();
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
            after[0] = Instant.now();
        }, false);
        try (Environment r = Environment.open(home, smallSegments().catastrophicRecovery(true)
                .recoveryTarget(RecoveryTarget.time(after[0], true)))) {
            assertEquals(List.of("a", "filler"), r.databaseNames().stream().sorted().toList());
        }
    }

    /** Nothing made after the target before the data files' start: the recovery goes on as before. */
    @Test
    void dataFilesCheckpointedAfterTheTargetWithNothingBetweenRecover() throws Exception {
        Path home = dir.resolve("quiet");
        Environment env = Environment.open(home, TestSupport.config());
        env.openDatabase("a").put(null, b("k"), b("v"));
        letTheClockPass();
        Instant target = Instant.now();
        letTheClockPass();
        env.checkpoint(true);
        env.internals().abandon();
        try (Environment r = Environment.open(home, TestSupport.config().catastrophicRecovery(true)
                .recoveryTarget(RecoveryTarget.time(target, true)))) {
            assertEquals(List.of("a"), r.databaseNames());
        }
    }
}
