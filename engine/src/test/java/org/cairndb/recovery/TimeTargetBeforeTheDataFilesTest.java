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
