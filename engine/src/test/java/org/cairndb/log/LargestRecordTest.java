package org.cairndb.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A record larger than the log's 4-byte length field holds is refused by name, not sized by a wrapped int. */
class LargestRecordTest {

    /**
     * 129 puts of one shared 16 MiB value (no 2 GiB of heap needed) make a COMMIT record just over
     * 2 GiB. Its size was summed in an int and came out negative; now it is refused before the log
     * could be asked to write it.
     */
    @Test
    void aCommitRecordOverTheLimitIsRefusedNotWrapped() {
        Op put = Op.put(1, new byte[] {1}, new byte[16 << 20]);
        CommitRecord tooLarge = new CommitRecord(7, 0, 0, Collections.nCopies(129, put));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, tooLarge::size);
        assertTrue(e.getMessage().startsWith("COMMIT record of 2164261942 bytes") && e.getMessage().contains("larger than the largest the"
                + " log holds (" + LogRecord.MAX_SIZE + " bytes)"), e.getMessage());

        CommitRecord fits = new CommitRecord(7, 0, 0, Collections.nCopies(127, put));
        assertEquals(LogRecord.OVERHEAD + 16 + 1 + 127L * put.encodedSize(), fits.size());
        assertEquals(LogRecord.OVERHEAD + 16 + 1 + put.encodedSize(), new CommitRecord(7, 0, 0, List.of(put)).size());
    }
}
