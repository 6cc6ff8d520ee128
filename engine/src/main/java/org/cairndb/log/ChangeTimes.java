package org.cairndb.log;

import java.util.ArrayDeque;

/**
 * When the log last changed the environment other than by a commit: the times of its PREPARE,
 * ABORT, DATABASE_CREATE, DATABASE_REMOVE and FORGET records, by position, so that a checkpoint can
 * write into every data file header the latest of them that lies before its start
 * ({@link #latestBefore}).
 *
 * <h2>Why</h2>
 * A recovery to a time must refuse data files that already hold something done after the time:
 * nothing can take it out again. Their last commit is in the header; the other changes were found
 * only by reading the log before the files' start, and once the segments holding it were removed
 * (the normal state of a backup some days old) a database removed after the target stayed removed,
 * and a transaction prepared before the target and rolled back after it was not in doubt again.
 * With this time in the header the recovery knows without the log.
 *
 * <p>Appends note their records in log order; a checkpoint's start only moves forward (it is the
 * end of the log or the oldest PREPARE still in doubt, and a PREPARE in doubt never becomes older),
 * so what lies before one start is folded into {@link #settled} and forgotten. Were a start ever
 * earlier than one asked for before, the answer would include records after it: later times than
 * strictly needed, which can only make a recovery to a time refuse data files it could have used,
 * never accept ones it must not. Commits are not noted: the headers hold the last commit already,
 * and noting them would put a lock on every commit's path.
 */
public final class ChangeTimes {

    /**
     * Entries kept at most: past it the two oldest become one (the older's position, the newer's
     * time), which can only make an answer later than exact, never earlier.
     */
    static final int MOST = 4096;

    /** The latest time among the records folded away (0: none). */
    private long settled;
    /** Records not yet folded, in log order: {lsn, millis}. */
    private final ArrayDeque<long[]> recent = new ArrayDeque<>();

    /** Whether a record of this type is one {@link #noted} wants. */
    public static boolean isNoted(LogRecordType type) {
        return switch (type) {
            case PREPARE, ABORT, DATABASE_CREATE, DATABASE_REMOVE, FORGET -> true;
            default -> false;
        };
    }

    /**
     * A change made at {@code millis} by the record at {@code lsn}. One no later than a change noted
     * before it adds nothing (every position after it is after that one too) and is not kept, so
     * that a busy transaction manager's prepares keep at most one entry a millisecond, and never
     * more than {@link #MOST}.
     */
    public synchronized void noted(long lsn, long millis) {
        long[] last = recent.peekLast();
        if (millis <= Math.max(settled, last == null ? 0 : last[1])) {
            return;
        }
        recent.addLast(new long[] {lsn, millis});
        if (recent.size() > MOST) {
            long oldest = recent.removeFirst()[0];
            recent.peekFirst()[0] = oldest;
        }
    }

    /** Entries kept (for tests). */
    synchronized int entries() {
        return recent.size();
    }

    /** A change made at {@code millis} before any position asked about: what a data file header tells at open. */
    public synchronized void settle(long millis) {
        settled = Math.max(settled, millis);
    }

    /** The latest time of a change made by a record before {@code lsn} (0: none known). */
    public synchronized long latestBefore(long lsn) {
        while (!recent.isEmpty() && recent.peekFirst()[0] < lsn) {
            settled = Math.max(settled, recent.removeFirst()[1]);
        }
        return settled;
    }
}
