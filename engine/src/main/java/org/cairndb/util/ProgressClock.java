package org.cairndb.util;

import java.util.function.LongSupplier;

/**
 * When a long operation (a hot backup, a verify) tells its listener where it stands: whenever asked
 * to (the end of a phase), and otherwise at most once an interval, so that a copy of many small
 * files does not report after every one. Not thread-safe: one operation, one thread.
 */
public final class ProgressClock {

    private final long intervalMillis;
    private final long startMillis;
    private final LongSupplier clock;
    private long lastMillis;

    /** Reports due every {@code intervalMillis} from {@code startMillis} (wall-clock ms, when the operation began). */
    public ProgressClock(long intervalMillis, long startMillis) {
        this(intervalMillis, startMillis, System::currentTimeMillis);
    }

    /** As above, reading the time from {@code clock} (ms). */
    public ProgressClock(long intervalMillis, long startMillis, LongSupplier clock) {
        this.intervalMillis = intervalMillis;
        this.startMillis = startMillis;
        this.clock = clock;
        this.lastMillis = startMillis;
    }

    /**
     * Whether a report is due now: always when {@code always}, else when the interval has passed
     * since the last report that was due (or the start). A true answer counts as a report made now.
     */
    public boolean due(boolean always) {
        long now = clock.getAsLong();
        if (!always && now - lastMillis < intervalMillis) {
            return false;
        }
        lastMillis = now;
        return true;
    }

    /** Milliseconds from the start to the last report that was due: the time the report gives. */
    public long elapsedMillis() {
        return lastMillis - startMillis;
    }
}
