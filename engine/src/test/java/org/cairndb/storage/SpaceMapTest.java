package org.cairndb.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpaceMapTest {

    /** Frees {@code pages} at {@code pos} and lets them go through pending to free at once. */
    private static List<long[]> freeNow(SpaceMap m, long pos, int pages) {
        m.free(pos, pages, 1);
        m.collect(1, 1);
        m.stampCollected(1, 0);
        return m.release(1, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    @Test
    void aNewFileHoldsOnlyItsTwoHeaderPagesAndGrowsFirstFit() {
        SpaceMap m = new SpaceMap();
        assertEquals(2, m.pageCount());
        assertEquals(2, m.allocate(1));
        assertEquals(3, m.allocate(4));
        assertEquals(7, m.allocate(1));
        assertEquals(8, m.pageCount());
        assertEquals(8, m.usedPages());
    }

    @Test
    void aFreedPageIsReusedOnlyAfterItsGenerationIsDurableAndNoSnapshotHoldsIt() {
        SpaceMap m = new SpaceMap();
        long p = m.allocate(1);
        m.allocate(1);
        m.free(p, 1, 5);
        m.collect(5, 3);
        m.stampCollected(3, 100);
        assertTrue(m.release(2, Long.MAX_VALUE, Long.MAX_VALUE).isEmpty(), "generation 3 is not durable yet");
        assertTrue(m.release(3, 4, Long.MAX_VALUE).isEmpty(), "a snapshot older than the replacing commit holds it");
        assertTrue(m.release(3, Long.MAX_VALUE, 99).isEmpty(), "the reuse delay has not passed");
        assertEquals(1, m.release(3, Long.MAX_VALUE, 100).size());
        assertEquals(p, m.allocate(1));
    }

    /**
     * A hole too small for an extent must still serve a single page afterwards: an append used to
     * move the search start past every hole before the end, so the file grew while pages lay free.
     */
    @Test
    void aSinglePageHoleSkippedByALargerExtentIsStillReused() {
        SpaceMap m = new SpaceMap();
        for (int i = 0; i < 6; i++) {
            m.allocate(1); // pages 2..7
        }
        freeNow(m, 4, 1); // a one-page hole at 4
        assertEquals(8, m.allocate(3), "no hole of three pages: appended");
        assertEquals(4, m.allocate(1), "the one-page hole before the end serves a single page");
        assertEquals(11, m.pageCount());
    }

    @Test
    void encodeAndDecodeKeepSizeBitmapAndPendingExtents() {
        SpaceMap m = new SpaceMap();
        for (int i = 0; i < 10; i++) {
            m.allocate(1);
        }
        freeNow(m, 3, 2);
        m.free(7, 1, 9);
        m.collect(9, 4); // pending, its clock not started yet
        byte[] bytes = m.encode();
        assertEquals(m.encodedSize(0), bytes.length);
        SpaceMap d = SpaceMap.decode(ByteBuffer.wrap(bytes), 500);
        assertEquals(m.pageCount(), d.pageCount());
        assertEquals(m.usedPages(), d.usedPages());
        assertEquals(1, d.pendingExtents());
        assertTrue(d.release(0, Long.MAX_VALUE, 499).isEmpty(), "the header's time stands in for the unstamped extent");
        assertEquals(1, d.release(0, Long.MAX_VALUE, 500).size());
        assertEquals(3, d.allocate(2));
    }
}
