package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transaction handle as an application uses it, misuse included. */
class TransactionTest extends EnvironmentFixture {

    @Override
    protected String databaseName() {
        return "d";
    }

    @TempDir
    Path otherHome;

    /**
     * A null durability given to commit used to be queued with the commit; the leader of the next
     * round then failed on it (a NullPointerException) and left it at the head of the queue, so that
     * every later commit of the environment, auto-commit writes included, failed the same way.
     */
    @Test
    void aCommitWithANullDurabilityIsRefusedAndHarmsNothing() {
        try (Transaction txn = env.beginTransaction()) {
            db.put(txn, b("k"), b("v"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> txn.commit(null));
            assertTrue(e.getMessage().contains("transaction " + txn.id()) && e.getMessage().contains("null durability"),
                    e.getMessage());
            assertTrue(txn.isActive(), "the refused commit left the transaction as it was");
            txn.commit();
        }
        assertEquals("v", s(db.get(null, b("k"))));
        db.put(null, b("after"), b("1"));
        assertEquals("1", s(db.get(null, b("after"))), "later commits go on");
    }

    /** A database a running transaction wrote to is not removed; the refusal names the transaction (it did not). */
    @Test
    void aDatabaseARunningTransactionWroteToIsNotRemovedAndTheRefusalNamesIt() {
        try (Transaction txn = env.beginTransaction()) {
            db.put(txn, b("k"), b("v"));
            CairnException e = assertThrows(CairnException.class, () -> env.removeDatabase("d"));
            assertEquals("cannot remove database 'd': an unfinished transaction has written to it (transaction " + txn.id()
                    + "); commit or roll it back first", e.getMessage());
            txn.commit();
        }
        assertEquals("v", s(db.get(null, b("k"))));
        env.removeDatabase("d");
        assertEquals(java.util.List.of(), env.databaseNames());
    }

    /** A transaction used with a database of another environment, or of this one opened again, is refused saying which. */
    @Test
    void aTransactionOfAnotherOpenIsRefusedSayingWhich() {
        Transaction stale = env.beginTransaction();
        env.close();
        env = TestSupport.open(dir);
        db = env.openDatabase("d");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> db.put(stale, b("k"), b("v")));
        assertEquals("transaction " + stale.id() + " was begun before environment " + dir + " was closed and opened again;"
                + " begin a new transaction", e.getMessage());
        try (Environment other = TestSupport.open(otherHome); Transaction foreign = other.beginTransaction()) {
            e = assertThrows(IllegalArgumentException.class, () -> db.get(foreign, b("k")));
            assertEquals("transaction " + foreign.id() + " belongs to environment " + otherHome + ", not to " + dir
                    + " of database 'd'", e.getMessage());
        }
    }

    /**
     * A transaction rolled back (by its timeout, from the background thread) after its caller checked
     * it and before it took its snapshot: the snapshot is refused, not registered for good. It was
     * registered after the end had released everything, and held back page reuse and the pruning
     * of conflict information for as long as the environment stayed open.
     */
    @Test
    void aTransactionEndedBeforeItTookItsSnapshotLeavesNoneBehind() {
        db.put(null, b("k"), b("v"));
        Transaction txn = env.beginTransaction(); // SNAPSHOT: takes its snapshot at its first read
        var txns = env.internals().txns();
        txn.abort(); // as the timeout would, between the caller's check and its read
        TransactionStateException e = assertThrows(TransactionStateException.class, () -> txns.readVersion(txn.txn()));
        assertEquals("cannot read in transaction " + txn.id() + ": it is aborted (rolled back)", e.getMessage());
        db.put(null, b("k"), b("w"));
        assertEquals(txns.current().ts(), txns.minSnapshotTs(), "no snapshot is left registered");
    }

    /** Ending a transaction twice names what was attempted (it said "cannot use" for a commit or prepare). */
    @Test
    void aSecondCommitOrPrepareSaysWhatWasAttempted() {
        Transaction txn = env.beginTransaction();
        db.put(txn, b("k"), b("v"));
        txn.commit();
        TransactionStateException e = assertThrows(TransactionStateException.class, txn::commit);
        assertEquals("cannot commit transaction " + txn.id() + ": it is committed", e.getMessage());
        e = assertThrows(TransactionStateException.class, () -> txn.prepare(b("g")));
        assertEquals("cannot prepare transaction " + txn.id() + ": it is committed", e.getMessage());
        Transaction rolledBack = env.beginTransaction();
        rolledBack.abort();
        e = assertThrows(TransactionStateException.class, rolledBack::commit);
        assertEquals("cannot commit transaction " + rolledBack.id() + ": it is aborted (rolled back)", e.getMessage());
        e = assertThrows(TransactionStateException.class, () -> db.get(rolledBack, b("k")));
        assertEquals("cannot use transaction " + rolledBack.id() + ": it is aborted (rolled back)", e.getMessage());
    }

    /**
     * abort() of a transaction already rolled back is a no-op, as its javadoc says, also once the
     * environment is closed (whose close rolled it back) or when a timeout rolled it back: it threw
     * "environment ... is closed", so that the abort of a catch or finally block replaced the error
     * being handled. A prepared transaction is still refused: its roll-back must be logged.
     */
    @Test
    void abortOfATransactionAlreadyRolledBackIsANoOpAfterTheEnvironmentClosed() {
        Transaction active = env.beginTransaction();
        db.put(active, b("k"), b("uncommitted"));
        Transaction victim = env.beginTransaction();
        victim.abort();
        Transaction prepared = env.beginTransaction();
        db.put(prepared, b("p"), b("prepared"));
        prepared.prepare(b("g"));
        env.close();
        assertEquals("ABORTED", active.state(), "the close rolled it back");
        active.abort();
        victim.abort();
        assertEquals("ABORTED", active.state());
        IllegalStateException e = assertThrows(IllegalStateException.class, prepared::abort);
        assertEquals("environment " + env.home() + " is closed", e.getMessage());
        assertTrue(prepared.isPrepared(), "the refusal left it prepared");
        env = TestSupport.open(dir);
        db = env.openDatabase("d");
        assertEquals(null, db.get(null, b("k")), "the rolled-back write is not there");
        Transaction again = env.preparedTransaction(b("g"));
        assertTrue(again != null && again.isPrepared(), "the prepared transaction stayed prepared");
        again.commit();
        assertEquals("prepared", s(db.get(null, b("p"))));
    }

    /**
     * A transaction is used by one thread at a time; an abort (or close) from another thread while
     * its commit was under way rolled it back under the commit, which then returned as if it had
     * committed: the writes were gone (or, rolled back after the COMMIT record had taken them, back
     * after a restart). That abort, and a second commit, are now refused while the commit runs. The
     * commit is held where it checks dirty memory, before it writes anything, by a handshake.
     */
    @Test
    void anAbortOrSecondCommitWhileTheCommitIsUnderWayIsRefused() throws Exception {
        Transaction txn = env.beginTransaction();
        db.put(txn, b("k"), b("v"));
        CountDownLatch committing = new CountDownLatch(1);
        CountDownLatch goOn = new CountDownLatch(1);
        env.internals().txns().commitThrottle(t -> {
            if (t.id() == txn.id()) {
                committing.countDown();
                awaitUninterruptibly(goOn);
            }
        });
        CompletableFuture<Void> commit = CompletableFuture.runAsync(txn::commit, TestSupport.OWN_THREAD);
        try {
            assertTrue(committing.await(30, TimeUnit.SECONDS), "the commit began");
            TransactionStateException e = assertThrows(TransactionStateException.class, txn::abort);
            assertEquals("cannot abort transaction " + txn.id() + ": its commit is under way", e.getMessage());
            e = assertThrows(TransactionStateException.class, txn::close);
            assertEquals("cannot abort transaction " + txn.id() + ": its commit is under way", e.getMessage());
            e = assertThrows(TransactionStateException.class, txn::commit);
            assertEquals("cannot commit transaction " + txn.id() + ": its commit is under way", e.getMessage());
        } finally {
            goOn.countDown();
        }
        commit.get(30, TimeUnit.SECONDS);
        assertEquals("COMMITTED", txn.state());
        assertEquals("v", s(db.get(null, b("k"))));
    }

    /** A commit that failed before it wrote anything leaves the transaction active, to be rolled back or committed again. */
    @Test
    void aCommitThatFailedBeforeWritingLeavesTheTransactionToItsOwner() {
        Transaction txn = env.beginTransaction();
        db.put(txn, b("k"), b("v"));
        env.internals().txns().commitThrottle(t -> {
            throw new IllegalStateException("checkpoint for memory failed");
        });
        assertThrows(IllegalStateException.class, txn::commit);
        assertTrue(txn.isActive());
        txn.abort();
        assertEquals("ABORTED", txn.state());
        assertEquals(null, db.get(null, b("k")));
    }

    /**
     * The same for a prepared transaction: its commit failed before writing anything, and the claim
     * it had taken on the transaction's completion stayed taken, so every later commit or rollback of
     * it (the transaction manager's retry, an admin's decision) was refused as "already under way"
     * until a restart.
     */
    @Test
    void aPreparedTransactionsCommitThatFailedBeforeWritingCanBeRetried() {
        Transaction txn = env.beginTransaction();
        db.put(txn, b("k"), b("v"));
        txn.prepare(b("gid-throttled"));
        env.internals().txns().commitThrottle(t -> {
            throw new IllegalStateException("checkpoint for memory failed");
        });
        assertThrows(IllegalStateException.class, txn::commit);
        assertEquals("PREPARED", txn.state());
        env.internals().txns().commitThrottle(t -> { });
        txn.commit();
        assertEquals("COMMITTED", txn.state());
        assertEquals("v", s(db.get(null, b("k"))));
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Setting a timeout on a transaction that could no longer use it was accepted and ignored: the
     * caller believed it set. It is refused as every other use of such a transaction is.
     */
    @Test
    void aTimeoutOfATransactionNoLongerActiveIsRefused() {
        Transaction committed = env.beginTransaction();
        db.put(committed, b("k"), b("v"));
        committed.commit();
        TransactionStateException e = assertThrows(TransactionStateException.class,
                () -> committed.setTimeout(Duration.ofSeconds(1)));
        assertEquals("cannot set the timeout of transaction " + committed.id() + ": it is committed", e.getMessage());
        e = assertThrows(TransactionStateException.class, () -> committed.setLockTimeout(Duration.ofSeconds(1)));
        assertEquals("cannot set the lock timeout of transaction " + committed.id() + ": it is committed", e.getMessage());

        Transaction rolledBack = env.beginTransaction();
        rolledBack.abort();
        e = assertThrows(TransactionStateException.class, () -> rolledBack.setTimeout(Duration.ZERO));
        assertEquals("cannot set the timeout of transaction " + rolledBack.id() + ": it is aborted (rolled back)",
                e.getMessage());

        // Its timeout ran until prepare: a prepared transaction waits for its outcome, however long.
        Transaction prepared = env.beginTransaction();
        db.put(prepared, b("p"), b("v"));
        prepared.prepare(b("g"));
        e = assertThrows(TransactionStateException.class, () -> prepared.setTimeout(Duration.ofMillis(1)));
        assertEquals("cannot set the timeout of transaction " + prepared.id() + ": it is prepared", e.getMessage());
        assertTrue(prepared.isPrepared(), "the refusal left it prepared");
        prepared.commit();
        assertEquals("v", s(db.get(null, b("p"))));
    }
}
