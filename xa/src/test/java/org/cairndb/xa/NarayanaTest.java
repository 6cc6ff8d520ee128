package org.cairndb.xa;

import static org.cairndb.xa.XaTestSupport.b;
import static org.cairndb.xa.XaTestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.transaction.HeuristicMixedException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.Status;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.transaction.xa.XAException;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.TransactionConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Global transactions run by Narayana over Cairn and a second resource (this JVM; crashes are in {@link NarayanaCrashRecoveryTest}). */
class NarayanaTest {

    @TempDir
    static Path objectStore;
    static TransactionManager tm;

    @TempDir
    Path dir;
    Environment envA;
    Environment envB;
    Database a;
    Database bdb;

    @BeforeAll
    static void narayana() {
        NarayanaSupport.configure(objectStore);
        tm = com.arjuna.ats.jta.TransactionManager.transactionManager();
    }

    @BeforeEach
    void open() {
        envA = XaTestSupport.open(dir.resolve("a"));
        envB = XaTestSupport.open(dir.resolve("b"));
        a = envA.openDatabase("t");
        bdb = envB.openDatabase("t");
    }

    @AfterEach
    void close() throws Exception {
        if (tm.getStatus() != Status.STATUS_NO_TRANSACTION) {
            tm.rollback();
        }
        assertTrue(envA.preparedTransactions().isEmpty(), "nothing left in doubt in A");
        assertTrue(envB.preparedTransactions().isEmpty(), "nothing left in doubt in B");
        envA.close();
        envB.close();
    }

    /** Enlists {@code xa} in the current transaction and writes key=value through it. */
    private static void write(Transaction tx, CairnXAResource xa, Database db, String key, String value) throws Exception {
        assertTrue(tx.enlistResource(xa));
        xa.run(t -> db.put(t, b(key), b(value)));
    }

    @Test
    void aGlobalTransactionOverTwoEnvironmentsCommitsInTwoPhases() throws Exception {
        CairnXAResource cairnA = new CairnXAResource(envA);
        ScriptedXAResource xaA = new ScriptedXAResource("A", cairnA);
        ScriptedXAResource xaB = new ScriptedXAResource("B", new CairnXAResource(envB));
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(xaA);
        cairnA.run(t -> a.put(t, b("k"), b("a")));
        tx.delistResource(xaA, javax.transaction.xa.XAResource.TMSUSPEND);
        tx.enlistResource(xaB);
        tx.enlistResource(xaA); // resumes
        cairnA.run(t -> a.put(t, b("k2"), b("a")));
        tm.commit();
        assertEquals("a", s(a.get(null, b("k"))));
        assertEquals("a", s(a.get(null, b("k2"))));
        assertEquals(List.of("start", "end(suspend)", "start(resume)", "end", "prepare", "commit"), xaA.calls);
        assertEquals(List.of("start", "end", "prepare"), xaB.calls, "B wrote nothing: read-only, no commit");
    }

    @Test
    void twoConnectionsToOneEnvironmentShareOneBranch() throws Exception {
        ScriptedXAResource first = new ScriptedXAResource("A1", new CairnXAResource(envA));
        CairnXAResource second = new CairnXAResource(envA);
        ScriptedXAResource secondProbe = new ScriptedXAResource("A2", second);
        long commitsBefore = envA.stats().commits();
        tm.begin();
        Transaction tx = tm.getTransaction();
        tx.enlistResource(first);
        tx.enlistResource(secondProbe); // isSameRM: Narayana joins the first branch instead of starting one
        second.run(t -> a.put(t, b("k"), b("v")));
        write(tx, new CairnXAResource(envB), bdb, "k", "v");
        tm.commit();
        assertEquals(List.of("start(join)", "end"), secondProbe.calls);
        assertEquals(List.of("start", "end", "prepare", "commit"), first.calls);
        assertEquals("v", s(a.get(null, b("k"))));
        assertEquals(commitsBefore + 1, envA.stats().commits(), "one engine transaction for the branch");
    }

    @Test
    void oneResourceAloneIsCommittedInOnePhase() throws Exception {
        ScriptedXAResource xaA = new ScriptedXAResource("A", new CairnXAResource(envA));
        tm.begin();
        tm.getTransaction().enlistResource(xaA);
        new CairnXAResource(envA).getTransactionTimeout();
        tm.commit();
        assertEquals(List.of("start", "end", "commit1"), xaA.calls);
        CairnXAResource xa = new CairnXAResource(envA);
        tm.begin();
        write(tm.getTransaction(), xa, a, "k", "v");
        tm.commit();
        assertEquals("v", s(a.get(null, b("k"))));
    }

    @Test
    void rollbackAndRollbackOnlyUndoBothEnvironments() throws Exception {
        a.put(null, b("k"), b("old"));
        tm.begin();
        write(tm.getTransaction(), new CairnXAResource(envA), a, "k", "new");
        write(tm.getTransaction(), new CairnXAResource(envB), bdb, "k", "new");
        tm.rollback();
        assertEquals("old", s(a.get(null, b("k"))));
        assertNull(bdb.get(null, b("k")));

        tm.begin();
        write(tm.getTransaction(), new CairnXAResource(envA), a, "k", "new");
        write(tm.getTransaction(), new CairnXAResource(envB), bdb, "k", "new");
        tm.setRollbackOnly();
        assertThrows(RollbackException.class, tm::commit);
        assertEquals("old", s(a.get(null, b("k"))));
        assertNull(bdb.get(null, b("k")));
        a.put(null, b("k"), b("free")); // no lock left behind
    }

    @Test
    void aSecondResourceVotingNoInPrepareRollsCairnBack() throws Exception {
        for (int code : new int[] {XAException.XA_RBROLLBACK, XAException.XAER_RMERR, XAException.XAER_RMFAIL}) {
            ScriptedXAResource other = new ScriptedXAResource("other").failAt(ScriptedXAResource.Point.PREPARE, code);
            ScriptedXAResource xaA = new ScriptedXAResource("A", new CairnXAResource(envA));
            tm.begin();
            write(tm.getTransaction(), new CairnXAResource(envB), bdb, "k", "b");
            tm.getTransaction().enlistResource(xaA);
            xaA.calls.clear();
            new CairnXAResource(envA); // unused: a resource may exist without work
            tm.getTransaction().enlistResource(other);
            assertThrows(RollbackException.class, tm::commit, XaErrors.name(code));
            assertNull(bdb.get(null, b("k")), XaErrors.name(code));
            assertTrue(envB.preparedTransactions().isEmpty());
            assertEquals("prepare", other.calls.get(other.calls.size() - 1 - (other.calls.contains("rollback") ? 1 : 0)));
        }
        bdb.put(null, b("k"), b("free"));
    }

    @Test
    void aSecondResourceFailingInCommitLeavesCairnCommitted() throws Exception {
        ScriptedXAResource other = new ScriptedXAResource("other").failAt(ScriptedXAResource.Point.COMMIT,
                XAException.XA_HEURRB);
        tm.begin();
        write(tm.getTransaction(), new CairnXAResource(envA), a, "k", "a");
        tm.getTransaction().enlistResource(other);
        write(tm.getTransaction(), new CairnXAResource(envB), bdb, "k", "b");
        assertThrows(HeuristicMixedException.class, tm::commit);
        assertEquals("a", s(a.get(null, b("k"))));
        assertEquals("b", s(bdb.get(null, b("k"))));

        ScriptedXAResource flaky = new ScriptedXAResource("flaky").failAt(ScriptedXAResource.Point.COMMIT,
                XAException.XAER_RMFAIL);
        tm.begin();
        write(tm.getTransaction(), new CairnXAResource(envA), a, "k2", "a");
        tm.getTransaction().enlistResource(flaky);
        tm.commit(); // Narayana leaves the failed branch to recovery; Cairn's is committed
        assertEquals("a", s(a.get(null, b("k2"))));
    }

    @Test
    void narayanasTimeoutRollsTheCairnBranchBack() throws Exception {
        tm.setTransactionTimeout(1);
        try {
            tm.begin();
            Transaction tx = tm.getTransaction();
            CairnXAResource xa = new CairnXAResource(envA);
            write(tx, xa, a, "k", "v");
            assertEquals(1, xa.getTransactionTimeout(), "Narayana passes its timeout to the branch");
            write(tx, new CairnXAResource(envB), bdb, "k", "v");
            XaTestSupport.await("the transaction to time out", Duration.ofSeconds(20), () -> {
                try {
                    return tx.getStatus() != Status.STATUS_ACTIVE;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThrows(RollbackException.class, tm::commit);
        } finally {
            tm.setTransactionTimeout(0);
        }
        assertNull(a.get(null, b("k")));
        assertNull(bdb.get(null, b("k")));
        org.cairndb.Transaction t = envA.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(100)));
        a.put(t, b("k"), b("free"));
        t.commit();
    }

    @Test
    void anAdministratorsHeuristicRollbackMeetsNarayanasCommit() throws Exception {
        CairnXAResource xaA = new CairnXAResource(envA);
        ScriptedXAResource probeA = new ScriptedXAResource("A", xaA);
        InDoubtBranches admin = new InDoubtBranches(envA);
        // Prepared in the order B, A, last; while the last resource prepares, an administrator rolls
        // A's in-doubt branch back. Narayana then commits B and gets XA_HEURRB from A: a mixed outcome.
        ScriptedXAResource last = new ScriptedXAResource("last").onPrepare(() -> {
            InDoubtBranch inDoubt = admin.list().get(0);
            admin.heuristicRollback(inDoubt.xid());
        });
        tm.begin();
        write(tm.getTransaction(), new CairnXAResource(envB), bdb, "k", "b");
        tm.getTransaction().enlistResource(probeA);
        xaA.run(t -> a.put(t, b("k"), b("a")));
        tm.getTransaction().enlistResource(last);
        assertThrows(HeuristicMixedException.class, tm::commit);
        assertEquals(List.of("start", "end", "prepare", "commit"), probeA.calls, "Narayana asked A to commit");
        assertNull(a.get(null, b("k")), "A was rolled back by the administrator");
        assertEquals("b", s(bdb.get(null, b("k"))), "B committed as Narayana decided");
        // The decision stays listed until someone forgets it.
        List<HeuristicBranch> decided = admin.heuristics();
        assertEquals(1, decided.size());
        assertTrue(!decided.get(0).committed());
        xaA.forget(decided.get(0).xid());
        assertTrue(admin.heuristics().isEmpty());
    }
}
