package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each anomaly of IsolationLevel's table, shown allowed or prevented as documented. */
class IsolationTest extends EnvironmentFixture {

    @BeforeEach
    void setUp() {
        db.put(null, b("x"), b("10"));
        db.put(null, b("y"), b("10"));
    }

    Transaction begin(IsolationLevel level) {
        return env.beginTransaction(new TransactionConfig().isolation(level));
    }

    @Test
    void noLevelReadsUncommittedData() {
        for (IsolationLevel level : IsolationLevel.values()) {
            try (Transaction writer = begin(IsolationLevel.SNAPSHOT); Transaction reader = begin(level)) {
                db.put(writer, b("x"), b("dirty"));
                assertEquals("10", s(db.get(reader, b("x"))), level.name());
                assertEquals("10", s(db.get(null, b("x"))));
                writer.abort();
            }
        }
    }

    @Test
    void readCommittedAllowsNonRepeatableReadsAndPhantoms() {
        try (Transaction t = begin(IsolationLevel.READ_COMMITTED)) {
            assertEquals("10", s(db.get(t, b("x"))));
            assertEquals(2, scanCount(t));
            db.put(null, b("x"), b("20"));
            db.put(null, b("z"), b("1"));
            assertEquals("20", s(db.get(t, b("x"))), "non-repeatable read");
            assertEquals(3, scanCount(t), "phantom");
            t.commit();
        }
    }

    @Test
    void snapshotPreventsNonRepeatableReadsPhantomsAndReadSkew() {
        try (Transaction t = begin(IsolationLevel.SNAPSHOT)) {
            assertEquals("10", s(db.get(t, b("x"))));
            assertEquals(2, scanCount(t));
            // Another transaction moves 5 from x to y and adds z.
            try (Transaction u = begin(IsolationLevel.SNAPSHOT)) {
                db.put(u, b("x"), b("5"));
                db.put(u, b("y"), b("15"));
                db.put(u, b("z"), b("1"));
                u.commit();
            }
            assertEquals("10", s(db.get(t, b("x"))));
            assertEquals("10", s(db.get(t, b("y"))), "no read skew: x+y still 20");
            assertEquals(2, scanCount(t), "no phantom");
            t.commit();
        }
    }

    @Test
    void readCommittedAllowsLostUpdatesButGetForUpdatePreventsThem() {
        Transaction a = begin(IsolationLevel.READ_COMMITTED);
        Transaction b = begin(IsolationLevel.READ_COMMITTED);
        int va = Integer.parseInt(s(db.get(a, b("x"))));
        int vb = Integer.parseInt(s(db.get(b, b("x"))));
        db.put(a, b("x"), b(String.valueOf(va + 1)));
        a.commit();
        db.put(b, b("x"), b(String.valueOf(vb + 1)));
        b.commit();
        assertEquals("11", s(db.get(null, b("x"))), "the lost update READ_COMMITTED allows");

        Transaction c = begin(IsolationLevel.READ_COMMITTED);
        int vc = Integer.parseInt(s(db.getForUpdate(c, b("x"))));
        Transaction d = begin(IsolationLevel.READ_COMMITTED);
        d.setLockTimeout(java.time.Duration.ofMillis(200));
        assertThrows(LockTimeoutException.class, () -> db.getForUpdate(d, b("x")));
        db.put(c, b("x"), b(String.valueOf(vc + 1)));
        c.commit();
        assertEquals("12", s(db.get(null, b("x"))));
    }

    @Test
    void snapshotPreventsLostUpdatesFirstUpdaterWins() {
        Transaction a = begin(IsolationLevel.SNAPSHOT);
        Transaction b = begin(IsolationLevel.SNAPSHOT);
        assertEquals("10", s(db.get(a, b("x"))));
        assertEquals("10", s(db.get(b, b("x"))));
        db.put(a, b("x"), b("11"));
        a.commit();
        WriteConflictException e = assertThrows(WriteConflictException.class, () -> db.put(b, b("x"), b("11")));
        assertTrue(e.getMessage().contains("'x'"), e.getMessage());
        assertFalse(b.isActive(), "the loser was rolled back");
        b.abort(); // a no-op now
        assertEquals("11", s(db.get(null, b("x"))));
    }

    /**
     * The manager forgets which keys were committed when, once no snapshot can need it (every
     * 16,384 writes). A snapshot that stays open across that must still lose to a commit made
     * after it, also for a key that an older commit (one the snapshot may forget) wrote before.
     */
    @Test
    void snapshotConflictsSurviveTheForgettingOfOldCommits() {
        db.put(null, b("x"), b("11")); // an older commit of x, before a's snapshot
        Transaction a = begin(IsolationLevel.SNAPSHOT);
        assertEquals("11", s(db.get(a, b("x")))); // a's snapshot is taken here
        db.put(null, b("x"), b("12")); // after a's snapshot
        for (int t = 0; t < 20; t++) { // 20,000 writes by other transactions
            try (Transaction other = env.beginTransaction()) {
                for (int i = 0; i < 1000; i++) {
                    db.put(other, b("filler-" + t + "-" + i), b("v"));
                }
                other.commit();
            }
        }
        assertThrows(WriteConflictException.class, () -> db.put(a, b("x"), b("13")),
                "x was committed after a's snapshot, however many commits came since");
        Transaction c = begin(IsolationLevel.SNAPSHOT);
        assertEquals("12", s(db.get(c, b("x"))));
        db.put(c, b("x"), b("14")); // nothing newer than c's snapshot
        c.commit();
        assertEquals("14", s(db.get(null, b("x"))));
    }

    @Test
    void underSnapshotALockingReadOfANewerCommitReadsItInsteadOfFailing() {
        Transaction a = begin(IsolationLevel.SNAPSHOT);
        assertEquals("10", s(db.get(a, b("y")))); // a's snapshot is taken here
        db.put(null, b("x"), b("20"));
        assertEquals("10", s(db.get(a, b("x"))), "a plain read still sees the snapshot");
        assertEquals("20", s(db.getForUpdate(a, b("x"))), "a locking read sees the newest commit");
        db.put(a, b("x"), b("21")); // no write conflict: a read what it overwrites
        db.put(null, b("y"), b("30"));
        assertThrows(WriteConflictException.class, () -> db.put(a, b("y"), b("31")),
                "a blind write over a newer commit is still a conflict");
        assertFalse(a.isActive());
        assertEquals("20", s(db.get(null, b("x"))), "a was rolled back: x keeps the other commit");
    }

    /**
     * A key read with getForUpdate at a commit newer than the snapshot is the key the transaction
     * writes, so delete and putIfAbsent must judge its presence by that newest commit too. They
     * looked at the snapshot: a queue consumer that took an item inserted after its snapshot
     * (getForUpdate, then delete) was told the delete found nothing and left the item for the next
     * consumer, and putIfAbsent over a key inserted after the snapshot overwrote it, reporting it absent.
     */
    @Test
    void underSnapshotDeleteAndPutIfAbsentAfterALockingReadSeeWhatItRead() {
        Transaction a = begin(IsolationLevel.SNAPSHOT);
        assertEquals("10", s(db.get(a, b("y")))); // a's snapshot is taken here
        db.put(null, b("item"), b("work"));
        db.put(null, b("slot"), b("taken"));
        db.delete(null, b("x"));
        assertEquals("work", s(db.getForUpdate(a, b("item"))));
        assertTrue(db.delete(a, b("item")), "the item a locked and read is there to delete");
        assertEquals("taken", s(db.getForUpdate(a, b("slot"))));
        assertFalse(db.putIfAbsent(a, b("slot"), b("mine")), "the slot a locked and read is taken");
        assertNull(db.getForUpdate(a, b("x")));
        assertTrue(db.putIfAbsent(a, b("x"), b("11")), "x, deleted after a's snapshot, is absent");
        a.commit();
        assertNull(db.get(null, b("item")), "the item was consumed");
        assertEquals("taken", s(db.get(null, b("slot"))));
        assertEquals("11", s(db.get(null, b("x"))));
    }

    @Test
    void underSnapshotALockingReadWaitsForTheHolderAndThenReadsItsCommit() throws Exception {
        Transaction holder = begin(IsolationLevel.SNAPSHOT);
        Transaction waiter = begin(IsolationLevel.SNAPSHOT);
        waiter.setLockTimeout(java.time.Duration.ofMinutes(1)); // woken by the holder's commit, not by the 2 s default
        assertEquals("10", s(db.get(waiter, b("y")))); // the waiter's snapshot predates the holder's commit
        int held = Integer.parseInt(s(db.getForUpdate(holder, b("x"))));
        String[] read = new String[1];
        Thread t = new Thread(() -> read[0] = s(db.getForUpdate(waiter, b("x"))), "waiter");
        t.start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (t.getState() != Thread.State.TIMED_WAITING && t.getState() != Thread.State.WAITING) {
            assertTrue(System.nanoTime() < deadline, "the waiter never waited for the lock: " + t.getState());
            Thread.onSpinWait();
        }
        db.put(holder, b("x"), b(String.valueOf(held + 5)));
        holder.commit();
        t.join(10_000);
        assertFalse(t.isAlive());
        assertEquals("15", read[0]);
        db.put(waiter, b("x"), b("16"));
        waiter.commit();
        assertEquals("16", s(db.get(null, b("x"))), "both increments kept, neither transaction failed");
    }

    @Test
    void underSerializableALockingReadOfANewerCommitIsAConflict() {
        Transaction a = begin(IsolationLevel.SERIALIZABLE);
        assertEquals("10", s(db.get(a, b("y"))));
        db.put(null, b("x"), b("20"));
        assertThrows(WriteConflictException.class, () -> db.getForUpdate(a, b("x")));
        assertFalse(a.isActive());
    }

    @Test
    void snapshotAllowsWriteSkewSerializablePreventsIt() {
        // Invariant the application wants: x + y >= 0. Each transaction checks it and withdraws 15 from one of them.
        assertTrue(writeSkew(IsolationLevel.SNAPSHOT), "SNAPSHOT lets both commit");
        assertEquals("-5", s(db.get(null, b("x"))));
        assertEquals("-5", s(db.get(null, b("y"))));
        db.put(null, b("x"), b("10"));
        db.put(null, b("y"), b("10"));
        assertFalse(writeSkew(IsolationLevel.SERIALIZABLE), "SERIALIZABLE rejects the second");
        int sum = Integer.parseInt(s(db.get(null, b("x")))) + Integer.parseInt(s(db.get(null, b("y"))));
        assertEquals(5, sum);
    }

    /** Returns true if both transactions committed. */
    private boolean writeSkew(IsolationLevel level) {
        Transaction a = begin(level);
        Transaction b = begin(level);
        int ax = Integer.parseInt(s(db.get(a, b("x")))) + Integer.parseInt(s(db.get(a, b("y"))));
        int bx = Integer.parseInt(s(db.get(b, b("x")))) + Integer.parseInt(s(db.get(b, b("y"))));
        assertEquals(20, ax);
        assertEquals(20, bx);
        db.put(a, b("x"), b(String.valueOf(Integer.parseInt(s(db.get(a, b("x")))) - 15)));
        db.put(b, b("y"), b(String.valueOf(Integer.parseInt(s(db.get(b, b("y")))) - 15)));
        a.commit();
        try {
            b.commit();
            return true;
        } catch (WriteConflictException e) {
            assertTrue(e.getMessage().contains("serialization failure"), e.getMessage());
            return false;
        }
    }

    @Test
    void serializablePreventsPhantomsInScannedRanges() {
        Transaction a = begin(IsolationLevel.SERIALIZABLE);
        assertEquals(2, scanCount(a));
        db.put(null, b("w"), b("1")); // lands inside the range a scanned
        db.put(a, b("total"), b("2"));
        WriteConflictException e = assertThrows(WriteConflictException.class, a::commit);
        assertTrue(e.getMessage().contains("range"), e.getMessage());
        assertNull(db.get(null, b("total")));
    }

    @Test
    void readOnlySerializableTransactionsNeverFail() {
        Transaction a = begin(IsolationLevel.SERIALIZABLE);
        assertEquals("10", s(db.get(a, b("x"))));
        db.put(null, b("x"), b("99"));
        assertEquals("10", s(db.get(a, b("x"))));
        a.commit();
    }

    private int scanCount(Transaction t) {
        int n = 0;
        try (Cursor c = db.openCursor(t)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                n++;
            }
        }
        return n;
    }
}
