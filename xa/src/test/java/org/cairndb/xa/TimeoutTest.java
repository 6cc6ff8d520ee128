package org.cairndb.xa;

import static javax.transaction.xa.XAException.XAER_NOTA;
import static javax.transaction.xa.XAException.XA_RBTIMEOUT;
import static javax.transaction.xa.XAResource.TMJOIN;
import static javax.transaction.xa.XAResource.TMNOFLAGS;
import static javax.transaction.xa.XAResource.TMSUCCESS;
import static javax.transaction.xa.XAResource.TMSUSPEND;
import static javax.transaction.xa.XAResource.TMRESUME;
import static javax.transaction.xa.XAResource.XA_OK;
import static org.cairndb.xa.XaTestSupport.assertXa;
import static org.cairndb.xa.XaTestSupport.b;
import static org.cairndb.xa.XaTestSupport.s;
import static org.cairndb.xa.XaTestSupport.xid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import javax.transaction.xa.Xid;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.LockTimeoutException;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** setTransactionTimeout / getTransactionTimeout, and what happens to a branch past its timeout. */
class TimeoutTest {

    @TempDir
    Path dir;
    Environment env;
    Database db;

    @BeforeEach
    void open() {
        env = Environment.open(dir, XaTestSupport.config().txnTimeout(Duration.ofSeconds(30)));
        db = env.openDatabase("t");
    }

    @AfterEach
    void close() {
        env.close();
    }

    /** True once {@code key} can be locked by another transaction, i.e. the branch's lock is gone. */
    private boolean unlocked(String key) {
        Transaction t = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(1)));
        try {
            db.getForUpdate(t, b(key));
            return true;
        } catch (LockTimeoutException e) {
            return false;
        } finally {
            t.close();
        }
    }

    @Test
    void theTimeoutDefaultsToTheEnvironmentsAndZeroRestoresIt() throws Exception {
        CairnXAResource xa = new CairnXAResource(env);
        assertEquals(30, xa.getTransactionTimeout());
        assertTrue(xa.setTransactionTimeout(5));
        assertEquals(5, xa.getTransactionTimeout());
        assertTrue(xa.setTransactionTimeout(0));
        assertEquals(30, xa.getTransactionTimeout());
        assertEquals(30, new CairnXAResource(env).getTransactionTimeout(), "per resource");
    }

    /**
     * A {@code cairn.txn.timeout} that is not whole seconds: branches get exactly that long, the
     * value reported is rounded up (never 0, which would read as no timeout), and a branch the
     * engine rolled back at that deadline gets XA_RBTIMEOUT.
     */
    @Test
    void aDefaultTimeoutOfPartSecondsIsKeptExactly() throws Exception {
        try (Environment half = Environment.open(dir.resolve("half"),
                XaTestSupport.config().txnTimeout(Duration.ofMillis(500)))) {
            Database t = half.openDatabase("t");
            CairnXAResource xa = new CairnXAResource(half);
            assertEquals(1, xa.getTransactionTimeout(), "0.5 s is reported as 1 s, not as 0 (no timeout)");
            Xid x = xid();
            xa.start(x, TMNOFLAGS);
            xa.run(txn -> t.put(txn, b("k"), b("v")));
            xa.end(x, TMSUCCESS);
            XaTestSupport.await("the engine to roll the branch back at its 0.5 s timeout", Duration.ofSeconds(15), () -> {
                Transaction probe = half.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(1)));
                try {
                    t.getForUpdate(probe, b("k"));
                    return true;
                } catch (LockTimeoutException e) {
                    return false;
                } finally {
                    probe.close();
                }
            });
            assertXa(XA_RBTIMEOUT, () -> xa.prepare(x));
        }
        try (Environment almostThree = Environment.open(dir.resolve("almost-three"),
                XaTestSupport.config().txnTimeout(Duration.ofMillis(2900)))) {
            Database t = almostThree.openDatabase("t");
            CairnXAResource xa = new CairnXAResource(almostThree);
            assertEquals(3, xa.getTransactionTimeout());
            Xid x = xid();
            long started = System.nanoTime();
            xa.start(x, TMNOFLAGS);
            xa.run(txn -> t.put(txn, b("k"), b("v")));
            xa.end(x, TMSUCCESS);
            XaTestSupport.await("2.1 s to pass", Duration.ofSeconds(5), () -> System.nanoTime() - started > 2_100_000_000L);
            assertEquals(XA_OK, xa.prepare(x), "2.1 s into a 2.9 s timeout the branch is alive (not cut to 2 s)");
            xa.commit(x, false);
            assertEquals("v", s(t.get(null, b("k"))));
        }
    }

    @Test
    void anIdleBranchPastItsTimeoutIsRolledBackAndLaterCallsGetRbtimeout() throws Exception {
        CairnXAResource xa = new CairnXAResource(env);
        xa.setTransactionTimeout(1);
        Xid x = xid();
        xa.start(x, TMNOFLAGS);
        xa.run(t -> db.put(t, b("k"), b("v")));
        xa.end(x, TMSUCCESS);
        assertTrue(!unlocked("k"), "the branch holds its lock while it lives");
        // The engine rolls it back in the background once the timeout passes, freeing the lock.
        XaTestSupport.await("the timed-out branch's lock to be released", Duration.ofSeconds(15), () -> unlocked("k"));
        CairnXAResource other = new CairnXAResource(env);
        assertXa(XA_RBTIMEOUT, () -> other.start(x, TMJOIN));
        assertXa(XA_RBTIMEOUT, () -> xa.prepare(x));
        assertXa(XAER_NOTA, () -> xa.rollback(x));
        assertEquals(null, db.get(null, b("k")));
    }

    @Test
    void aBranchAssociatedPastItsTimeoutGetsRbtimeoutAtEndAndRollback() throws Exception {
        CairnXAResource xa = new CairnXAResource(env);
        xa.setTransactionTimeout(1);
        Xid x = xid();
        xa.start(x, TMNOFLAGS);
        xa.run(t -> db.put(t, b("k"), b("v")));
        XaTestSupport.await("the timed-out branch's lock to be released", Duration.ofSeconds(15), () -> unlocked("k"));
        assertThrows(CairnException.class, () -> xa.run(t -> db.put(t, b("k2"), b("v"))));
        assertXa(XA_RBTIMEOUT, () -> xa.end(x, TMSUCCESS));
        xa.rollback(x); // end told the transaction manager already
        assertXa(XAER_NOTA, () -> xa.rollback(x));

        Xid y = xid();
        xa.start(y, TMNOFLAGS);
        xa.run(t -> db.put(t, b("y"), b("v")));
        xa.end(y, TMSUSPEND);
        XaTestSupport.await("the suspended branch's lock to be released", Duration.ofSeconds(15), () -> unlocked("y"));
        assertXa(XA_RBTIMEOUT, () -> xa.start(y, TMRESUME));
        assertXa(XA_RBTIMEOUT, () -> xa.commit(y, true));
    }

    @Test
    void theTimeoutCountsUntilPrepareOnly() throws Exception {
        CairnXAResource xa = new CairnXAResource(env);
        xa.setTransactionTimeout(1);
        Xid prepared = xid();
        Xid idle = xid();
        xa.start(prepared, TMNOFLAGS);
        xa.run(t -> db.put(t, b("p"), b("v")));
        xa.end(prepared, TMSUCCESS);
        xa.start(idle, TMNOFLAGS);
        xa.run(t -> db.put(t, b("i"), b("v")));
        xa.end(idle, TMSUCCESS);
        assertEquals(XA_OK, xa.prepare(prepared));
        // The other branch, started later, times out: by then the prepared one is past its timeout too.
        XaTestSupport.await("the idle branch to time out", Duration.ofSeconds(15), () -> unlocked("i"));
        assertTrue(!unlocked("p"), "a prepared branch keeps its locks: it waits for its transaction manager");
        xa.commit(prepared, false);
        assertEquals("v", s(db.get(null, b("p"))));
        assertXa(XA_RBTIMEOUT, () -> xa.rollback(idle));
    }

    @Test
    void aTimeoutAppliesToBranchesStartedAfterItIsSet() throws Exception {
        CairnXAResource xa = new CairnXAResource(env);
        Xid before = xid();
        xa.start(before, TMNOFLAGS);
        xa.run(t -> db.put(t, b("b"), b("v")));
        xa.end(before, TMSUCCESS);
        xa.setTransactionTimeout(1);
        Xid after = xid();
        xa.start(after, TMNOFLAGS);
        xa.run(t -> db.put(t, b("a"), b("v")));
        xa.end(after, TMSUCCESS);
        XaTestSupport.await("the later branch to time out", Duration.ofSeconds(15), () -> unlocked("a"));
        assertEquals(XA_OK, xa.prepare(before));
        xa.commit(before, false);
        assertXa(XA_RBTIMEOUT, () -> xa.prepare(after));
    }
}
