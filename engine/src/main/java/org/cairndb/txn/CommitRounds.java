package org.cairndb.txn;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.cairndb.Durability;

/**
 * Lets the leader of a group commit wait, briefly, for the committers of the previous round before
 * it forces the log, so that they share its force instead of waiting for the next one.
 *
 * <h2>Why</h2>
 * A committer whose transaction a round publishes cannot queue its next commit during that round's
 * force: it is waiting for the force. Commits queued during the force make the next round, and
 * the committers of the round before come back only while that next round is forcing. With four
 * threads committing one record at a time, rounds therefore alternated between two pairs of
 * threads, two commits per force (2.3 measured) whatever the force's length, and the log was
 * forced about twice as often as needed, while a committer comes back a few tens of microseconds
 * after its wake-up and a force takes 150 µs to 1.3 ms on this machine.
 *
 * <h2>What the leader does</h2>
 * Each published round remembers how many SYNC committers it published ({@link #published}); each
 * of them, queueing its next commit, says so ({@link #queued}). Before forcing, the leader waits
 * until all of them are back or half the recent average force time (at most 2 ms) has passed,
 * whichever comes first ({@link #awaitReturns}); every arrival wakes it. One committer alone never
 * waits (it is the only member of its round and is back when it leads). When a wait runs out with
 * nobody back (the others finished, or do long work between commits), the next rounds do not wait:
 * 2, then 4, 8 ... up to 64 of them, so committers that do not return cost little. The wait only
 * delays a force; what is forced and published, and in which order, is unchanged.
 *
 * <p>PostgreSQL's {@code commit_delay} (with {@code commit_siblings}) and Db2's {@code mincommit}
 * make commits wait for company a time or a count set by hand, off by default; this wait needs no
 * setting, waits only for committers that have just been seen committing, and ends as soon as they
 * are back.
 */
final class CommitRounds {

    /** The longest a leader waits, whatever the force time: 2 ms. */
    private static final long MAX_WAIT_NANOS = 2_000_000;
    private static final int MAX_SKIP = 64;

    /** The round of the last transaction this thread committed with SYNC, or 0. */
    private final ThreadLocal<long[]> lastRoundOfThread = ThreadLocal.withInitial(() -> new long[1]);
    /** The id of the last published round (0 before the first). */
    private volatile long round;
    /** How many SYNC committers the last published round published. */
    private volatile int members;
    /** How many of them have queued a commit since. */
    private final AtomicInteger back = new AtomicInteger();
    private volatile Thread waitingLeader;

    // Only the leader reads and writes these (leadership is handed over through a volatile flag).
    /** Recent forces' average duration; 0 until the first. */
    private long averageForceNanos;
    private int roundsWithoutWaiting;
    private int missedWaits;
    /** Waits that ran out with nobody back, for tests. */
    private volatile long fruitlessWaits;

    /**
     * By the leader, under the apply lock, before the batch is marked published: the batch is a new
     * round, whose SYNC committers the next leader waits for.
     */
    void published(List<Txn> batch) {
        long r = round + 1;
        int n = 0;
        for (Txn t : batch) {
            if (t.requiredDurability == Durability.SYNC) {
                t.round = r;
                n++;
            }
        }
        back.set(0);
        members = n;
        round = r;
    }

    /** By a committer, once its transaction is published: the round it was in. */
    void left(Txn txn) {
        lastRoundOfThread.get()[0] = txn.round;
    }

    /** By a committer, having queued a SYNC commit: if it is back from the last round, says so. */
    void queued() {
        long[] mine = lastRoundOfThread.get();
        if (mine[0] != 0 && mine[0] == round) {
            mine[0] = 0;
            back.incrementAndGet();
            Thread leader = waitingLeader;
            if (leader != null && leader != Thread.currentThread()) {
                LockSupport.unpark(leader);
            }
        }
    }

    /** By the leader, before a force: waits for the last round's committers, briefly (see the class comment). */
    void awaitReturns() {
        int expected = members;
        if (expected <= 1 || back.get() >= expected) {
            return;
        }
        if (roundsWithoutWaiting > 0) {
            roundsWithoutWaiting--;
            return;
        }
        int before = back.get();
        long deadline = System.nanoTime() + Math.min(averageForceNanos / 2, MAX_WAIT_NANOS);
        waitingLeader = Thread.currentThread();
        try {
            long left;
            // An interrupted thread's park returns at once: it would spin until the deadline.
            while (back.get() < expected && (left = deadline - System.nanoTime()) > 0
                    && !Thread.currentThread().isInterrupted()) {
                LockSupport.parkNanos(this, left);
            }
        } finally {
            waitingLeader = null;
        }
        if (back.get() > before) {
            missedWaits = 0;
        } else {
            fruitlessWaits++;
            missedWaits = Math.min(missedWaits + 1, 6);
            roundsWithoutWaiting = Math.min(1 << missedWaits, MAX_SKIP);
        }
    }

    long fruitlessWaits() {
        return fruitlessWaits;
    }

    /** By the leader: how long a force of the log took, for the bound of the next waits. */
    void forced(long nanos) {
        averageForceNanos = averageForceNanos == 0 ? nanos : averageForceNanos + (nanos - averageForceNanos) / 8;
    }
}
