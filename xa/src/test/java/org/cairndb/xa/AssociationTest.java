package org.cairndb.xa;

import static javax.transaction.xa.XAException.XAER_DUPID;
import static javax.transaction.xa.XAException.XAER_INVAL;
import static javax.transaction.xa.XAException.XAER_NOTA;
import static javax.transaction.xa.XAException.XAER_PROTO;
import static javax.transaction.xa.XAException.XA_RBROLLBACK;
import static javax.transaction.xa.XAResource.TMFAIL;
import static javax.transaction.xa.XAResource.TMJOIN;
import static javax.transaction.xa.XAResource.TMNOFLAGS;
import static javax.transaction.xa.XAResource.TMRESUME;
import static javax.transaction.xa.XAResource.TMSUCCESS;
import static javax.transaction.xa.XAResource.TMSUSPEND;
import static javax.transaction.xa.XAResource.XA_OK;
import static org.cairndb.xa.XaTestSupport.assertXa;
import static org.cairndb.xa.XaTestSupport.b;
import static org.cairndb.xa.XaTestSupport.s;
import static org.cairndb.xa.XaTestSupport.xid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** start/end: TMNOFLAGS, TMJOIN, TMRESUME, TMSUSPEND, TMSUCCESS, TMFAIL, from several resources and threads. */
class AssociationTest {

    @TempDir
    Path dir;
    Environment env;
    Database db;
    CairnXAResource r1;
    CairnXAResource r2;

    @BeforeEach
    void open() {
        env = XaTestSupport.open(dir.resolve("env"));
        db = env.openDatabase("t");
        r1 = new CairnXAResource(env);
        r2 = new CairnXAResource(env);
    }

    @AfterEach
    void close() {
        env.close();
    }

    private void put(CairnXAResource r, String k, String v) {
        r.run(t -> db.put(t, b(k), b(v)));
    }

    @Test
    void aStartedBranchIsDoneWithEndAndOnePhaseCommit() throws Exception {
        Xid x = xid();
        r1.start(x, TMNOFLAGS);
        assertEquals(x, r1.associatedXid());
        put(r1, "k", "v");
        assertNull(db.get(null, b("k")), "not visible before commit");
        r1.end(x, TMSUCCESS);
        assertNull(r1.associatedXid());
        assertThrows(IllegalStateException.class, () -> put(r1, "k", "w"), "no work outside a branch");
        r1.commit(x, true);
        assertEquals("v", s(db.get(null, b("k"))));
        assertXa(XAER_NOTA, () -> r1.commit(x, true));
    }

    @Test
    void startWithAnXidInUseIsDupidAtEveryStageUntilTheBranchIsGone() throws Exception {
        Xid x = xid();
        r1.start(x, TMNOFLAGS);
        put(r1, "k", "v");
        assertXa(XAER_DUPID, () -> r2.start(x, TMNOFLAGS));
        r1.end(x, TMSUCCESS);
        assertXa(XAER_DUPID, () -> r2.start(x, TMNOFLAGS));
        assertEquals(XA_OK, r1.prepare(x));
        assertTrue(assertXa(XAER_DUPID, () -> r2.start(x, TMNOFLAGS)).getMessage().contains("prepared"));
        new InDoubtBranches(env).heuristicRollback(x);
        assertTrue(assertXa(XAER_DUPID, () -> r2.start(x, TMNOFLAGS)).getMessage().contains("heuristically"));
        r1.forget(x);
        r2.start(x, TMNOFLAGS); // gone: the transaction manager may use the Xid again
        r2.end(x, TMSUCCESS);
        r2.rollback(x);
    }

    @Test
    void aResourceHasOneActiveAssociationAtATime() throws Exception {
        Xid a = xid();
        Xid bx = xid();
        r1.start(a, TMNOFLAGS);
        assertXa(XAER_PROTO, () -> r1.start(bx, TMNOFLAGS));
        assertXa(XAER_PROTO, () -> r1.start(a, TMJOIN));
        assertNull(r2.associatedXid());
        r1.end(a, TMSUCCESS);
        r1.start(bx, TMNOFLAGS);
        r1.end(bx, TMSUCCESS);
        r1.rollback(a);
        r1.rollback(bx);
    }

    @Test
    void invalidFlagsAndXidsAreXaerInval() throws Exception {
        Xid x = xid();
        assertXa(XAER_INVAL, () -> r1.start(x, TMJOIN | TMRESUME));
        assertXa(XAER_INVAL, () -> r1.start(x, TMSUCCESS));
        assertXa(XAER_INVAL, () -> r1.start(null, TMNOFLAGS));
        Xid tooLong = new Xid() {
            public int getFormatId() {
                return 1;
            }

            public byte[] getGlobalTransactionId() {
                return new byte[65];
            }

            public byte[] getBranchQualifier() {
                return new byte[1];
            }
        };
        assertXa(XAER_INVAL, () -> r1.start(tooLong, TMNOFLAGS));
        Xid nullXid = new Xid() {
            public int getFormatId() {
                return -1;
            }

            public byte[] getGlobalTransactionId() {
                return new byte[1];
            }

            public byte[] getBranchQualifier() {
                return new byte[0];
            }
        };
        assertXa(XAER_INVAL, () -> r1.start(nullXid, TMNOFLAGS));
        r1.start(x, TMNOFLAGS);
        assertXa(XAER_INVAL, () -> r1.end(x, TMNOFLAGS));
        assertXa(XAER_INVAL, () -> r1.end(x, TMSUCCESS | TMFAIL));
        assertXa(XAER_INVAL, () -> r1.end(x, TMJOIN));
        assertXa(XAER_INVAL, () -> r1.recover(TMJOIN));
        assertXa(XAER_INVAL, () -> r1.setTransactionTimeout(-1));
        r1.end(x, TMSUCCESS);
        r1.rollback(x);
    }

    @Test
    void joinAddsASecondResourceToTheSameBranchAndEngineTransaction() throws Exception {
        Xid x = xid();
        assertXa(XAER_NOTA, () -> r2.start(x, TMJOIN));
        r1.start(x, TMNOFLAGS);
        put(r1, "a", "1");
        r2.start(x, TMJOIN); // tightly coupled: both active at once
        assertSame(r1.transaction(), r2.transaction());
        assertEquals("1", s(r2.call(t -> db.get(t, b("a")))), "a joined resource sees the branch's writes");
        put(r2, "b", "2");
        r1.end(x, TMSUCCESS);
        assertXa(XAER_PROTO, () -> r1.prepare(x)).getMessage();
        assertTrue(assertXa(XAER_PROTO, () -> r2.rollback(x)).getMessage().contains("have not ended"));
        r2.end(x, TMSUCCESS);
        r1.start(x, TMJOIN); // an idle branch can be joined again
        put(r1, "c", "3");
        r1.end(x, TMSUCCESS);
        assertEquals(XA_OK, r2.prepare(x));
        assertXa(XAER_PROTO, () -> r1.start(x, TMJOIN)); // prepared: no more work
        r1.commit(x, false);
        assertEquals("1", s(db.get(null, b("a"))));
        assertEquals("2", s(db.get(null, b("b"))));
        assertEquals("3", s(db.get(null, b("c"))));
    }

    /**
     * A resource whose connection says it is working outside any global transaction refuses every
     * start with XAER_OUTSIDE and that reason, and changes nothing: no branch is begun, and a
     * suspended association stays, to be resumed once the other work is over.
     */
    @Test
    void aStartWhileTheConnectionWorksOutsideIsXaerOutside() throws Exception {
        java.util.concurrent.atomic.AtomicReference<String> elsewhere = new java.util.concurrent.atomic.AtomicReference<>();
        CairnXAResource r = new CairnXAResource(env, elsewhere::get);
        Xid x = xid();
        r.start(x, TMNOFLAGS);
        put(r, "a", "1");
        r.end(x, TMSUSPEND);
        elsewhere.set("a local transaction is under way");
        Xid y = xid();
        for (int flags : new int[] {TMNOFLAGS, TMJOIN, TMRESUME}) {
            Xid which = flags == TMNOFLAGS ? y : x;
            String m = assertXa(javax.transaction.xa.XAException.XAER_OUTSIDE, () -> r.start(which, flags)).getMessage();
            assertTrue(m.contains("a local transaction is under way"), m);
        }
        assertXa(XAER_NOTA, () -> r1.start(y, TMJOIN)); // nothing was begun
        elsewhere.set(null);
        r.start(x, TMRESUME);
        assertEquals("1", s(r.call(t -> db.get(t, b("a")))));
        r.end(x, TMSUCCESS);
        r.commit(x, true);
        assertEquals("1", s(db.get(null, b("a"))));
    }

    /**
     * Branches of one global transaction with different branch qualifiers (loosely coupled: a
     * transaction manager that does not join) are separate engine transactions, as XA allows: one
     * does not see the other's writes, and one that wants a key the other holds waits for its lock
     * like any other transaction (here past its lock timeout: XA_RBTIMEOUT), while the other commits.
     */
    @Test
    void looselyCoupledBranchesAreSeparateTransactions() throws Exception {
        CairnXid a = xid();
        CairnXid b = XaTestSupport.branch(a, "loose");
        r1.start(a, TMNOFLAGS);
        put(r1, "k", "from a");
        r2.start(b, TMNOFLAGS);
        assertNull(r2.call(t -> db.get(t, b("k"))), "no uncommitted write of the other branch is seen");
        assertThrows(org.cairndb.LockTimeoutException.class, () -> r2.run(t -> {
            t.setLockTimeout(java.time.Duration.ofMillis(50));
            db.put(t, b("k"), b("from b"));
        }));
        assertXa(javax.transaction.xa.XAException.XA_RBTIMEOUT, () -> r2.end(b, TMSUCCESS));
        r1.end(a, TMSUCCESS);
        assertEquals(XA_OK, r1.prepare(a));
        assertXa(javax.transaction.xa.XAException.XA_RBTIMEOUT, () -> r2.prepare(b));
        r1.commit(a, false);
        assertEquals("from a", s(db.get(null, b("k"))));
    }

    /**
     * A join that waits for the branch while its prepare runs (here the prepare of a SERIALIZABLE
     * branch waits for the lock of a key it read) gets what a join after the prepare gets:
     * XAER_PROTO, the branch being prepared, not XAER_NOTA, which would say it never existed.
     */
    @Test
    void aJoinThatWaitedForASuccessfulPrepareIsXaerProto() throws Exception {
        // The prepare waits for a lock until the test commits its holder: a minute, not the 2 s default, which
        // a loaded machine could spend before the test got there.
        try (Environment serial = Environment.open(dir.resolve("serial"),
                XaTestSupport.config().isolation(org.cairndb.IsolationLevel.SERIALIZABLE).lockTimeout(java.time.Duration.ofMinutes(1)))) {
            Database t = serial.openDatabase("t");
            CairnXAResource a = new CairnXAResource(serial);
            CairnXAResource b = new CairnXAResource(serial);
            Xid x = xid();
            a.start(x, TMNOFLAGS);
            a.run(txn -> {
                t.get(txn, b("read"));
                t.put(txn, b("written"), b("1"));
            });
            a.end(x, TMSUCCESS);
            org.cairndb.Transaction holder = serial.beginTransaction();
            t.getForUpdate(holder, b("read"));
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Thread[] threads = new Thread[2];
                Future<Integer> prepare = pool.submit(() -> {
                    threads[0] = Thread.currentThread();
                    return a.prepare(x);
                });
                XaTestSupport.await("the prepare to wait for the lock of the key it read", java.time.Duration.ofSeconds(10),
                        () -> threads[0] != null && threads[0].getState() == Thread.State.TIMED_WAITING);
                Future<Integer> join = pool.submit(() -> {
                    threads[1] = Thread.currentThread();
                    try {
                        b.start(x, TMJOIN);
                        return XA_OK;
                    } catch (javax.transaction.xa.XAException e) {
                        return e.errorCode;
                    }
                });
                XaTestSupport.await("the join to wait for the branch", java.time.Duration.ofSeconds(10),
                        () -> threads[1] != null && threads[1].getState() == Thread.State.BLOCKED);
                holder.commit();
                assertEquals(XA_OK, prepare.get(30, TimeUnit.SECONDS));
                assertEquals(XAER_PROTO, join.get(30, TimeUnit.SECONDS), "the join gets the code of a prepared branch");
            } finally {
                pool.shutdownNow();
            }
            a.commit(x, false);
            assertEquals("1", s(t.get(null, b("written"))));
        }
    }

    @Test
    void suspendAndResume() throws Exception {
        Xid x = xid();
        Xid other = xid();
        r1.start(x, TMNOFLAGS);
        put(r1, "k", "1");
        r1.end(x, TMSUSPEND);
        assertNull(r1.associatedXid());
        assertXa(XAER_PROTO, () -> r1.end(x, TMSUSPEND)); // already suspended
        assertXa(XAER_PROTO, () -> r1.start(x, TMJOIN)); // resume, not join
        assertXa(XAER_PROTO, () -> r1.prepare(x)); // still associated (suspended)
        assertXa(XAER_PROTO, () -> r2.start(x, TMRESUME)); // suspended by r1, not r2
        assertXa(XAER_NOTA, () -> r1.start(xid(), TMRESUME));
        // meanwhile the resource works on another branch
        r1.start(other, TMNOFLAGS);
        put(r1, "o", "1");
        r1.end(other, TMSUCCESS);
        r1.commit(other, true);
        r1.start(x, TMRESUME);
        assertEquals(x, r1.associatedXid());
        put(r1, "k", "2");
        assertXa(XAER_PROTO, () -> r1.start(x, TMRESUME)); // active, not suspended
        r1.end(x, TMSUSPEND);
        r1.end(x, TMSUCCESS); // a suspended association can be ended directly
        assertXa(XAER_PROTO, () -> r1.end(x, TMSUCCESS)); // no association left
        r1.commit(x, true);
        assertEquals("2", s(db.get(null, b("k"))));
    }

    @Test
    void endOfABranchThisResourceIsNotAssociatedWith() throws Exception {
        Xid x = xid();
        assertXa(XAER_NOTA, () -> r1.end(x, TMSUCCESS));
        r2.start(x, TMNOFLAGS);
        put(r2, "k", "v");
        assertXa(XAER_PROTO, () -> r1.end(x, TMSUCCESS));
        r2.end(x, TMSUCCESS);
        assertEquals(XA_OK, r2.prepare(x));
        assertXa(XAER_PROTO, () -> r1.end(x, TMSUCCESS)); // prepared
        r1.rollback(x);
    }

    @Test
    void endWithTmfailMakesTheBranchRollbackOnly() throws Exception {
        Xid x = xid();
        r1.start(x, TMNOFLAGS);
        put(r1, "k", "v");
        r1.end(x, TMFAIL);
        // its locks are gone at once
        db.put(null, b("k"), b("other"));
        assertXa(XA_RBROLLBACK, () -> r2.start(x, TMJOIN));
        assertXa(XA_RBROLLBACK, () -> r1.prepare(x));
        assertXa(XAER_NOTA, () -> r1.rollback(x)); // prepare answered XA_RB*: the branch is gone
        assertEquals("other", s(db.get(null, b("k"))));

        Xid y = xid();
        r1.start(y, TMNOFLAGS);
        put(r1, "k", "v");
        r1.end(y, TMFAIL);
        r2.rollback(y); // the transaction manager asked for it: a plain rollback
        assertXa(XAER_NOTA, () -> r2.rollback(y));

        Xid z = xid();
        r1.start(z, TMNOFLAGS);
        r1.end(z, TMFAIL);
        assertXa(XA_RBROLLBACK, () -> r1.commit(z, true));
    }

    /**
     * Branch x (key "x", its association suspended) and branch y (key "y", associated), both of r1,
     * then r1 released as an adapter does when it destroys the connection: returns {x, y}.
     */
    private Xid[] suspendedAndActiveBranchesReleased() throws Exception {
        Xid x = xid();
        Xid y = xid();
        r1.start(x, TMNOFLAGS);
        put(r1, "x", "1");
        r1.end(x, TMSUSPEND);
        r1.start(y, TMNOFLAGS);
        put(r1, "y", "1");
        r1.release();
        return new Xid[] {x, y};
    }

    @Test
    void releaseEndsEveryAssociationAsFailed() throws Exception {
        Xid[] released = suspendedAndActiveBranchesReleased();
        Xid x = released[0];
        Xid y = released[1];
        assertNull(r1.associatedXid());
        assertXa(XA_RBROLLBACK, () -> r2.prepare(x));
        assertXa(XA_RBROLLBACK, () -> r2.prepare(y));
        r1.start(xid(), TMNOFLAGS); // usable again
    }

    /**
     * The transaction manager still holds the resource of a connection the server destroyed, and
     * ends its branch: XA_RBROLLBACK, naming why, so that it goes on to roll the branch back (which
     * removes it). XAER_PROTO made Narayana skip that rollback, leaving the branch registered until
     * the environment closed.
     */
    @Test
    void anEndAfterReleaseSaysRolledBackAndTheRollbackThatFollowsRemovesTheBranch() throws Exception {
        for (Xid each : suspendedAndActiveBranchesReleased()) {
            XAException e = assertXa(XA_RBROLLBACK, () -> r1.end(each, TMSUCCESS));
            assertTrue(e.getMessage().contains("its connection was destroyed by the server"), e.getMessage());
            r1.rollback(each);
            assertXa(XAER_NOTA, () -> r1.rollback(each));
            assertXa(XAER_NOTA, () -> r1.end(each, TMSUCCESS));
        }
        assertEquals(0, r2.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN).length);
        Xid z = xid();
        r2.start(z, TMNOFLAGS);
        put(r2, "x", "2"); // not blocked: the released branches' locks are gone
        r2.end(z, TMSUCCESS);
        r2.commit(z, true);
        assertEquals("2", s(db.get(null, b("x"))));
        assertNull(db.get(null, b("y")));
    }

    @Test
    void isSameRmExactlyForResourcesOfTheSameOpenEnvironment() throws Exception {
        assertTrue(r1.isSameRM(r2));
        assertTrue(r1.isSameRM(r1));
        try (Environment otherEnv = XaTestSupport.open(dir.resolve("other"))) {
            assertFalse(r1.isSameRM(new CairnXAResource(otherEnv)));
        }
        assertFalse(r1.isSameRM(null));
        assertFalse(r1.isSameRM(new ScriptedXAResource("other")));
        env.close();
        env = XaTestSupport.open(dir.resolve("env"));
        assertFalse(r1.isSameRM(new CairnXAResource(env)), "a reopened environment is another resource manager instance");
    }

    @Test
    void theResourceIsNotSerializable() {
        Object resource = r1;
        assertFalse(resource instanceof Serializable);
        assertFalse(Serializable.class.isAssignableFrom(CairnXAResource.class));
    }

    @Test
    void manyThreadsAndResourcesStartJoinAndCompleteBranchesConcurrently() throws Exception {
        int threads = 8;
        int rounds = 150;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CyclicBarrier go = new CyclicBarrier(threads);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            results.add(pool.submit(() -> {
                CairnXAResource a = new CairnXAResource(env);
                CairnXAResource c = new CairnXAResource(env);
                go.await();
                int committed = 0;
                for (int i = 0; i < rounds; i++) {
                    Xid x = xid();
                    a.start(x, TMNOFLAGS);
                    put(a, "t" + id + "-" + i, "a");
                    c.start(x, TMJOIN);
                    put(c, "t" + id + "-" + i + "-c", "c");
                    c.end(x, TMSUCCESS);
                    a.end(x, i % 3 == 2 ? TMFAIL : TMSUCCESS);
                    switch (i % 3) {
                        case 0 -> {
                            c.commit(x, true);
                            committed++;
                        }
                        case 1 -> {
                            assertEquals(XA_OK, c.prepare(x));
                            a.commit(x, false);
                            committed++;
                        }
                        default -> assertXa(XA_RBROLLBACK, () -> c.prepare(x));
                    }
                }
                return committed;
            }));
        }
        int committed = 0;
        for (Future<Integer> f : results) {
            committed += f.get(2, TimeUnit.MINUTES);
        }
        pool.shutdown();
        assertEquals(2L * committed, db.count());
        assertEquals(threads * (rounds - rounds / 3), committed);
        assertTrue(env.preparedTransactions().isEmpty());
    }

    @Test
    void recoverFollowsTheScanFlags() throws Exception {
        Xid x = xid();
        r1.start(x, TMNOFLAGS);
        put(r1, "k", "v");
        r1.end(x, TMSUCCESS);
        assertEquals(0, r1.recover(XAResource.TMSTARTRSCAN).length, "not prepared: not in doubt");
        r1.prepare(x);
        assertEquals(List.of(x), List.of(r2.recover(XAResource.TMSTARTRSCAN)));
        assertEquals(0, r2.recover(XAResource.TMNOFLAGS).length);
        assertEquals(0, r2.recover(XAResource.TMENDRSCAN).length);
        assertEquals(List.of(x), List.of(r2.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN)));
        r2.commit(x, false);
        assertEquals(0, r2.recover(XAResource.TMSTARTRSCAN | XAResource.TMENDRSCAN).length);
    }
}
