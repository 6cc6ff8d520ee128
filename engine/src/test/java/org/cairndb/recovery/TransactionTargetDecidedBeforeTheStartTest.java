package org.cairndb.recovery;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recovery to a transaction (inclusive) stops at its commit also when the replay meets that
 * commit without its PREPARE: while a heuristic outcome is remembered, a checkpoint's recovery
 * start stays at the CHECKPOINT record that names it, which can lie between a transaction's
 * PREPARE and its COMMIT; the data files then hold its writes, and the replay passes over the
 * commit.
 */
class TransactionTargetDecidedBeforeTheStartTest {

    @TempDir
    Path dir;

    /**
     * The replay took that commit as applied already and went on without looking at the target:
     * the recovery kept every commit after the target, to the end of the log.
     */
    @Test
    void aTransactionTargetWhosePrepareLiesBeforeTheStartIsWhereTheRecoveryStops() throws Exception {
        Path home = dir.resolve("env");
        long target;
        Environment env = Environment.open(home, TestSupport.config());
        Database db = env.openDatabase("a");
        db.put(null, b("k0"), b("v"));
        // A heuristic outcome remembered: from now on checkpoints start at the last CHECKPOINT record.
        Transaction h = env.beginTransaction();
        db.put(h, b("h"), b("v"));
        h.prepare(b("h"));
        h.heuristicCommit();
        Transaction p = env.beginTransaction();
        db.put(p, b("p"), b("v"));
        p.prepare(b("p"));
        env.checkpoint(true); // its record lies between p's PREPARE and its COMMIT
        p.commit();
        target = p.id();
        env.checkpoint(true); // starts at the record before: the data files hold p, the replay meets its COMMIT
        db.put(null, b("after"), b("v"));
        env.internals().abandon(); // no closing checkpoint: the data files end at p
        try (Environment r = Environment.open(home, TestSupport.config().catastrophicRecovery(true)
                .recoveryTarget(RecoveryTarget.transaction(target, true)))) {
            Database a = r.openDatabase("a", false);
            assertEquals("v", s(a.get(null, b("p"))), r.recoveryReport().toString());
            assertNull(a.get(null, b("after")), "a commit after the target: " + r.recoveryReport());
        }
    }
}
