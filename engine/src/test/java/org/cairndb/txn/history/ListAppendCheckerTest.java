package org.cairndb.txn.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cairndb.IsolationLevel;
import org.cairndb.txn.history.History.Key;
import org.cairndb.txn.history.History.Kind;
import org.cairndb.txn.history.History.Op;
import org.cairndb.txn.history.History.Outcome;
import org.cairndb.txn.history.History.Txn;
import org.junit.jupiter.api.Test;

/**
 * The checker finds each anomaly in a small history written by hand, and only at the levels that
 * rule it out: a checker that cannot fail would make {@link IsolationHistoryTest} prove nothing.
 */
class ListAppendCheckerTest {

    private static final Key X = new Key(0, 0);
    private static final Key Y = new Key(0, 1);

    private final List<Txn> txns = new ArrayList<>();
    private final Map<Key, List<Long>> finals = new HashMap<>();

    /** A transaction whose operations all ran at time 0 and whose commit ran from 0 to 1. */
    private Txn txn(Outcome outcome, Op... ops) {
        Txn t = new Txn(txns.size() + 1, IsolationLevel.SNAPSHOT);
        for (Op op : ops) {
            t.add(op);
        }
        t.outcome = outcome;
        if (outcome == Outcome.COMMITTED) {
            t.commitStart = 0;
            t.commitEnd = 1;
        }
        txns.add(t);
        return t;
    }

    private static Op get(Key k, long... seen) {
        return new Op(Kind.GET, k, list(seen), 0, false, -1, 0, 0);
    }

    private static Op scan(int scan, Key k, long... seen) {
        return new Op(Kind.SCAN, k, list(seen), 0, false, scan, 0, 0);
    }

    private static Op append(Key k, long element, long... seen) {
        return new Op(Kind.APPEND, k, list(seen), element, false, -1, 0, 0);
    }

    private static List<Long> list(long... seen) {
        List<Long> l = new ArrayList<>();
        for (long s : seen) {
            l.add(s);
        }
        return l;
    }

    private void finals(Key k, long... list) {
        finals.put(k, list(list));
    }

    private List<String> check(IsolationLevel level) {
        txns.forEach(t -> t.isolation = level);
        return new ListAppendChecker(new History(txns, finals)).check();
    }

    private void assertFound(IsolationLevel level, String anomaly) {
        List<String> found = check(level);
        assertTrue(found.stream().anyMatch(s -> s.contains(anomaly)), level + " should report " + anomaly + ": " + found);
    }

    @Test
    void aSerialHistoryPassesEveryLevel() {
        txn(Outcome.COMMITTED, append(X, 1), get(Y));
        txn(Outcome.COMMITTED, get(X, 1), append(Y, 2), get(Y, 2));
        txn(Outcome.COMMITTED, scan(1, X, 1), scan(1, Y, 2), append(X, 3, 1), append(X, 4, 1, 3));
        finals(X, 1, 3, 4);
        finals(Y, 2);
        for (IsolationLevel level : IsolationLevel.values()) {
            assertEquals(List.of(), check(level), level.name());
        }
    }

    @Test
    void readingAnAbortedAppendIsG1a() {
        txn(Outcome.WRITE_CONFLICT, append(X, 1));
        txn(Outcome.COMMITTED, get(X, 1));
        finals(X);
        assertFound(IsolationLevel.READ_COMMITTED, "G1a");
    }

    @Test
    void readingAnEarlierOfTwoAppendsIsG1b() {
        txn(Outcome.COMMITTED, append(X, 1), append(X, 2, 1));
        txn(Outcome.COMMITTED, get(X, 1));
        finals(X, 1, 2);
        assertFound(IsolationLevel.READ_COMMITTED, "G1b");
    }

    @Test
    void twoAppendsOverOneReadLoseAnUpdate() {
        txn(Outcome.COMMITTED, append(X, 1));
        txn(Outcome.COMMITTED, append(X, 2));
        finals(X, 1, 2);
        assertFound(IsolationLevel.READ_COMMITTED, "lost update");
        finals(X, 2);
        assertFound(IsolationLevel.SNAPSHOT, "lost update");
    }

    @Test
    void notSeeingOwnAppendIsReported() {
        txn(Outcome.COMMITTED, append(X, 1), get(X));
        finals(X, 1);
        assertFound(IsolationLevel.READ_COMMITTED, "read-your-writes");
    }

    @Test
    void readSkewIsGSingleUnderSnapshotOnly() {
        txn(Outcome.COMMITTED, append(X, 1), append(Y, 2));
        txn(Outcome.COMMITTED, get(X, 1), get(Y));
        finals(X, 1);
        finals(Y, 2);
        assertEquals(List.of(), check(IsolationLevel.READ_COMMITTED));
        assertFound(IsolationLevel.SNAPSHOT, "G-single");
        assertFound(IsolationLevel.SERIALIZABLE, "G-single");
    }

    @Test
    void aScanOfTwoStatesIsGSingleUnderReadCommitted() {
        txn(Outcome.COMMITTED, append(X, 1), append(Y, 2));
        txn(Outcome.COMMITTED, scan(7, X, 1), scan(7, Y));
        finals(X, 1);
        finals(Y, 2);
        assertFound(IsolationLevel.READ_COMMITTED, "cursor scan not from one committed state");
    }

    @Test
    void aNonRepeatableReadIsReportedUnderSnapshot() {
        txn(Outcome.COMMITTED, append(X, 1));
        txn(Outcome.USER_ABORT, get(X), get(X, 1));
        finals(X, 1);
        assertEquals(List.of(), check(IsolationLevel.READ_COMMITTED));
        assertFound(IsolationLevel.SNAPSHOT, "non-repeatable read");
    }

    @Test
    void writeSkewIsG2UnderSerializableOnly() {
        txn(Outcome.COMMITTED, get(X), append(Y, 1));
        txn(Outcome.COMMITTED, get(Y), append(X, 2));
        finals(X, 2);
        finals(Y, 1);
        assertEquals(List.of(), check(IsolationLevel.SNAPSHOT));
        assertFound(IsolationLevel.SERIALIZABLE, "G2");
    }

    @Test
    void aCycleOfReadDependenciesIsG1c() {
        txn(Outcome.COMMITTED, append(X, 1), get(Y, 2));
        txn(Outcome.COMMITTED, append(Y, 2), get(X, 1));
        finals(X, 1);
        finals(Y, 2);
        assertFound(IsolationLevel.READ_COMMITTED, "G0/G1c");
    }

    @Test
    void aReadMissingACommitThatReturnedBeforeIsStale() {
        Txn w = txn(Outcome.COMMITTED, append(X, 1));
        w.commitEnd = 1;
        Txn r = new Txn(txns.size() + 1, IsolationLevel.READ_COMMITTED);
        r.add(new Op(Kind.GET, X, List.of(), 0, false, -1, 5, 6));
        r.outcome = Outcome.USER_ABORT;
        txns.add(r);
        finals(X, 1);
        assertFound(IsolationLevel.READ_COMMITTED, "stale read");
    }

    @Test
    void twoVictimsOfOneDeadlockAreReported() {
        Txn a = txn(Outcome.DEADLOCK, get(X));
        a.failure = "deadlock: transaction 7 waits for transaction 9, transaction 9 waits for transaction 7; transaction 7 was"
                + " chosen as the victim and rolled back";
        Txn b = txn(Outcome.DEADLOCK, get(Y));
        b.failure = "deadlock: transaction 9 waits for transaction 7, transaction 7 waits for transaction 9; transaction 9 was"
                + " chosen as the victim and rolled back";
        finals(X);
        finals(Y);
        assertFound(IsolationLevel.SNAPSHOT, "two victims of one deadlock");
    }

    @Test
    void aSnapshotReadOfACommitBegunAfterTheFirstOperationIsLate() {
        Txn w = txn(Outcome.COMMITTED, append(X, 1));
        w.commitStart = 10;
        w.commitEnd = 11;
        Txn r = new Txn(txns.size() + 1, IsolationLevel.SNAPSHOT);
        r.add(new Op(Kind.GET, Y, List.of(), 0, false, -1, 5, 6));
        r.add(new Op(Kind.GET, X, List.of(1L), 0, false, -1, 20, 21));
        r.outcome = Outcome.USER_ABORT;
        txns.add(r);
        finals(X, 1);
        assertEquals(List.of(), check(IsolationLevel.READ_COMMITTED));
        assertFound(IsolationLevel.SNAPSHOT, "late snapshot");
    }
}
