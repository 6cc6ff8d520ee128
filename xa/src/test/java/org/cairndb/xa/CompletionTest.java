package org.cairndb.xa;

import static javax.transaction.xa.XAException.XAER_NOTA;
import static javax.transaction.xa.XAException.XAER_PROTO;
import static javax.transaction.xa.XAException.XAER_RMERR;
import static javax.transaction.xa.XAException.XAER_RMFAIL;
import static javax.transaction.xa.XAException.XA_RBDEADLOCK;
import static javax.transaction.xa.XAException.XA_RBINTEGRITY;
import static javax.transaction.xa.XAException.XA_RBOTHER;
import static javax.transaction.xa.XAException.XA_RBTIMEOUT;
import static javax.transaction.xa.XAResource.TMFAIL;
import static javax.transaction.xa.XAResource.TMJOIN;
import static javax.transaction.xa.XAResource.TMNOFLAGS;
import static javax.transaction.xa.XAResource.TMRESUME;
import static javax.transaction.xa.XAResource.TMSTARTRSCAN;
import static javax.transaction.xa.XAResource.TMSUCCESS;
import static javax.transaction.xa.XAResource.TMSUSPEND;
import static javax.transaction.xa.XAResource.XA_OK;
import static javax.transaction.xa.XAResource.XA_RDONLY;
import static org.cairndb.xa.XaTestSupport.assertXa;
import static org.cairndb.xa.XaTestSupport.b;
import static org.cairndb.xa.XaTestSupport.s;
import static org.cairndb.xa.XaTestSupport.xid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;
import org.cairndb.Database;
import org.cairndb.DeadlockException;
import org.cairndb.Environment;
import org.cairndb.EnvironmentFailureException;
import org.cairndb.LockTimeoutException;
import org.cairndb.PreparedTransaction;
import org.cairndb.Transaction;
import org.cairndb.TransactionException;
import org.cairndb.WriteConflictException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** prepare, commit and rollback: outcomes and every error code. */
class CompletionTest {

    @TempDir
    Path dir;
    Environment env;
    Database db;
    CairnXAResource xa;

    @BeforeEach
    void open() {
        env = XaTestSupport.open(dir.resolve("env"));
        db = env.openDatabase("t");
        xa = new CairnXAResource(env);
    }

    @AfterEach
    void close() {
        try {
            env.close();
        } catch (RuntimeException e) {
            // a test failed the environment on purpose
        }
    }

    private Xid branchWriting(CairnXAResource r, String key, String value) throws XAException {
        Xid x = xid();
        r.start(x, TMNOFLAGS);
        r.run(t -> db.put(t, b(key), b(value)));
        r.end(x, TMSUCCESS);
        return x;
    }

    @Test
    void prepareWritesTheXidBitForBitIntoADurablePrepareRecord() throws Exception {
        Xid x = branchWriting(xa, "k", "v");
        assertEquals(XA_OK, xa.prepare(x));
        PreparedTransaction p = env.preparedTransactions().get(0);
        assertArrayEquals(XidCodec.encode(x), p.globalId());
        assertEquals(x, XidCodec.decode(p.globalId()));
        assertNull(db.get(null, b("k")));
        xa.commit(x, false);
        assertEquals("v", s(db.get(null, b("k"))));
        assertTrue(env.preparedTransactions().isEmpty());
        assertXa(XAER_NOTA, () -> xa.commit(x, false));
    }

    @Test
    void aPreparedBranchCanBeRolledBack() throws Exception {
        db.put(null, b("k"), b("old"));
        Xid x = branchWriting(xa, "k", "new");
        assertEquals(XA_OK, xa.prepare(x));
        new CairnXAResource(env).rollback(x);
        assertEquals("old", s(db.get(null, b("k"))));
        assertXa(XAER_NOTA, () -> xa.rollback(x));
        db.put(null, b("k"), b("free")); // locks released
    }

    @Test
    void aBranchThatWroteNothingIsReadOnlyAndFinishedAtPrepare() throws Exception {
        db.put(null, b("k"), b("v"));
        Xid x = xid();
        xa.start(x, TMNOFLAGS);
        assertEquals("v", s(xa.call(t -> db.getForUpdate(t, b("k")))));
        xa.end(x, TMSUCCESS);
        assertEquals(XA_RDONLY, xa.prepare(x));
        assertTrue(env.preparedTransactions().isEmpty(), "no PREPARE record for a read-only branch");
        Transaction other = env.beginTransaction(new org.cairndb.TransactionConfig().lockTimeout(Duration.ofMillis(50)));
        db.put(other, b("k"), b("w")); // its lock was released
        other.commit();
        assertXa(XAER_NOTA, () -> xa.commit(x, false));
        assertXa(XAER_NOTA, () -> xa.rollback(x));
        Xid empty = xid();
        xa.start(empty, TMNOFLAGS);
        xa.end(empty, TMSUCCESS);
        assertEquals(XA_RDONLY, xa.prepare(empty));
    }

    @Test
    void callsOutOfSequenceAreXaerProto() throws Exception {
        Xid x = xid();
        xa.start(x, TMNOFLAGS);
        xa.run(t -> db.put(t, b("k"), b("v")));
        assertXa(XAER_PROTO, () -> xa.prepare(x)); // still associated
        assertXa(XAER_PROTO, () -> xa.commit(x, true));
        assertXa(XAER_PROTO, () -> xa.rollback(x));
        xa.end(x, TMSUSPEND);
        assertXa(XAER_PROTO, () -> xa.prepare(x)); // suspended is still associated
        xa.end(x, TMSUCCESS);
        assertXa(XAER_PROTO, () -> xa.commit(x, false)); // two phases without prepare
        assertXa(XAER_PROTO, () -> xa.forget(x)); // not heuristically completed
        assertEquals(XA_OK, xa.prepare(x));
        assertXa(XAER_PROTO, () -> xa.prepare(x)); // prepared twice
        assertXa(XAER_PROTO, () -> xa.commit(x, true)); // one phase after prepare
        assertXa(XAER_PROTO, () -> xa.start(x, TMJOIN));
        assertXa(XAER_PROTO, () -> xa.forget(x));
        xa.commit(x, false);
    }

    @Test
    void unknownXidsAreXaerNota() {
        Xid x = xid();
        assertXa(XAER_NOTA, () -> xa.prepare(x));
        assertXa(XAER_NOTA, () -> xa.commit(x, false));
        assertXa(XAER_NOTA, () -> xa.commit(x, true));
        assertXa(XAER_NOTA, () -> xa.rollback(x));
        assertXa(XAER_NOTA, () -> xa.forget(x));
        assertXa(XAER_NOTA, () -> xa.start(x, TMJOIN));
        assertXa(XAER_NOTA, () -> xa.end(x, TMSUCCESS));
    }

    @Test
    void aDeadlockVictimBranchEndsWithRbdeadlock() throws Exception {
        // The first branch waits until the test closes the cycle: up to a minute, not the 2 s of the test
        // configuration, which a loaded machine could spend first (a lock timeout instead of a deadlock).
        env.close();
        env = Environment.open(dir.resolve("env"), XaTestSupport.config().lockTimeout(Duration.ofMinutes(1)));
        db = env.openDatabase("t");
        xa = new CairnXAResource(env);
        CairnXAResource other = new CairnXAResource(env);
        Xid a = xid();
        Xid c = xid();
        xa.start(a, TMNOFLAGS);
        other.start(c, TMNOFLAGS);
        xa.run(t -> db.put(t, b("k1"), b("a")));
        other.run(t -> db.put(t, b("k2"), b("c")));
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Throwable> first = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            try {
                xa.run(t -> db.put(t, b("k2"), b("a")));
                return null;
            } catch (RuntimeException e) {
                return e;
            }
        }, XaTestSupport.OWN_THREAD);
        waiting.await();
        XaTestSupport.await("the first branch to wait for k2", Duration.ofSeconds(10),
                () -> env.internals().txns().waitingCount() == 1);
        Throwable second = null;
        try {
            other.run(t -> db.put(t, b("k1"), b("c")));
        } catch (RuntimeException e) {
            second = e;
        }
        Throwable firstError = first.get(30, TimeUnit.SECONDS);
        // exactly one of them is the victim
        assertTrue((firstError == null) != (second == null), firstError + " / " + second);
        CairnXAResource victim = firstError != null ? xa : other;
        CairnXAResource survivor = firstError != null ? other : xa;
        Xid vx = victim == xa ? a : c;
        Xid sx = victim == xa ? c : a;
        Throwable error = firstError != null ? firstError : second;
        assertInstanceOf(DeadlockException.class, error, String.valueOf(error));
        assertXa(XA_RBDEADLOCK, () -> victim.end(vx, TMSUCCESS));
        victim.rollback(vx); // end already told why: the rollback just succeeds
        assertXa(XAER_NOTA, () -> victim.rollback(vx)); // and the branch is forgotten
        survivor.end(sx, TMSUCCESS);
        assertEquals(XA_OK, survivor.prepare(sx));
        survivor.commit(sx, false);
    }

    @Test
    void aLockTimeoutRollsTheBranchBackWithRbtimeout() throws Exception {
        Transaction holder = env.beginTransaction();
        db.put(holder, b("k"), b("held"));
        Xid x = xid();
        xa.start(x, TMNOFLAGS);
        xa.call(t -> {
            t.setLockTimeout(Duration.ofMillis(50));
            return null;
        });
        assertThrows(LockTimeoutException.class, () -> xa.run(t -> db.put(t, b("k"), b("x"))));
        assertXa(XA_RBTIMEOUT, () -> xa.end(x, TMSUCCESS));
        assertXa(XA_RBTIMEOUT, () -> xa.prepare(x));
        holder.abort();
    }

    @Test
    void aWriteConflictRollsTheBranchBackWithRbintegrity() throws Exception {
        db.put(null, b("k"), b("0"));
        Xid x = xid();
        xa.start(x, TMNOFLAGS);
        assertEquals("0", s(xa.call(t -> db.get(t, b("k"))))); // takes the snapshot
        db.put(null, b("k"), b("1")); // someone else commits after the snapshot
        assertThrows(WriteConflictException.class, () -> xa.run(t -> db.put(t, b("k"), b("2"))));
        assertXa(XA_RBINTEGRITY, () -> xa.end(x, TMSUCCESS));
        assertXa(XA_RBINTEGRITY, () -> xa.commit(x, true));
        assertXa(XAER_NOTA, () -> xa.commit(x, true));
        assertEquals("1", s(db.get(null, b("k"))));
    }

    @Test
    void otherEngineRollbacksAreRbother() throws Exception {
        env.close();
        env = Environment.open(dir.resolve("small"), XaTestSupport.config().txnMaxBytes(1 << 20));
        db = env.openDatabase("t");
        xa = new CairnXAResource(env);
        Xid x = xid();
        xa.start(x, TMNOFLAGS);
        TransactionException e = assertThrows(TransactionException.class,
                () -> xa.run(t -> db.put(t, b("big"), new byte[2 << 20])));
        assertTrue(e.getMessage().contains("limit"), e.getMessage());
        assertXa(XA_RBOTHER, () -> xa.end(x, TMSUCCESS));
        assertXa(XA_RBOTHER, () -> xa.prepare(x));
    }

    @Test
    void aClosedEnvironmentIsXaerRmfail() throws Exception {
        Xid x = branchWriting(xa, "k", "v");
        assertEquals(XA_OK, xa.prepare(x));
        env.close();
        assertXa(XAER_RMFAIL, () -> xa.commit(x, false));
        assertXa(XAER_RMFAIL, () -> xa.rollback(x));
        assertXa(XAER_RMFAIL, () -> xa.start(xid(), TMNOFLAGS));
        assertXa(XAER_RMFAIL, () -> xa.recover(TMSTARTRSCAN));
        assertXa(XAER_RMFAIL, () -> xa.forget(x));
        env = XaTestSupport.open(dir.resolve("env"));
        CairnXAResource again = new CairnXAResource(env);
        assertEquals(x, again.recover(TMSTARTRSCAN)[0]);
        again.commit(x, false);
        assertEquals("v", s(env.openDatabase("t").get(null, b("k"))));
    }

    /** Closes the test's environment and opens one in "faulty" whose file layer fails when told; env, db and xa use it. */
    private FaultyFileIO reopenOnFaultyFiles() {
        env.close();
        FaultyFileIO io = new FaultyFileIO();
        env = Environment.open(dir.resolve("faulty"), XaTestSupport.config().fileIO(io));
        db = env.openDatabase("t");
        xa = new CairnXAResource(env);
        return io;
    }

    @Test
    void aFailedLogWriteDuringPrepareIsXaerRmfailAndRecoveryRollsTheBranchBack() throws Exception {
        FaultyFileIO io = reopenOnFaultyFiles();
        Xid x = branchWriting(xa, "k", "v");
        io.failLogForces = true;
        XAException e = assertXa(XAER_RMFAIL, () -> xa.prepare(x));
        assertInstanceOf(EnvironmentFailureException.class, e.getCause());
        assertXa(XAER_RMFAIL, () -> xa.rollback(x));
        assertXa(XAER_RMFAIL, () -> xa.recover(TMSTARTRSCAN));
        env.internals().abandon();
        env = Environment.open(dir.resolve("faulty"), XaTestSupport.config());
        CairnXAResource again = new CairnXAResource(env);
        // The PREPARE record may or may not have reached the disk: either the branch is in doubt, or gone.
        for (Xid inDoubt : again.recover(TMSTARTRSCAN)) {
            assertEquals(x, inDoubt);
            again.rollback(inDoubt);
        }
        assertNull(env.openDatabase("t").get(null, b("k")));
    }

    /**
     * A join or a resume on an environment that failed or was closed is XAER_RMFAIL, as a start with
     * TMNOFLAGS is: neither may associate the resource with a branch of an environment that can no
     * longer do its work. (Both used to find the branch in the registry and answer XA_OK after a
     * failure, the work then failing with the engine's error; after a close, XA_RBROLLBACK.) The
     * branches can still be rolled back, which is all that is left to do with them.
     */
    @Test
    void aJoinOrResumeOnAFailedOrClosedEnvironmentIsXaerRmfail() throws Exception {
        FaultyFileIO io = reopenOnFaultyFiles();
        CairnXAResource other = new CairnXAResource(env);
        Xid idle = branchWriting(xa, "i", "v");
        Xid suspended = xid();
        xa.start(suspended, TMNOFLAGS);
        xa.run(t -> db.put(t, b("s"), b("v")));
        xa.end(suspended, TMSUSPEND);
        Xid failing = branchWriting(xa, "f", "v");
        io.failLogForces = true;
        assertXa(XAER_RMFAIL, () -> xa.prepare(failing)); // the environment has failed now
        assertXa(XAER_RMFAIL, () -> other.start(idle, TMJOIN));
        assertNull(other.associatedXid());
        assertXa(XAER_RMFAIL, () -> xa.start(suspended, TMRESUME));
        assertNull(xa.associatedXid());
        xa.end(suspended, TMFAIL);
        xa.rollback(suspended);
        xa.rollback(idle);
        env.internals().abandon();

        env = Environment.open(dir.resolve("closed"), XaTestSupport.config());
        db = env.openDatabase("t");
        xa = new CairnXAResource(env);
        CairnXAResource joiner = new CairnXAResource(env);
        Xid idle2 = branchWriting(xa, "i", "v");
        Xid suspended2 = xid();
        xa.start(suspended2, TMNOFLAGS);
        xa.end(suspended2, TMSUSPEND);
        env.close();
        assertXa(XAER_RMFAIL, () -> joiner.start(idle2, TMJOIN));
        assertXa(XAER_RMFAIL, () -> xa.start(suspended2, TMRESUME));
        assertXa(XAER_RMFAIL, () -> xa.start(xid(), TMNOFLAGS));
    }

    @Test
    void workEndedBehindXasBackIsXaerRmerr() throws Exception {
        Xid x = xid();
        xa.start(x, TMNOFLAGS);
        xa.run(t -> db.put(t, b("k"), b("v")));
        xa.transaction().commit(); // misuse: the connection must not end the branch's transaction itself
        xa.end(x, TMSUCCESS);
        assertXa(XAER_RMERR, () -> xa.commit(x, true));
        assertXa(XAER_NOTA, () -> xa.commit(x, true));
    }
}
