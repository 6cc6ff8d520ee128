package org.cairndb.txn;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.IsolationLevel;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.TransactionException;
import org.cairndb.TransactionStateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commit of a transaction raced by an abort() from another thread and by its own timeout (the
 * background reaper and the commit's own check), at every isolation level, many times. Whatever
 * wins, the outcome is one: the writes are there exactly when commit() returned normally; an abort
 * that lost is refused with a TransactionStateException (the commit is under way or done) and an
 * abort that won makes the commit fail; a commit that lost to the timeout says so. No lock or
 * active transaction is left behind, and a later writer of the keys is never kept waiting.
 */
class CommitAbortTimeoutRaceTest {

    private static final int ROUNDS = 400;

    @TempDir
    Path dir;

    @Test
    void exactlyOneOutcomeWhicheverWins() throws Exception {
        long seed = Long.getLong("cairn.model.seed", System.nanoTime());
        System.out.println("[commit-abort-race] seed " + seed + " (repeat with -Dcairn.model.seed=" + seed + ")");
        Random rnd = new Random(seed);
        int[] outcomes = new int[3]; // committed, aborted, timed out
        try (Environment env = Environment.open(dir, TestSupport.config().durability(Durability.NO_SYNC)
                .lockTimeout(Duration.ofSeconds(5)))) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < ROUNDS; i++) {
                TransactionConfig tc = new TransactionConfig().isolation(IsolationLevel.values()[rnd.nextInt(3)]);
                if (rnd.nextBoolean()) {
                    tc.timeout(Duration.ofNanos(200_000 + rnd.nextInt(1_500_000)));
                }
                Transaction t = env.beginTransaction(tc);
                byte[] key = b("k" + i);
                try {
                    db.put(t, key, key);
                    db.put(t, b("shared"), key); // every round's transaction locks this one too
                } catch (TransactionException e) {
                    // timed out already
                    assertFalse(t.isActive());
                    outcomes[2]++;
                    continue;
                }
                int abortSpin = rnd.nextInt(20_000);
                // The aborting thread starts later (a new thread): the commit waits longer, at random.
                int commitSpin = rnd.nextInt(400_000);
                CountDownLatch go = new CountDownLatch(1);
                CompletableFuture<String> aborter = CompletableFuture.supplyAsync(() -> {
                    awaitUninterruptibly(go);
                    spin(abortSpin);
                    try {
                        t.abort();
                        return "aborted";
                    } catch (TransactionStateException e) {
                        return "refused: " + e.getMessage();
                    }
                }, TestSupport.OWN_THREAD);
                go.countDown();
                spin(commitSpin);
                String commit;
                try {
                    t.commit();
                    commit = "committed";
                } catch (TransactionException e) {
                    commit = e instanceof org.cairndb.TransactionTimeoutException ? "timed out" : "failed: " + e;
                } catch (TransactionStateException e) {
                    commit = "refused: " + e.getMessage();
                }
                String abort = aborter.get(10, TimeUnit.SECONDS);
                String round = "round " + i + ": commit " + commit + ", abort " + abort;
                boolean present = db.get(null, key) != null;
                assertEquals(commit.equals("committed"), present, round);
                assertFalse(t.isActive(), round);
                if (commit.equals("committed")) {
                    assertTrue(abort.startsWith("refused: "), round);
                    outcomes[0]++;
                } else if (commit.equals("timed out")) {
                    outcomes[2]++;
                } else {
                    assertEquals("aborted", abort, round); // the abort won: the commit was refused or failed
                    outcomes[1]++;
                }
                assertEquals(0, env.stats().locksHeld(), round + ": locks left held");
            }
            System.out.println("[commit-abort-race] committed " + outcomes[0] + ", aborted " + outcomes[1]
                    + ", timed out " + outcomes[2]);
            assertEquals(0, env.stats().activeTransactions());
            try (Transaction later = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ZERO))) {
                db.put(later, b("shared"), b("later"));
                later.commit();
            }
        }
        assertTrue(outcomes[0] > 0 && outcomes[1] > 0, "both the commit and the abort won some rounds");
    }

    private static void spin(int n) {
        long x = 0;
        for (int i = 0; i < n; i++) {
            x += i;
        }
        if (x == 42) {
            Thread.onSpinWait();
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
