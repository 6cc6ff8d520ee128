package org.cairndb.xa;

import static javax.transaction.xa.XAException.XAER_NOTA;
import static javax.transaction.xa.XAException.XAER_PROTO;
import static javax.transaction.xa.XAException.XA_HEURCOM;
import static javax.transaction.xa.XAException.XA_HEURRB;
import static javax.transaction.xa.XAResource.TMNOFLAGS;
import static javax.transaction.xa.XAResource.TMSTARTRSCAN;
import static javax.transaction.xa.XAResource.TMSUCCESS;
import static javax.transaction.xa.XAResource.XA_OK;
import static org.cairndb.xa.XaTestSupport.assertXa;
import static org.cairndb.xa.XaTestSupport.b;
import static org.cairndb.xa.XaTestSupport.s;
import static org.cairndb.xa.XaTestSupport.xid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import javax.transaction.xa.XAException;
import javax.transaction.xa.Xid;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Heuristic completion by an administrator, and what the transaction manager's later decision gets
 * (X/Open XA: xa_commit and xa_rollback report XA_HEURCOM if the branch was heuristically committed,
 * XA_HEURRB if heuristically rolled back; the record stays until xa_forget).
 */
class HeuristicTest {

    @TempDir
    Path dir;
    Environment env;
    Database db;
    CairnXAResource xa;
    InDoubtBranches admin;

    @BeforeEach
    void open() {
        env = XaTestSupport.open(dir);
        db = env.openDatabase("t");
        xa = new CairnXAResource(env);
        admin = new InDoubtBranches(env);
    }

    @AfterEach
    void close() {
        env.close();
    }

    private Xid prepared(String key, String value) throws XAException {
        Xid x = xid();
        xa.start(x, TMNOFLAGS);
        xa.run(t -> db.put(t, b(key), b(value)));
        xa.end(x, TMSUCCESS);
        assertEquals(XA_OK, xa.prepare(x));
        return x;
    }

    private void reopen() {
        env.internals().abandon(); // a crash
        env = XaTestSupport.open(dir);
        db = env.openDatabase("t");
        xa = new CairnXAResource(env);
        admin = new InDoubtBranches(env);
    }

    @Test
    void heuristicCommitThenTheManagersCommitOrRollbackGetsHeurcomUntilForgotten() throws Exception {
        Xid x = prepared("k", "v");
        HeuristicBranch h = admin.heuristicCommit(x);
        assertEquals(x, h.xid());
        assertTrue(h.committed());
        assertEquals("v", s(db.get(null, b("k"))), "committed at once");
        db.put(null, b("k"), b("w")); // locks released
        assertTrue(admin.list().isEmpty());
        assertEquals(List.of(x), List.of(xa.recover(TMSTARTRSCAN)), "a heuristically completed branch is recovered");
        assertTrue(assertXa(XA_HEURCOM, () -> xa.commit(x, false)).getMessage().contains("heuristically"));
        assertXa(XA_HEURCOM, () -> xa.rollback(x));
        assertXa(XA_HEURCOM, () -> xa.commit(x, false)); // until forgotten
        assertXa(XAER_PROTO, () -> xa.prepare(x));
        reopen();
        assertEquals(List.of(x), admin.heuristics().stream().map(HeuristicBranch::xid).toList(), "durable");
        assertXa(XA_HEURCOM, () -> xa.rollback(x));
        xa.forget(x);
        assertEquals(0, xa.recover(TMSTARTRSCAN).length);
        assertXa(XAER_NOTA, () -> xa.commit(x, false));
        assertXa(XAER_NOTA, () -> xa.forget(x));
        reopen();
        assertTrue(admin.heuristics().isEmpty(), "the forget is durable");
        assertEquals("w", s(db.get(null, b("k"))));
    }

    @Test
    void heuristicRollbackThenTheManagersDecisionGetsHeurrb() throws Exception {
        db.put(null, b("k"), b("old"));
        Xid x = prepared("k", "new");
        HeuristicBranch h = admin.heuristicRollback(x);
        assertFalse(h.committed());
        assertEquals("old", s(db.get(null, b("k"))));
        assertXa(XA_HEURRB, () -> xa.commit(x, false));
        reopen();
        assertEquals(List.of(x), List.of(xa.recover(TMSTARTRSCAN)));
        assertXa(XA_HEURRB, () -> xa.rollback(x));
        assertTrue(admin.forget(x));
        assertFalse(admin.forget(x));
        assertXa(XAER_NOTA, () -> xa.rollback(x));
        assertEquals("old", s(db.get(null, b("k"))));
    }

    @Test
    void aDecisionAfterACrashIsLikeOneBefore() throws Exception {
        Xid x = prepared("k", "v");
        reopen();
        assertEquals(1, admin.list().size());
        admin.heuristicCommit(x);
        reopen();
        assertEquals("v", s(db.get(null, b("k"))));
        assertXa(XA_HEURCOM, () -> xa.commit(x, false));
        xa.forget(x);
    }

    @Test
    void theAdministratorIsToldWhatIsInDoubtWhenTheXidIsWrong() throws Exception {
        Xid x = prepared("k", "v");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.heuristicCommit(xid()));
        assertTrue(e.getMessage().contains(x.toString()), e.getMessage());
        xa.commit(x, false);
        e = assertThrows(IllegalArgumentException.class, () -> admin.heuristicRollback(x));
        assertTrue(e.getMessage().contains("no branch is in doubt"), e.getMessage());
        Xid active = xid();
        xa.start(active, TMNOFLAGS);
        assertThrows(IllegalArgumentException.class, () -> admin.heuristicCommit(active), "only prepared branches");
        xa.end(active, TMSUCCESS);
        xa.rollback(active);
    }

    @Test
    void anAdministratorAndTheTransactionManagerRacingNeverBothDecide() throws Exception {
        for (int i = 0; i < 40; i++) {
            String key = "k" + i;
            Xid x = prepared(key, "v");
            boolean tmCommits = i % 2 == 0;
            boolean adminCommits = i % 4 < 2;
            CyclicBarrier go = new CyclicBarrier(2);
            CompletableFuture<Integer> tm = CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                    if (tmCommits) {
                        xa.commit(x, false);
                    } else {
                        xa.rollback(x);
                    }
                    return XA_OK;
                } catch (XAException e) {
                    return e.errorCode;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, XaTestSupport.OWN_THREAD);
            CompletableFuture<Boolean> adm = CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                    if (adminCommits) {
                        admin.heuristicCommit(x);
                    } else {
                        admin.heuristicRollback(x);
                    }
                    return true;
                } catch (IllegalArgumentException e) {
                    return false; // the transaction manager was first
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, XaTestSupport.OWN_THREAD);
            int tmCode = tm.get(30, TimeUnit.SECONDS);
            boolean adminDecided = adm.get(30, TimeUnit.SECONDS);
            boolean committed = db.get(null, b(key)) != null;
            if (adminDecided) {
                assertEquals(adminCommits ? XA_HEURCOM : XA_HEURRB, tmCode, "round " + i);
                assertEquals(adminCommits, committed, "round " + i);
                xa.forget(x);
            } else {
                assertEquals(XA_OK, tmCode, "round " + i);
                assertEquals(tmCommits, committed, "round " + i);
            }
        }
        assertTrue(admin.list().isEmpty());
        assertTrue(admin.heuristics().isEmpty());
        assertNull(env.preparedTransaction(XidCodec.encode(xid())));
    }

    /**
     * Cairn's side of the server log says when the transaction manager meets an administrator's
     * decision, whether the two agree, and when the outcome is forgotten: the manager's own log
     * tells it only in its terms (Narayana: "commit on ... failed with exception XA_HEURRB").
     */
    @Test
    void meetingTheManagersDecisionAndForgettingAreLogged() throws Exception {
        List<java.util.logging.LogRecord> records = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(CairnXAResource.class.getName());
        logger.addHandler(capture);
        try {
            Xid x = prepared("k", "v");
            admin.heuristicRollback(x);
            assertXa(XA_HEURRB, () -> xa.commit(x, false));
            assertXa(XA_HEURRB, () -> xa.rollback(x));
            xa.forget(x);
        } finally {
            logger.removeHandler(capture);
        }
        assertEquals(3, records.size(), records.stream().map(java.util.logging.LogRecord::getMessage).toList()::toString);
        assertEquals(java.util.logging.Level.WARNING, records.get(0).getLevel());
        assertTrue(records.get(0).getMessage().contains("asked to commit branch")
                && records.get(0).getMessage().contains("the outcomes differ"), records.get(0).getMessage());
        assertEquals(java.util.logging.Level.INFO, records.get(1).getLevel());
        assertTrue(records.get(1).getMessage().contains("(the same outcome)"), records.get(1).getMessage());
        assertTrue(records.get(2).getMessage().startsWith("forgot the heuristic outcome of branch "),
                records.get(2).getMessage());
    }
}
