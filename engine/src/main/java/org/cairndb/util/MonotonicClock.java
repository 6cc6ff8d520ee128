package org.cairndb.util;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Wall-clock milliseconds that never go backwards. Running backups are pinned with this clock and
 * the pages a checkpoint frees are stamped with it; a freed page is reused only when its stamp lies
 * before the oldest pin (see {@code EnvironmentImpl}'s reuse bound). Were the system clock stepped
 * back between a backup's pin and a later checkpoint (a correction by NTP, a virtual machine
 * resumed), that checkpoint's stamp would read as earlier than the pin, and the next checkpoint
 * would overwrite pages the running copy still needs. This clock holds still instead until the wall
 * clock has caught up again: the reuse delay then lasts longer by the step, which only keeps pages
 * longer.
 */
public final class MonotonicClock {

    /** The system's wall clock, never going backwards within this JVM. */
    public static final MonotonicClock SYSTEM = new MonotonicClock(System::currentTimeMillis);

    private final LongSupplier wall;
    private final AtomicLong last = new AtomicLong(Long.MIN_VALUE);

    /** @param wall the clock it follows whenever that clock is not behind a time already given out */
    public MonotonicClock(LongSupplier wall) {
        this.wall = wall;
    }

    /** Milliseconds since the epoch, at least as late as any this clock returned before. */
    public long millis() {
        return last.accumulateAndGet(wall.getAsLong(), Math::max);
    }
}
