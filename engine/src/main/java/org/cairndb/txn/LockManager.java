package org.cairndb.txn;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import org.cairndb.DeadlockException;
import org.cairndb.LockTimeoutException;
import org.cairndb.util.Bytes;

/**
 * Exclusive key locks, held by a transaction until it ends.
 *
 * <p>The table is split into stripes, each a hash map guarded by its own lock; a waiter parks on
 * its stripe's condition. When the owner releases, ownership passes straight to the longest
 * waiter (no barging), so a waiter is never starved.
 *
 * <p><b>Deadlocks.</b> All locks are exclusive, so a waiting transaction waits for exactly one
 * other. The wait-for graph is therefore a set of chains, and a cycle is found by following
 * "waits for the owner of" links from the requester. The requester that closes a cycle is the
 * victim: it gets a {@link DeadlockException} naming every transaction in the cycle. A waiter also
 * re-checks for a cycle when it wakes, so a cycle formed while it slept is found too. When two
 * members of one cycle see it at the same moment, only one of them becomes the victim.
 */
public final class LockManager {

    private static final int STRIPES = 64;

    /**
     * One lock: its owner and the transactions queued for it. The queue is made when the first
     * waiter arrives: most locks never have one, and an empty {@code ArrayDeque} per lock was
     * two thirds of the bytes a bulk load allocated for its locks.
     */
    private static final class Entry {
        final LockKey key;
        Txn owner;
        private ArrayDeque<Txn> waiters;

        Entry(LockKey key, Txn owner) {
            this.key = key;
            this.owner = owner;
        }

        ArrayDeque<Txn> queue() {
            if (waiters == null) {
                waiters = new ArrayDeque<>(4);
            }
            return waiters;
        }

        /** The queued transactions, in order (none if nobody ever waited). */
        Iterable<Txn> waiters() {
            return waiters == null ? List.of() : waiters;
        }

        Txn pollWaiter() {
            return waiters == null ? null : waiters.pollFirst();
        }
    }

    private static final class Stripe {
        final ReentrantLock lock = new ReentrantLock();
        final Condition changed = lock.newCondition();
        final Map<LockKey, Entry> entries = new HashMap<>();
    }

    private final Stripe[] stripes = new Stripe[STRIPES];
    /** Taken to choose a deadlock victim (see {@link #victimOfCycle}); never while waiting for a stripe. */
    private final Object victimChoice = new Object();
    private final IntFunction<String> dbNames;

    /** {@code dbNames} gives a database's name for messages. */
    public LockManager(IntFunction<String> dbNames) {
        this.dbNames = dbNames;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    private Stripe stripe(LockKey key) {
        return stripes[stripeIndex(key)];
    }

    /**
     * The stripe comes from the hash's high bits: each stripe's HashMap picks its bucket from the
     * low bits, and taking both from the same bits would put all of a stripe's keys in one bucket.
     */
    private static int stripeIndex(LockKey key) {
        return (key.hashCode() * 0x9E3779B9) >>> (32 - Integer.numberOfTrailingZeros(STRIPES));
    }

    /**
     * Locks {@code key} for {@code txn}, waiting at most {@code timeoutNanos}. Returns true if the
     * lock is new for this transaction, false if it already held it.
     */
    public boolean lock(Txn txn, LockKey key, long timeoutNanos) {
        Stripe s = stripe(key);
        s.lock.lock();
        try {
            Entry e = s.entries.get(key);
            if (e == null) {
                s.entries.put(key, new Entry(key, txn));
                return true;
            }
            if (e.owner == txn) {
                return false;
            }
            e.queue().addLast(txn);
            txn.waitingFor = e.owner;
            txn.waitingKey = key;
            try {
                long deadline = System.nanoTime() + timeoutNanos;
                while (e.owner != txn) {
                    long[] cycle = victimOfCycle(txn);
                    if (cycle != null) {
                        throw deadlock(txn, cycle);
                    }
                    txn.checkNotAbortedWhileWaiting(describe(key));
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw timeout(txn, e, timeoutNanos);
                    }
                    s.changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(500)));
                }
                return true;
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                Txn holder = e.owner;
                String held = holder == null ? "held by nobody" : "held by " + holder.describe();
                if (holder == txn) {
                    // The holder handed the lock over as the interrupt came (the await saw the
                    // interrupt first). The wait fails all the same, and the caller's roll-back
                    // releases only the locks it recorded, which this one is not: kept, it stayed
                    // with the rolled-back transaction for good. Hand it on to the next waiter.
                    releaseLocked(s, txn, key);
                    held = "just released by its holder";
                }
                throw new LockTimeoutException(txn.id(), txn.describe() + " was interrupted while it waited for "
                        + describe(key) + " " + held + "; " + txn.rolledBack());
            } finally {
                txn.waitingFor = null;
                txn.waitingKey = null;
                if (e.owner != txn) {
                    e.queue().remove(txn);
                }
            }
        } finally {
            s.lock.unlock();
        }
    }

    /** The lock of {@code key}'s stripe (for tests that must hold it to order a race). */
    java.util.concurrent.locks.ReentrantLock stripeLock(LockKey key) {
        return stripe(key).lock;
    }

    /** Takes {@code key} for {@code txn} without waiting (recovery restoring a prepared transaction). */
    public void lockNow(Txn txn, LockKey key) {
        Stripe s = stripe(key);
        s.lock.lock();
        try {
            Entry e = s.entries.get(key);
            if (e != null && e.owner != txn) {
                throw new IllegalStateException(describe(key) + " is already held by transaction " + e.owner.id());
            }
            s.entries.put(key, new Entry(key, txn));
        } finally {
            s.lock.unlock();
        }
    }

    /**
     * Releases the given locks of {@code txn}, handing each to its first waiter. Keys are grouped by
     * stripe so that a transaction holding many locks takes each stripe's lock once.
     */
    public void releaseAll(Txn txn, java.util.Collection<LockKey> keys) {
        if (keys.size() <= 4) {
            for (LockKey key : keys) {
                Stripe s = stripe(key);
                s.lock.lock();
                try {
                    releaseLocked(s, txn, key);
                } finally {
                    s.lock.unlock();
                }
            }
            return;
        }
        List<List<LockKey>> byStripe = new ArrayList<>(STRIPES);
        for (int i = 0; i < STRIPES; i++) {
            byStripe.add(null);
        }
        for (LockKey key : keys) {
            int i = stripeIndex(key);
            List<LockKey> l = byStripe.get(i);
            if (l == null) {
                l = new ArrayList<>();
                byStripe.set(i, l);
            }
            l.add(key);
        }
        for (int i = 0; i < STRIPES; i++) {
            List<LockKey> l = byStripe.get(i);
            if (l == null) {
                continue;
            }
            Stripe s = stripes[i];
            s.lock.lock();
            try {
                for (LockKey key : l) {
                    releaseLocked(s, txn, key);
                }
            } finally {
                s.lock.unlock();
            }
        }
    }

    private static void releaseLocked(Stripe s, Txn txn, LockKey key) {
        Entry e = s.entries.get(key);
        if (e == null || e.owner != txn) {
            return;
        }
        Txn next = e.pollWaiter();
        if (next == null) {
            s.entries.remove(key);
        } else {
            e.owner = next;
            for (Txn w : e.waiters()) {
                w.waitingFor = next;
            }
            s.changed.signalAll();
        }
    }

    /** Wakes {@code txn} if it is waiting for a lock (it was aborted from another thread). */
    public void wake(Txn txn) {
        LockKey key = txn.waitingKey;
        if (key == null) {
            return;
        }
        Stripe s = stripe(key);
        s.lock.lock();
        try {
            s.changed.signalAll();
        } finally {
            s.lock.unlock();
        }
    }

    /** Transactions waiting for a lock that {@code txn} holds. */
    public List<Long> waitersOf(Txn txn, Iterable<LockKey> keys) {
        List<Long> ids = new ArrayList<>();
        for (LockKey key : keys) {
            Stripe s = stripe(key);
            s.lock.lock();
            try {
                Entry e = s.entries.get(key);
                if (e != null && e.owner == txn) {
                    for (Txn w : e.waiters()) {
                        ids.add(w.id());
                    }
                }
            } finally {
                s.lock.unlock();
            }
        }
        return ids;
    }

    /** The owner of {@code key}, or null. */
    public Txn owner(LockKey key) {
        Stripe s = stripe(key);
        s.lock.lock();
        try {
            Entry e = s.entries.get(key);
            return e == null ? null : e.owner;
        } finally {
            s.lock.unlock();
        }
    }

    /** Number of locks held. */
    public int size() {
        int n = 0;
        for (Stripe s : stripes) {
            s.lock.lock();
            try {
                n += s.entries.size();
            } finally {
                s.lock.unlock();
            }
        }
        return n;
    }

    /** Follows wait-for links from {@code start}; returns the cycle through it, or null. */
    /**
     * The cycle of the wait-for graph that {@code start} closes, if {@code start} is to be its
     * victim; null if there is none, or if another member already gave up for it. Two waiters of
     * one cycle may set their links at the same moment, each under its own stripe's lock, and then
     * both see the whole cycle: the choice is made under one lock, and the first member to choose
     * becomes the victim (it is about to roll back, which breaks the cycle for the others).
     */
    private long[] victimOfCycle(Txn start) {
        synchronized (victimChoice) {
            List<Txn> cycle = findCycle(start);
            if (cycle == null) {
                return null;
            }
            for (Txn t : cycle) {
                if (t.deadlockVictim) {
                    return null;
                }
            }
            start.deadlockVictim = true;
            long[] ids = new long[cycle.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = cycle.get(i).id();
            }
            return ids;
        }
    }

    /** The transactions from {@code start} round the cycle back to it, or null if its chain has none. */
    private static List<Txn> findCycle(Txn start) {
        List<Txn> chain = new ArrayList<>();
        chain.add(start);
        Txn t = start.waitingFor;
        for (int steps = 0; t != null && steps < 10_000; steps++) {
            if (t == start) {
                return chain;
            }
            chain.add(t);
            t = t.waitingFor;
        }
        return null;
    }

    private DeadlockException deadlock(Txn victim, long[] cycle) {
        StringBuilder sb = new StringBuilder("deadlock: ");
        for (int i = 0; i < cycle.length; i++) {
            sb.append("transaction ").append(cycle[i]).append(" waits for ")
                    .append(i + 1 < cycle.length ? "transaction " + cycle[i + 1] : "transaction " + cycle[0]);
            sb.append(i + 1 < cycle.length ? ", " : "");
        }
        sb.append("; transaction ").append(victim.id()).append(" was chosen as the victim and rolled back (it wanted ")
                .append(describe(victim.waitingKey)).append(")");
        return new DeadlockException(victim.id(), cycle, sb.toString());
    }

    private LockTimeoutException timeout(Txn txn, Entry e, long timeoutNanos) {
        Txn holder = e.owner;
        return new LockTimeoutException(txn.id(), "lock timeout after " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
                + " ms: " + txn.describe() + " waited for " + describe(e.key) + " held by "
                + (holder == null ? "nobody" : holder.describe()) + "; " + txn.rolledBack());
    }

    String describe(LockKey key) {
        if (key == null) {
            return "a lock";
        }
        return "key " + Bytes.describe(key.key()) + " in database '" + dbNames.apply(key.dbId()) + "'";
    }
}
