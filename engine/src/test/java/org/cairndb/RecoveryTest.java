package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Normal recovery after an in-process crash (abandon): committed present, uncommitted absent. */
class RecoveryTest {

    @TempDir
    Path dir;

    @Test
    void committedWorkSurvivesAndUncommittedWorkVanishes() {
        Environment env = TestSupport.open(dir);
        Database a = env.openDatabase("a");
        Database c = env.openDatabase("c");
        for (int i = 0; i < 5000; i++) {
            a.put(null, b("k" + i), b("v" + i));
        }
        env.checkpoint(true);
        for (int i = 5000; i < 8000; i++) {
            a.put(null, b("k" + i), b("v" + i));
        }
        a.delete(null, b("k1"));
        Transaction multi = env.beginTransaction();
        a.put(multi, b("both"), b("A"));
        c.put(multi, b("both"), b("C"));
        multi.commit();
        Transaction open = env.beginTransaction();
        a.put(open, b("uncommitted"), b("x"));
        env.openDatabase("created-after-checkpoint").put(null, b("n"), b("1"));
        env.internals().abandon();

        try (Environment again = TestSupport.open(dir)) {
            RecoveryReport r = again.recoveryReport();
            assertTrue(r.transactionsRedone() >= 3002, r.toString());
            Database a2 = again.openDatabase("a", false);
            assertEquals(7999 + 1, a2.count());
            assertEquals("v7999", s(a2.get(null, b("k7999"))));
            assertNull(a2.get(null, b("k1")));
            assertNull(a2.get(null, b("uncommitted")));
            assertEquals("A", s(a2.get(null, b("both"))));
            assertEquals("C", s(again.openDatabase("c", false).get(null, b("both"))));
            assertEquals("1", s(again.openDatabase("created-after-checkpoint", false).get(null, b("n"))));
        }
    }

    @Test
    void removedDatabasesStayRemovedAndIdsAreNotReused() {
        Environment env = TestSupport.open(dir);
        Database x = env.openDatabase("x");
        x.put(null, b("k"), b("old incarnation"));
        env.checkpoint(true);
        x.put(null, b("k2"), b("written after the checkpoint"));
        env.removeDatabase("x");
        Database y = env.openDatabase("x");
        y.put(null, b("k"), b("new incarnation"));
        env.internals().abandon();
        try (Environment again = TestSupport.open(dir)) {
            Database x2 = again.openDatabase("x", false);
            assertEquals("new incarnation", s(x2.get(null, b("k"))));
            assertNull(x2.get(null, b("k2")));
            assertEquals(1, x2.count());
        }
    }

    @Test
    void recoveryIsRepeatableAndTheSecondOpenHasNothingToDo() {
        Environment env = TestSupport.open(dir);
        Database a = env.openDatabase("a");
        for (int i = 0; i < 1000; i++) {
            a.put(null, b("k" + i), b("v" + i));
        }
        env.internals().abandon();
        Environment second = TestSupport.open(dir);
        assertEquals(1000 + 0, second.recoveryReport().transactionsRedone());
        second.internals().abandon(); // crash right after recovery's checkpoint
        try (Environment third = TestSupport.open(dir)) {
            assertEquals(0, third.recoveryReport().transactionsRedone());
            assertEquals(1000, third.openDatabase("a", false).count());
        }
    }
}
