package org.cairndb;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Point-in-time targets given more precisely than the log's commit times (whole milliseconds). */
class RecoveryTargetTest {

    @Test
    void aTimeBetweenTwoMillisecondsKeepsTheCommitsBeforeItEitherWay() {
        Instant between = Instant.ofEpochMilli(1_000).plusNanos(100_000); // 1.0001 s
        // A commit at 1,000 ms is before the target: kept by both; one at 1,001 ms is after it: kept by neither.
        assertEquals(1_000, RecoveryTarget.time(between, true).value(), "inclusive keeps commits at or before 1,000 ms");
        assertEquals(1_001, RecoveryTarget.time(between, false).value(), "exclusive keeps commits before 1,001 ms");
        Instant exact = Instant.ofEpochMilli(1_000);
        assertEquals(1_000, RecoveryTarget.time(exact, true).value());
        assertEquals(1_000, RecoveryTarget.time(exact, false).value(), "an exact millisecond is not moved");
    }
}
