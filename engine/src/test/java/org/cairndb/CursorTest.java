package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.cairndb.util.Bytes;
import org.junit.jupiter.api.Test;

/** Cursors: both directions, seeks, ranges, and the transaction's own uncommitted writes merged in. */
class CursorTest extends EnvironmentFixture {

    static byte[] k(int i) {
        return b(String.format("%05d", i));
    }

    @Test
    void forwardBackwardSeekAndRange() {
        for (int i = 0; i < 1000; i += 2) {
            db.put(null, k(i), b("v" + i));
        }
        try (Cursor c = db.openCursor(null)) {
            assertTrue(c.first());
            assertEquals("00000", s(c.key()));
            assertTrue(c.last());
            assertEquals("00998", s(c.key()));
            assertTrue(c.seek(k(501)));
            assertEquals("00502", s(c.key()));
            assertTrue(c.prev());
            assertEquals("00500", s(c.key()));
            assertEquals("v500", s(c.value()));
            assertFalse(c.seek(k(999)));
            assertNull(c.key());
        }
        try (Cursor c = db.openCursor(null, k(100), k(110))) {
            List<String> keys = new ArrayList<>();
            for (boolean ok = c.first(); ok; ok = c.next()) {
                keys.add(s(c.key()));
            }
            assertEquals(List.of("00100", "00102", "00104", "00106", "00108"), keys);
            assertTrue(c.last());
            assertEquals("00108", s(c.key()));
            assertTrue(c.seek(k(0)));
            assertEquals("00100", s(c.key()), "seek below the range lands on its start");
            assertFalse(c.seek(k(110)));
        }
    }

    @Test
    void ownWritesAreMergedIntoTheCursorRandomized() {
        Random rnd = new Random(3);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        for (int i = 0; i < 3000; i++) {
            if (rnd.nextBoolean()) {
                db.put(null, k(i), b("c" + i));
                model.put(k(i), b("c" + i));
            }
        }
        try (Transaction t = env.beginTransaction()) {
            for (int i = 0; i < 800; i++) {
                int key = rnd.nextInt(3200);
                if (rnd.nextBoolean()) {
                    db.put(t, k(key), b("t" + key));
                    model.put(k(key), b("t" + key));
                } else {
                    db.delete(t, k(key));
                    model.remove(k(key));
                }
            }
            // Someone else commits meanwhile: not visible to t's snapshot (t read nothing yet, but wrote: snapshot taken).
            db.put(null, k(5000), b("other"));
            List<String> forward = new ArrayList<>();
            try (Cursor c = db.openCursor(t)) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    forward.add(s(c.key()) + "=" + s(c.value()));
                }
                List<String> backward = new ArrayList<>();
                for (boolean ok = c.last(); ok; ok = c.prev()) {
                    backward.add(0, s(c.key()) + "=" + s(c.value()));
                }
                assertEquals(forward, backward);
            }
            List<String> expected = new ArrayList<>();
            model.forEach((key, v) -> expected.add(s(key) + "=" + s(v)));
            assertEquals(expected, forward);
            // Writes made while a cursor is open are seen by it.
            try (Cursor c = db.openCursor(t)) {
                assertTrue(c.first());
                byte[] first = c.key();
                db.put(t, b("0"), b("before everything"));
                assertTrue(c.prev());
                assertEquals("0", s(c.key()));
                assertTrue(c.next());
                assertEquals(s(first), s(c.key()));
            }
            t.abort();
        }
    }

    /**
     * A move that finds nothing leaves the cursor beside the key it came from. It used to forget its
     * place: next() after running off the end started again at the first key (a loop calling next()
     * until false, run twice, saw everything twice), and next() after a seek beyond the last key
     * returned the first key, one before the key sought.
     */
    @Test
    void aMoveThatFindsNothingKeepsTheCursorAtThatEnd() {
        for (int i = 0; i < 10; i += 2) {
            db.put(null, k(i), b("v" + i));
        }
        try (Cursor c = db.openCursor(null)) {
            int n = 0;
            while (c.next()) {
                n++;
            }
            assertEquals(5, n);
            assertFalse(c.next(), "still past the end");
            assertNull(c.key());
            assertTrue(c.prev());
            assertEquals("00008", s(c.key()), "back from past the end: the last key");
            assertTrue(c.first());
            assertFalse(c.prev());
            assertFalse(c.prev(), "still before the start");
            assertTrue(c.next());
            assertEquals("00000", s(c.key()), "on from before the start: the first key");
            assertFalse(c.seek(k(9)));
            assertFalse(c.next(), "nothing after a key beyond the last");
            assertTrue(c.prev());
            assertEquals("00008", s(c.key()), "before the key sought: the last key below it");
            assertFalse(c.seek(k(9)));
            assertTrue(c.prev());
            assertEquals("00008", s(c.key()));
        }
        try (Cursor c = db.openCursor(null, k(2), k(7))) {
            assertFalse(c.seek(k(9)), "sought past the range");
            assertFalse(c.next());
            assertTrue(c.prev());
            assertEquals("00006", s(c.key()), "the last key of the range");
            assertTrue(c.first());
            assertFalse(c.prev());
            assertTrue(c.next());
            assertEquals("00002", s(c.key()));
        }
        try (Transaction t = env.beginTransaction(); Cursor c = db.openCursor(t)) {
            assertTrue(c.last());
            assertFalse(c.next());
            db.put(t, k(20), b("mine"));
            db.delete(t, k(8));
            assertTrue(c.next(), "a key the transaction wrote further on is found");
            assertEquals("00020", s(c.key()));
            assertFalse(c.next());
            assertTrue(c.prev());
            assertEquals("00020", s(c.key()));
            assertTrue(c.prev());
            assertEquals("00006", s(c.key()), "the deleted key is skipped");
            assertTrue(c.first());
            assertFalse(c.prev());
            db.delete(t, k(0));
            assertTrue(c.next());
            assertEquals("00002", s(c.key()), "the first key it was beside is gone: the next one");
        }
    }

    @Test
    void emptyDatabaseAndClosedCursor() {
        Cursor c = db.openCursor(null);
        assertFalse(c.first());
        assertFalse(c.last());
        assertFalse(c.next());
        c.close();
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, c::first);
        assertEquals("cursor over database 't' is closed", e.getMessage());
    }

    /** The record a cursor was on when it was closed: key() and value() went on returning it. */
    @Test
    void aClosedCursorNoLongerGivesItsRecord() {
        db.put(null, k(1), b("v"));
        Cursor c = db.openCursor(null);
        assertTrue(c.first());
        c.close();
        c.close();
        for (org.junit.jupiter.api.function.Executable use : List.<org.junit.jupiter.api.function.Executable>of(
                c::key, c::value, c::isValid)) {
            IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, use);
            assertEquals("cursor over database 't' is closed", e.getMessage());
        }
    }

    /**
     * A cursor of a READ_COMMITTED transaction reads the version it opened on, and that version's
     * pages must stay while it is open. They did not (found by SnapshotScanTest): nothing registered
     * the version, so checkpoints freed and reused its pages under the cursor, which then failed
     * with a false "corrupt" error or, where a reused page happened to fit, would have returned
     * records of another version.
     */
    @Test
    void aReadCommittedCursorKeepsItsVersionThroughCheckpointsThatReusePages() {
        for (int i = 0; i < 2000; i++) {
            db.put(null, k(i), b("old-" + i + "-" + "x".repeat(i % 200)));
        }
        env.checkpoint(true);
        try (Transaction rc = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.READ_COMMITTED));
                Cursor c = db.openCursor(rc)) {
            assertTrue(c.first());
            // Rewrite everything several times, checkpointing: with no page-reuse delay the freed pages are reused.
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < 2000; i++) {
                    db.put(null, k(i), b("new-" + round + "-" + i + "-" + "y".repeat((i * 7) % 300)));
                }
                env.checkpoint(true);
            }
            int n = 0;
            for (boolean ok = true; ok; ok = c.next(), n++) {
                assertEquals("old-" + n + "-" + "x".repeat(n % 200), s(c.value()), "record " + n);
            }
            assertEquals(2000, n);
            // A get in the same transaction reads the newest committed value.
            assertTrue(s(db.get(rc, k(5))).startsWith("new-3-5-"));
            rc.commit();
        }
    }

    /**
     * A cursor of a READ_COMMITTED transaction left open when the transaction ends keeps nothing
     * pinned, as a SNAPSHOT transaction's does not: it kept the version it opened on pinned for
     * good, so that no page freed after it was reused again and the conflict information of every
     * later commit stayed in memory.
     */
    @Test
    void aReadCommittedCursorLeftOpenReleasesItsVersionWhenTheTransactionEnds() {
        db.put(null, k(1), b("v"));
        var txns = env.internals().txns();
        for (boolean commit : new boolean[] {true, false}) {
            Transaction rc = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.READ_COMMITTED));
            Cursor left = db.openCursor(rc);
            Cursor closed = db.openCursor(rc);
            assertTrue(left.first());
            closed.close();
            if (commit) {
                rc.commit();
            } else {
                rc.abort();
            }
            db.put(null, k(2), b("later"));
            assertEquals(txns.current().ts(), txns.minSnapshotTs(), "no version is held back by the cursor left open");
            org.junit.jupiter.api.Assertions.assertThrows(TransactionStateException.class, left::next);
            left.close();
        }
    }

    /**
     * A bad bound of a cursor's range is refused naming the bound and the database: it was refused
     * as "key must not be empty" or "key of 4097 bytes is larger than ...", which named no key the
     * caller had given.
     */
    @Test
    void aBadRangeBoundIsRefusedNamingTheBoundAndTheDatabase() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> db.openCursor(null, new byte[0], k(5)));
        assertEquals("the start (from) of a cursor's range in database 't' must not be empty: keys are 1 to 4096 bytes;"
                + " a null start leaves the range open", e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> db.openCursor(null, k(1), new byte[4097]));
        assertEquals("the end (to) of a cursor's range in database 't' has 4097 bytes, more than the largest key"
                + " (4096 bytes)", e.getMessage());
        db.put(null, k(1), b("v"));
        byte[] largest = new byte[4096];
        java.util.Arrays.fill(largest, (byte) 0xff);
        try (Cursor c = db.openCursor(null, k(1), largest)) {
            assertTrue(c.first(), "bounds of the largest key's size are fine");
        }
    }

    /**
     * A seek target is refused where a range bound of the same size is: an empty one or one longer
     * than any key was compared against the keys instead, so a caller's wrong key went unnoticed.
     */
    @Test
    void aSeekTargetNoKeyCouldBeIsRefusedNamingTheDatabase() {
        db.put(null, k(1), b("v"));
        byte[] largest = new byte[4096];
        java.util.Arrays.fill(largest, (byte) 0xff);
        try (Cursor c = db.openCursor(null)) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> c.seek(new byte[0]));
            assertEquals("the key to seek in database 't' must not be empty: keys are 1 to 4096 bytes; first() moves to"
                    + " the first key", e.getMessage());
            e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> c.seek(new byte[4097]));
            assertEquals("the key to seek in database 't' has 4097 bytes, more than the largest key (4096 bytes)",
                    e.getMessage());
            assertFalse(c.seek(largest), "a target of the largest key's size is sought");
            assertTrue(c.prev());
            assertEquals(s(k(1)), s(c.key()));
        }
    }

    /** A database removed while cursors are open: they say so (they said "cannot read page 3: null"). */
    @Test
    void cursorsOfARemovedDatabaseSayItWasRemoved() {
        for (int i = 0; i < 3000; i++) {
            db.put(null, k(i), new byte[200]);
        }
        env.checkpoint(true);
        try (Transaction t = env.beginTransaction(); Cursor inTxn = db.openCursor(t); Cursor plain = db.openCursor(null)) {
            assertTrue(inTxn.first());
            assertTrue(plain.last());
            env.removeDatabase("t");
            for (Cursor c : List.of(inTxn, plain)) {
                DatabaseNotFoundException e = org.junit.jupiter.api.Assertions.assertThrows(DatabaseNotFoundException.class,
                        c::next);
                assertEquals("database 't' was removed while this cursor was open", e.getMessage());
            }
            t.commit();
        }
    }
}
