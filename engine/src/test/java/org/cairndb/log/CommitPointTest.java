package org.cairndb.log;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CommitPointTest {

    private static final CommitPoint EARLY = new CommitPoint(7, 5_000, 100);
    private static final CommitPoint LATE_IN_THE_LOG_BUT_CLOCK_SET_BACK = new CommitPoint(9, 4_000, 200);
    private static final CommitPoint NO_POSITION = new CommitPoint(8, 6_000, 0);

    @Test
    void theLaterByPositionInTheLogWhenBothKnowIt() {
        assertSame(LATE_IN_THE_LOG_BUT_CLOCK_SET_BACK, CommitPoint.later(EARLY, LATE_IN_THE_LOG_BUT_CLOCK_SET_BACK));
        assertSame(LATE_IN_THE_LOG_BUT_CLOCK_SET_BACK, CommitPoint.later(LATE_IN_THE_LOG_BUT_CLOCK_SET_BACK, EARLY));
    }

    @Test
    void byTimeWhenAPositionIsMissing() {
        assertSame(NO_POSITION, CommitPoint.later(EARLY, NO_POSITION));
        assertSame(NO_POSITION, CommitPoint.later(NO_POSITION, LATE_IN_THE_LOG_BUT_CLOCK_SET_BACK));
    }

    @Test
    void anUnknownCommitNeverWinsAndATieKeepsTheFirst() {
        assertSame(EARLY, CommitPoint.later(CommitPoint.UNKNOWN, EARLY));
        assertSame(EARLY, CommitPoint.later(EARLY, CommitPoint.UNKNOWN));
        assertSame(CommitPoint.UNKNOWN, CommitPoint.later(CommitPoint.UNKNOWN, CommitPoint.UNKNOWN));
        CommitPoint sameSpot = new CommitPoint(10, 5_000, 100); // a NOT_DURABLE commit after EARLY
        assertSame(EARLY, CommitPoint.later(EARLY, sameSpot));
        assertFalse(CommitPoint.UNKNOWN.isKnown());
        assertTrue(NO_POSITION.isKnown() && !NO_POSITION.knowsLsn());
    }
}
