package org.cairndb.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cairndb.EnvironmentConfig;
import org.cairndb.log.LogRecord;
import org.cairndb.log.Op;
import org.junit.jupiter.api.Test;

/**
 * A transaction's writes are bounded by what one log record holds, not only by the keys and values
 * {@code cairn.txn.max.bytes} counts: each write takes up to 12 bytes more in the record.
 */
class TxnSizeLimitTest {

    private static long encoded(WriteSet w) {
        long n = 0;
        for (Op op : w.toOps()) {
            n += op.encodedSize();
        }
        return n;
    }

    @Test
    void theLoggedSizeFollowsPutsReplacementsAndDeletes() {
        WriteSet w = new WriteSet();
        w.put(1, new byte[] {1}, new byte[] {9, 9});
        w.put(300, new byte[] {2}, new byte[200]);
        assertEquals(encoded(w), w.loggedBytes());
        w.put(1, new byte[] {1}, WriteSet.TOMBSTONE);
        assertEquals(encoded(w), w.loggedBytes());
        w.put(1, new byte[] {1}, new byte[1000]);
        w.put(300, new byte[] {2}, WriteSet.TOMBSTONE);
        assertEquals(encoded(w), w.loggedBytes());
        w.clear();
        assertEquals(0, w.loggedBytes());
    }

    /**
     * Many small writes under the configured limit, over what a record holds (here made small):
     * refused by a message saying why, where the record's size used to wrap round.
     */
    @Test
    void manySmallWritesAreStoppedAtWhatOneRecordHolds() {
        WriteSet w = new WriteSet();
        long maxTxnBytes = 1 << 20;
        long maxLogged = 4096;
        int i = 0;
        while (TxnSizeLimit.excess(w, maxTxnBytes, maxLogged) == null) {
            w.put(1, new byte[] {(byte) (i >> 8), (byte) i}, new byte[] {1, 2});
            i++;
        }
        // 4 bytes of key and value, 8 in the record: the configured limit is far away.
        assertEquals(4L * i, w.bytes());
        assertTrue(w.loggedBytes() > maxLogged && w.loggedBytes() - 8 <= maxLogged, () -> w.loggedBytes() + "");
        String why = TxnSizeLimit.excess(w, maxTxnBytes, maxLogged);
        assertTrue(why.contains(" bytes in its log record, more than one record holds (4096; cairn.txn.max.bytes counts"),
                why);
    }

    @Test
    void theConfiguredLimitStillComesFirstForLargeValues() {
        WriteSet w = new WriteSet();
        w.put(1, new byte[] {1}, new byte[(1 << 20)]);
        assertEquals("wrote 1048577 bytes, more than the limit of 1048576 (cairn.txn.max.bytes)",
                TxnSizeLimit.excess(w, 1 << 20, TxnSizeLimit.MAX_LOGGED_BYTES));
    }

    /** The largest configurable limit, in a few large values, fits one record with its fields. */
    @Test
    void theLargestConfigurableLimitFitsOneRecord() {
        long writes = 128;
        long worstFields = 12 * writes;
        assertTrue(EnvironmentConfig.MAX_TXN_BYTES + worstFields <= TxnSizeLimit.MAX_LOGGED_BYTES);
        assertTrue(TxnSizeLimit.MAX_LOGGED_BYTES + TxnSizeLimit.RECORD_FIELDS <= LogRecord.MAX_SIZE);
        WriteSet w = new WriteSet();
        assertNull(TxnSizeLimit.excess(w, EnvironmentConfig.MAX_TXN_BYTES, TxnSizeLimit.MAX_LOGGED_BYTES));
    }
}
