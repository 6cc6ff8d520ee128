package org.cairndb.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** What {@link ChangeTimes} answers, against the latest time of the records before a position, counted directly. */
class ChangeTimesTest {

    @Test
    void answersTheLatestChangeBeforeEachPosition() {
        ChangeTimes t = new ChangeTimes();
        t.settle(100);
        t.noted(1_000, 150);
        t.noted(2_000, 140); // earlier than one before it: adds nothing
        t.noted(3_000, 200);
        assertEquals(2, t.entries());
        assertEquals(100, t.latestBefore(1_000), "a record at the position itself is not before it");
        assertEquals(150, t.latestBefore(1_001));
        assertEquals(150, t.latestBefore(3_000));
        assertEquals(200, t.latestBefore(3_001));
        assertEquals(200, t.latestBefore(3_001), "asked again after folding");
    }

    /**
     * Many changes between two checkpoints (an XA workload's prepares and rollbacks): the entries
     * stay bounded, and an answer is never earlier than exact (a later one can only make a recovery
     * to a time refuse data files, never accept ones it must not), and exact for the newest.
     */
    @Test
    void manyChangesStayBoundedAndNeverAnswerEarlierThanExact() {
        ChangeTimes t = new ChangeTimes();
        Random rnd = new Random(7);
        int n = 200_000;
        long[] lsns = new long[n];
        long[] millis = new long[n];
        long lsn = 0;
        long ms = 1;
        for (int i = 0; i < n; i++) {
            lsn += 1 + rnd.nextInt(500);
            ms += rnd.nextInt(3); // several records share a millisecond
            lsns[i] = lsn;
            millis[i] = ms;
            t.noted(lsn, ms);
        }
        assertTrue(t.entries() <= ChangeTimes.MOST, t.entries() + " entries");
        long exactMax = 0;
        int next = 0;
        for (long at = lsns[n / 2]; at <= lsn + 1; at += 997) {
            while (next < n && lsns[next] < at) {
                exactMax = Math.max(exactMax, millis[next++]);
            }
            long answer = t.latestBefore(at);
            assertTrue(answer >= exactMax, "before " + at + ": " + answer + " < " + exactMax);
        }
        assertEquals(millis[n - 1], t.latestBefore(lsn + 1));
    }
}
