package org.cairndb.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MonotonicClockTest {

    @Test
    void holdsStillWhileTheWallClockIsSteppedBackAndFollowsItOnceItCatchesUp() {
        AtomicLong wall = new AtomicLong(10_000);
        MonotonicClock clock = new MonotonicClock(wall::get);
        assertEquals(10_000, clock.millis());
        wall.set(10_005);
        assertEquals(10_005, clock.millis());
        wall.set(4_000); // stepped back
        assertEquals(10_005, clock.millis(), "a backup pinned at 10,005 must not see later stamps as earlier");
        wall.set(10_004);
        assertEquals(10_005, clock.millis());
        wall.set(10_020);
        assertEquals(10_020, clock.millis());
    }

    @Test
    void theSystemClockNeverGoesBackwards() {
        long previous = MonotonicClock.SYSTEM.millis();
        for (int i = 0; i < 10_000; i++) {
            long now = MonotonicClock.SYSTEM.millis();
            assertTrue(now >= previous, now + " after " + previous);
            previous = now;
        }
    }
}
