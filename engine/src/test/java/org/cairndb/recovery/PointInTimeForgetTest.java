package org.cairndb.recovery;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.cairndb.Environment;
import org.cairndb.HeuristicOutcome;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recovery to a point in time brings back the heuristic outcomes the environment remembered at
 * that time: one forgotten after the target is still there.
 */
class PointInTimeForgetTest {

    @TempDir
    Path dir;

    private static void letTheClockPass() throws InterruptedException {
        long now = System.currentTimeMillis();
        TestSupport.awaitTrue(() -> System.currentTimeMillis() > now + 2, "the clock to move on");
    }

    private static List<String> outcomes(Environment env) {
        return env.heuristicOutcomes().stream().map(HeuristicOutcome::globalId).map(g -> s(g)).sorted().toList();
    }

    /**
     * FORGET records carried no time, so a recovery to a time replayed one made after the target
     * whenever no timed record (a commit) lay between the target and it: the outcome, still
     * remembered at the target, was gone.
     */
    @Test
    void anOutcomeForgottenAfterTheTargetTimeIsStillThere() throws Exception {
        for (boolean commitAfter : new boolean[] {true, false}) {
            Path home = dir.resolve("env-" + commitAfter);
            Environment env = Environment.open(home, TestSupport.config());
            env.openDatabase("a").put(null, b("k0"), b("v"));
            env.checkpoint(true);
            Transaction t = env.beginTransaction();
            env.openDatabase("a").put(t, b("k1"), b("v"));
            t.prepare(b("g"));
            t.heuristicCommit();
            letTheClockPass();
            Instant target = Instant.now();
            letTheClockPass();
            env.forgetHeuristic(b("g"));
            if (commitAfter) {
                letTheClockPass();
                env.openDatabase("a").put(null, b("k2"), b("v"));
            }
            env.internals().abandon(); // no closing checkpoint: the log from the decision on is replayed
            try (Environment r = Environment.open(home, TestSupport.config().catastrophicRecovery(true)
                    .recoveryTarget(RecoveryTarget.time(target, true)))) {
                String what = (commitAfter ? "a commit after the forget: " : "nothing after the forget: ") + r.recoveryReport();
                assertEquals(List.of("g"), outcomes(r), what);
                assertEquals("v", s(r.openDatabase("a", false).get(null, b("k1"))), what);
                assertNull(r.openDatabase("a", false).get(null, b("k2")), what);
            }
        }
    }
}
