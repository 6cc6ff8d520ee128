package org.cairndb.recovery;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.RecoveryReport;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery to a time must not keep a commit made after the target: when the data files' checkpoint
 * already holds one, nothing can take it out, and the recovery is refused.
 */
class RecoveryToATimeTest {

    @TempDir
    Path dir;

    /** Commits "a" and returns a time at or after its commit and before any later commit. */
    private static long commitAAndLetTheClockPass(Environment env, Database db) throws InterruptedException {
        db.put(null, b("a"), b("1"));
        long afterA = System.currentTimeMillis();
        TestSupport.awaitTrue(() -> System.currentTimeMillis() > afterA + 1, "the clock to pass the first commit");
        return afterA;
    }

    /** Database "t" of {@code env}, with a transaction that wrote to it prepared and left in doubt. */
    private static Database databaseWithATransactionInDoubt(Environment env) {
        Database db = env.openDatabase("t");
        Transaction inDoubt = env.beginTransaction();
        db.put(inDoubt, b("p"), b("0"));
        inDoubt.prepare(b("gid-in-doubt"));
        return db;
    }

    private void assertRecoveryToRefused(long target, String why) {
        RecoveryTarget t = RecoveryTarget.time(Instant.ofEpochMilli(target), true);
        CairnException refused = assertThrows(CairnException.class, () -> {
            try (Environment pitr = Environment.open(dir, TestSupport.config().catastrophicRecovery(true).recoveryTarget(t))) {
                // Not refused: the commit after the target must at least be gone.
                throw new AssertionError(why + ": recovery to " + t + " kept "
                        + (pitr.openDatabase("t", false).get(null, b("b")) != null ? "" : "no ")
                        + "commit made after it, and was not refused");
            }
        }, why);
        assertTrue(refused.getMessage().contains("after the target"), refused.getMessage());
    }

    /**
     * A NOT_DURABLE commit logs nothing, but a checkpoint writes it into the data files like any
     * other: their header must not name an earlier commit as the last they hold (a recovery to a
     * time between the two kept it; before the header named its last commit, the checkpoint's time
     * refused such a target).
     */
    @Test
    void aNotDurableCommitInTheDataFilesIsAfterATargetBeforeIt() throws Exception {
        long target;
        try (Environment env = TestSupport.open(dir)) {
            Database db = env.openDatabase("t");
            target = commitAAndLetTheClockPass(env, db);
            Transaction t = env.beginTransaction();
            db.put(t, b("b"), b("2"));
            t.commit(Durability.NOT_DURABLE);
        } // the closing checkpoint writes both commits into the data file
        assertRecoveryToRefused(target, "the data file holds a NOT_DURABLE commit made after the target");
    }

    /**
     * A checkpoint taken while a transaction is in doubt starts recovery at its PREPARE, and its
     * version also holds the commits after it. A recovery to a time between two of those commits
     * replays the first (so a commit at or before the target follows the recovery start), and
     * must still see that the data files hold the second.
     */
    @Test
    void aCheckpointStartingAtAnInDoubtPrepareHoldsCommitsAfterATargetBetweenThem() throws Exception {
        long target;
        Environment env = TestSupport.open(dir);
        Database db = databaseWithATransactionInDoubt(env);
        target = commitAAndLetTheClockPass(env, db);
        db.put(null, b("b"), b("2"));
        env.checkpoint(true); // starts at the PREPARE, before both commits, and holds both
        env.internals().abandon();
        assertRecoveryToRefused(target, "the data file holds a commit made after the target");
    }

    /**
     * The same checkpoint, whose version ends with a NOT_DURABLE commit after the logged ones: a
     * normal recovery replays the logged commits again, but the last commit the environment holds
     * is still the NOT_DURABLE one the data files name, not the last one replayed (which the
     * checkpoint after recovery would otherwise record, and a later recovery to a time between
     * the two would then keep the NOT_DURABLE commit made after its target).
     */
    @Test
    void aRecoveryThatReplaysOlderCommitsKeepsTheNewerLastCommitOfTheDataFiles() throws Exception {
        Environment env = TestSupport.open(dir);
        Database db = databaseWithATransactionInDoubt(env);
        long target = commitAAndLetTheClockPass(env, db);
        Transaction notDurable = env.beginTransaction();
        db.put(notDurable, b("b"), b("2"));
        notDurable.commit(Durability.NOT_DURABLE);
        env.checkpoint(true); // starts at the PREPARE, before "a"; holds "a" and "b"
        env.internals().abandon();
        RecoveryReport r;
        try (Environment again = TestSupport.open(dir)) {
            r = again.recoveryReport();
            again.checkpoint(true);
        }
        assertEquals(notDurable.id(), r.lastCommitTxnId(), r.toString());
        assertRecoveryToRefused(target, "the data file holds a NOT_DURABLE commit made after the target");
    }

    /**
     * The same in-doubt checkpoint seen by recoveries to a transaction and to an LSN: the
     * checkpoint's start (the PREPARE) lies before both targets, but the data files hold a commit
     * after them, which the position of their last commit gives away. A target at or after that
     * commit is accepted and keeps it.
     */
    @Test
    void recoveriesToATransactionOrAnLsnSeeACommitAfterThemInTheDataFiles() throws Exception {
        Environment env = TestSupport.open(dir);
        Database db = databaseWithATransactionInDoubt(env);
        Transaction a = env.beginTransaction();
        db.put(a, b("a"), b("1"));
        a.commit();
        long afterA = env.internals().log().endLsn();
        Transaction bTxn = env.beginTransaction();
        db.put(bTxn, b("b"), b("2"));
        bTxn.commit();
        env.checkpoint(true); // starts at the PREPARE, before both commits, and holds both
        env.internals().abandon();
        for (RecoveryTarget t : new RecoveryTarget[] {RecoveryTarget.transaction(a.id(), true),
                RecoveryTarget.transaction(bTxn.id(), false), RecoveryTarget.lsn(afterA, false)}) {
            CairnException refused = assertThrows(CairnException.class, () -> Environment.open(dir,
                    TestSupport.config().catastrophicRecovery(true).recoveryTarget(t)).close(), t.toString());
            assertTrue(refused.getMessage().contains("holds transaction " + bTxn.id() + ", which lies in the log after the"
                    + " target"), refused.getMessage());
        }
        try (Environment pitr = Environment.open(dir, TestSupport.config().catastrophicRecovery(true)
                .recoveryTarget(RecoveryTarget.transaction(bTxn.id(), true)))) {
            Database t = pitr.openDatabase("t", false);
            assertEquals("1", org.cairndb.TestSupport.s(t.get(null, b("a"))));
            assertEquals("2", org.cairndb.TestSupport.s(t.get(null, b("b"))));
        }
    }
}
