package org.cairndb.recovery;

import java.nio.file.Path;
import org.cairndb.EnvironmentFailureException;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;

/**
 * What recovery says when the heap is too small for it. Its memory is bounded by the cache for
 * any length of log, but a transaction is replayed whole: its COMMIT (or PREPARE) record is read
 * whole, its values decoded from it, then applied to the trees while the next record is read, so
 * that a record of N bytes takes some 3N of heap besides the cache. A bare OutOfMemoryError said
 * none of this: neither which record, nor that a larger heap is the way out. Transactions still
 * prepared at the end are then restored and held, a lock for each write, which takes more than their
 * replay when they hold many writes ({@link #restoring}).
 */
final class OutOfMemoryInRecovery {

    private OutOfMemoryInRecovery() {
    }

    /**
     * @param logDir      the log directory replayed
     * @param lastLsn     the last record begun, or {@link Lsn#NULL} before the first
     * @param lastSize    its size in bytes
     * @param largestSize the largest record met
     * @param largestLsn  where it is
     * @param cacheBytes  the environment's cache size
     */
    static EnvironmentFailureException of(OutOfMemoryError e, Path logDir, long lastLsn, int lastSize, int largestSize,
            long largestLsn, long cacheBytes) {
        long maxHeap = Runtime.getRuntime().maxMemory();
        String where = lastLsn == Lsn.NULL ? "at its start (" + logDir + ")"
                : "at " + place(logDir, lastLsn) + " (the last record begun, of " + lastSize + " bytes)";
        String largest = largestSize > lastSize ? "; the largest record met was " + largestSize + " bytes, at "
                + place(logDir, largestLsn) : "";
        long needed = needed(Math.max(largestSize, lastSize), cacheBytes);
        return new EnvironmentFailureException("recovery ran out of memory replaying the log " + where + largest
                + ", in a heap of at most " + mib(maxHeap) + " with a cache of " + mib(cacheBytes)
                + ". Recovery replays each transaction whole and needs about 4 times the largest one (at most"
                + " cairn.txn.max.bytes) besides the cache"
                + (needed > maxHeap ? ", here at least " + mib(needed) : "")
                + (cacheBytes > maxHeap / 2 ? "; the cache takes more than half of the heap (cairn.cache.size)" : "")
                + ": give the JVM a larger heap (-Xmx; for the cairn command CAIRN_JAVA_OPTS) and open it again."
                + " What recovery had written so far is consistent: it starts again from the last checkpoint", e);
    }

    /**
     * Memory a restored prepared transaction holds for each of its writes besides the bytes of its
     * PREPARE record: the decoded write (its key and value arrays), its entry in the write set, its
     * lock and the lock's entry in the lock table. Measured: a transaction of 1,000,000 writes of
     * 8-byte keys and values (a 20 MB PREPARE) is restored in 256 MB, not in 192 MB.
     */
    static final long BYTES_PER_RESTORED_WRITE = 200;

    /**
     * @param txnId      the prepared transaction being restored
     * @param writes     its writes
     * @param lsn        its PREPARE record
     * @param size       that record's size in bytes
     * @param restored   prepared transactions restored before it
     * @param prepared   prepared transactions to restore in all
     * @param allWrites  their writes in all
     * @param allBytes   the bytes of their PREPARE records in all
     * @param cacheBytes the environment's cache size
     */
    static EnvironmentFailureException restoring(OutOfMemoryError e, Path logDir, long txnId, int writes, long lsn,
            int size, int restored, int prepared, long allWrites, long allBytes, long cacheBytes) {
        long maxHeap = Runtime.getRuntime().maxMemory();
        long needed = neededToRestore(allWrites, allBytes, cacheBytes);
        return new EnvironmentFailureException("recovery ran out of memory restoring prepared transaction " + txnId
                + " (" + writes + " writes; its PREPARE record is at " + place(logDir, lsn) + ", of " + size + " bytes)"
                + (prepared > 1 ? ", " + restored + " of the " + prepared + " prepared transactions (" + allWrites
                        + " writes, PREPARE records of " + allBytes + " bytes) restored" : "")
                + ", in a heap of at most " + mib(maxHeap) + " with a cache of " + mib(cacheBytes)
                + ". A prepared (in-doubt) transaction is restored whole and held in memory, with a lock on each key"
                + " it writes, until its outcome is decided: about " + BYTES_PER_RESTORED_WRITE + " bytes a write"
                + " besides twice its PREPARE record, and the cache"
                + (needed > maxHeap ? ", here at least " + mib(needed) : "")
                + ": give the JVM a larger heap (-Xmx; for the cairn command CAIRN_JAVA_OPTS) and open it again."
                + " What recovery had written so far is consistent: it starts again from the last checkpoint", e);
    }

    /**
     * The heap to suggest for restoring prepared transactions of {@code writes} writes in PREPARE
     * records of {@code bytes} bytes: that many writes' worth and twice the records (read, then
     * decoded) besides the cache, and at least 4/3 of that, what it comes to when the cache is the
     * default quarter of the heap; and at least what replaying the records takes.
     */
    static long neededToRestore(long writes, long bytes, long cacheBytes) {
        long held = writes * BYTES_PER_RESTORED_WRITE + 2 * bytes;
        return Math.max(Math.max(held + cacheBytes, (4 * held + 2) / 3), needed(bytes, cacheBytes));
    }

    /**
     * The heap to suggest for transactions of up to {@code largest} bytes: 4 times that besides the
     * cache, and at least 16/3 of it, what that comes to when the cache is the default quarter of
     * the heap (so that following the advice with a default cache is not refused again).
     */
    static long needed(long largest, long cacheBytes) {
        return Math.max(4 * largest + cacheBytes, (16 * largest + 2) / 3);
    }

    private static String place(Path logDir, long lsn) {
        return logDir.resolve(SegmentFiles.name(Lsn.segment(lsn))) + " offset " + Lsn.offset(lsn);
    }

    private static String mib(long bytes) {
        return ((bytes + (1 << 20) - 1) >> 20) + " MiB";
    }
}
