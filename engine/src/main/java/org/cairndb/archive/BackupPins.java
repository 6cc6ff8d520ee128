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

        @Override
        public void close() {
            pins.remove(id);
        }
    }

    private final ConcurrentHashMap<Long, Pin> pins = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong();

    /** Pins segments from {@code segment} on, and pages freed from now on. */
    public Pin pin(long segment, String owner) {
        Pin p = new Pin(nextId.incrementAndGet(), segment, MonotonicClock.SYSTEM.millis(), owner);
        pins.put(p.id, p);
        return p;
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

    public int count() {
        return pins.size();
    }
}
