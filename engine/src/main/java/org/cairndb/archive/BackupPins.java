package org.cairndb.archive;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.util.MonotonicClock;

/**
 * What running backups (and failover updates) need kept while they copy: every log segment from
 * the one they started at, and every data-file page as it was when they started. A pin holds both
 * until it is closed. Checkpoints consult {@link #oldestPinMillis()} before reusing freed pages;
 * log removal consults {@link #oldestSegment()}.
 */
public final class BackupPins {

    /** One running copy. Close it when the copy is done. */
    public final class Pin implements AutoCloseable {
        private final long id;
        private final long segment;
        private final long sinceMillis;
        private final String owner;
        private final java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        private volatile String stopReason;

        private Pin(long id, long segment, long sinceMillis, String owner) {
            this.id = id;
            this.segment = segment;
            this.sinceMillis = sinceMillis;
            this.owner = owner;
        }

        public long segment() {
            return segment;
        }

        public long sinceMillis() {
            return sinceMillis;
        }

        public String owner() {
            return owner;
        }

        /**
         * Checks that the copy may go on, after waiting {@code nanos} (a rate limit's pause), cut
         * short when it is stopped meanwhile.
         *
         * @throws IllegalStateException naming the copy and why it was stopped
         */
        public void pause(long nanos) {
            try {
                if (nanos > 0) {
                    stopped.await(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String why = stopReason;
            if (why != null) {
                throw stopped(owner, why);
            }
        }

        private void stop(String why) {
            stopReason = why;
            stopped.countDown();
        }

        @Override
        public void close() {
            synchronized (pins) {
                pins.remove(id);
                pins.notifyAll();
            }
        }
    }

    private final ConcurrentHashMap<Long, Pin> pins = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong();
    /** Why {@link #stopAll} stopped every copy (null until then). Guarded by {@link #pins}. */
    private String stopReason;

    /**
     * Pins segments from {@code segment} on, and pages freed from now on.
     *
     * @throws IllegalStateException once {@link #stopAll} was called: a copy that got past its own
     *         checks before the stop but pins after it would otherwise run on unstopped
     */
    public Pin pin(long segment, String owner) {
        synchronized (pins) {
            if (stopReason != null) {
                throw stopped(owner, stopReason);
            }
            Pin p = new Pin(nextId.incrementAndGet(), segment, MonotonicClock.SYSTEM.millis(), owner);
            pins.put(p.id, p);
            return p;
        }
    }

    /** The lowest segment any running backup needs, or {@link Long#MAX_VALUE}. */
    public long oldestSegment() {
        return oldestSegmentBesides(null);
    }

    /** The lowest segment any running backup but {@code own}'s needs, or {@link Long#MAX_VALUE}. */
    public long oldestSegmentBesides(Pin own) {
        long min = Long.MAX_VALUE;
        for (Pin p : pins.values()) {
            if (p != own) {
                min = Math.min(min, p.segment);
            }
        }
        return min;
    }

    /** When the oldest running backup began (pages freed after that stay untouched), or {@link Long#MAX_VALUE}. */
    public long oldestPinMillis() {
        long min = Long.MAX_VALUE;
        for (Pin p : pins.values()) {
            min = Math.min(min, p.sinceMillis);
        }
        return min;
    }

    /** The owner of the pin on the lowest segment besides {@code own} (may be null), for messages. */
    public String oldestOwnerBesides(Pin own) {
        Pin oldest = null;
        for (Pin p : pins.values()) {
            if (p != own && (oldest == null || p.segment < oldest.segment)) {
                oldest = p;
            }
        }
        return oldest == null ? null : oldest.owner;
    }

    /** What a copy stopped by {@link #stopAll}, or refused a pin after it, fails with. */
    private static IllegalStateException stopped(String owner, String why) {
        return new IllegalStateException(owner + " stopped unfinished: " + why + "; run it again once the environment is open");
    }

    /**
     * Tells every running copy to stop at its next chunk ({@link Pin#pause} throws from then on),
     * for a close: once the home's lock is released, another process may open it and reuse the
     * pages and remove the segments the pins were keeping. New pins are refused from then on.
     */
    public void stopAll(String why) {
        synchronized (pins) {
            stopReason = why;
            for (Pin p : pins.values()) {
                p.stop(why);
            }
        }
    }

    /** Waits until no copy holds a pin, at most {@code timeout}; false if some still does then. */
    public boolean awaitNone(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (pins) {
            while (!pins.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(pins, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return pins.isEmpty();
                }
            }
            return true;
        }
    }

    public int count() {
        return pins.size();
    }
}
