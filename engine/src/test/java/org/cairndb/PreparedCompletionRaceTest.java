package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A commit and a rollback racing for one prepared transaction (found by the XA tests): exactly one
 * wins, the other is told a completion is under way, and the data and the log agree after a crash.
 */
class PreparedCompletionRaceTest {

    @TempDir
    Path dir;

    @Test
    void exactlyOneCompletionWins() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int committed = 0;
        Environment env = TestSupport.open(dir);
        try {
            Database db = env.openDatabase("t");
            for (int round = 0; round < 100; round++) {
                Transaction t = env.beginTransaction();
                for (int k = 0; k < 20; k++) {
                    db.put(t, b("k" + round + "-" + k), new byte[10]);
                }
                byte[] gid = b("gid-" + round);
                t.prepare(gid);
                Transaction h1 = env.preparedTransaction(gid);
                Transaction h2 = env.preparedTransaction(gid);
                CyclicBarrier go = new CyclicBarrier(2);
                Future<Boolean> commit = pool.submit(() -> race(go, h1::commit));
                Future<Boolean> abort = pool.submit(() -> race(go, h2::abort));
                boolean c = commit.get(30, TimeUnit.SECONDS);
                boolean a = abort.get(30, TimeUnit.SECONDS);
                assertTrue(c ^ a, "round " + round + ": commit " + c + ", rollback " + a);
                assertEquals(c, db.get(null, b("k" + round + "-0")) != null);
                committed += c ? 1 : 0;
            }
            assertTrue(env.preparedTransactions().isEmpty());
        } finally {
            pool.shutdown();
            env.internals().abandon();
        }
        try (Environment again = TestSupport.open(dir)) {
            Database db = again.openDatabase("t", false);
            assertEquals(committed * 20L, db.count(), "the log replays exactly the winners");
            assertTrue(again.preparedTransactions().isEmpty());
        }
    }

    private static boolean race(CyclicBarrier go, Runnable completion) throws Exception {
        go.await();
        try {
            completion.run();
            return true;
        } catch (TransactionStateException e) {
            assertTrue(e.getMessage().contains("already under way") || e.getMessage().contains("committed")
                    || e.getMessage().contains("aborted"), e.getMessage());
            return false;
        }
    }
}
