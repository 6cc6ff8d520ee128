package org.cairndb.txn.history;

import java.util.ArrayList;
import java.util.List;
import org.cairndb.IsolationLevel;

/**
 * What a concurrent list-append run did: every transaction, each of its operations with what it
 * observed, and how the transaction ended. Each append adds an element (a number no other append
 * uses) to the comma-separated list stored under a key, so the final lists give every key's version
 * order, and an observed list names exactly the writes it saw.
 */
public final class History {

    /** A key of one database: {@code db} and {@code key} are indexes into the run's databases and keys. */
    public record Key(int db, int key) {
        @Override
        public String toString() {
            return "db" + db + "/k" + key;
        }
    }

    public enum Kind {
        /** A plain read (get). */
        GET,
        /** One key of a cursor scan; a key the scan did not meet observed the empty list. */
        SCAN,
        /** A read then a put of what it read plus one element: plain get (or getForUpdate if {@code locking}). */
        APPEND
    }

    /**
     * One operation. {@code observed} is the list read (empty for an absent key); {@code element} the
     * element an APPEND added (0 otherwise). {@code locking}: read with getForUpdate. {@code scan}
     * numbers the cursor scan a SCAN belongs to (its keys were read through one cursor). The times
     * ({@link System#nanoTime}) bracket the operation (for a SCAN, the whole scan from the opening).
     */
    public record Op(Kind kind, Key key, List<Long> observed, long element, boolean locking, int scan, long start, long end) {
        @Override
        public String toString() {
            String seen = brief(observed);
            return switch (kind) {
                case GET -> "get " + key + " = " + seen;
                case SCAN -> "scan#" + scan + " " + key + " = " + seen;
                case APPEND -> (locking ? "getForUpdate " : "get ") + key + " = " + seen + ", put +" + element;
            };
        }
    }

    /** A list as its size and last few elements: enough to follow a report. */
    static String brief(List<Long> list) {
        int n = list.size();
        return n <= 4 ? list.toString()
                : "[(" + (n - 3) + " more), " + list.subList(n - 3, n).toString().substring(1);
    }

    public enum Outcome {
        COMMITTED, USER_ABORT, WRITE_CONFLICT, DEADLOCK, LOCK_TIMEOUT, TIMEOUT, RUNNING;

        boolean committed() {
            return this == COMMITTED;
        }
    }

    /** One transaction. {@code first} is when its first operation began; {@code commitStart} when commit (or prepare) was called. */
    public static final class Txn {
        final int index;
        IsolationLevel isolation;
        final List<Op> ops = new ArrayList<>();
        volatile Outcome outcome = Outcome.RUNNING;
        volatile String failure;
        volatile boolean prepared;
        /** Whether it tried to write (an append whose read or put failed is not among its operations). */
        volatile boolean triedWrite;
        volatile long first = Long.MAX_VALUE;
        volatile long commitStart = Long.MAX_VALUE;
        volatile long commitEnd = Long.MAX_VALUE;
        volatile long engineId;

        public Txn(int index, IsolationLevel isolation) {
            this.index = index;
            this.isolation = isolation;
        }

        public void add(Op op) {
            if (ops.isEmpty()) {
                first = op.start();
            }
            ops.add(op);
        }

        public boolean writes() {
            return triedWrite || ops.stream().anyMatch(o -> o.kind() == Kind.APPEND);
        }

        @Override
        public String toString() {
            return "T" + index + " (engine txn " + engineId + ", " + isolation + ", " + outcome
                    + (prepared ? ", prepared" : "") + (failure != null ? ": " + failure : "") + ") " + ops;
        }
    }

    final List<Txn> txns;
    /** Each key's list after the run, read in one snapshot once every transaction ended. */
    final java.util.Map<Key, List<Long>> finalLists;

    public History(List<Txn> txns, java.util.Map<Key, List<Long>> finalLists) {
        this.txns = txns;
        this.finalLists = finalLists;
    }
}
