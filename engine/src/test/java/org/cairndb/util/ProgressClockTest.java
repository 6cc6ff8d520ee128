package org.cairndb.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressClockTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final ProgressClock clock = new ProgressClock(3_000, 1_000, now::get);

    @Test
    void aReportIsDueOnceAnIntervalHasPassedSinceTheLast() {
        now.set(3_999);
        assertFalse(clock.due(false), "within the first interval from the start");
        now.set(4_000);
        assertTrue(clock.due(false));
        assertEquals(3_000, clock.elapsedMillis());
        now.set(6_999);
        assertFalse(clock.due(false), "counted from the last report, not the start");
        now.set(7_500);
        assertTrue(clock.due(false));
        assertEquals(6_500, clock.elapsedMillis());
    }

    @Test
    void anEndOfPhaseIsAlwaysDueAndRestartsTheInterval() {
        now.set(1_200);
        assertTrue(clock.due(true));
        assertEquals(200, clock.elapsedMillis());
        now.set(4_100);
        assertFalse(clock.due(false), "3,000 ms from the forced report, not from the start");
        now.set(4_200);
        assertTrue(clock.due(false));
    }

    @Test
    void aReportNotDueLeavesTheElapsedTimeOfTheLastOne() {
        now.set(5_000);
        assertTrue(clock.due(false));
        now.set(6_000);
        assertFalse(clock.due(false));
        assertEquals(4_000, clock.elapsedMillis());
    }
}
