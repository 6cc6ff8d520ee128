package org.cairndb;

/**
 * A snapshot of an environment's counters, as shown by {@code cairn stat} and the admin MBean.
 *
 * @param commits              transactions committed since open
 * @param aborts               transactions rolled back since open
 * @param conflicts            write conflicts and serialization failures since open
 * @param activeTransactions   transactions begun and not yet ended
 * @param preparedTransactions prepared (in-doubt) transactions
 * @param locksHeld            key locks held
 * @param logEndLsn            where the next log record goes
 * @param logDurableLsn        the log is forced up to here
 * @param logSegment           number of the segment being written
 * @param logBytesWritten      log bytes appended since open
 * @param logForces            forces (fsyncs) of the log since open
 * @param checkpoints          checkpoints since open
 * @param lastCheckpointMillis time of the last checkpoint (ms since the epoch)
 * @param lastCheckpointLsn    LSN of the last CHECKPOINT record
 * @param recoveryStartLsn     where recovery would start now
 * @param cacheCapacity        page cache size in bytes
 * @param cacheUsed            bytes of clean pages cached
 * @param dirtyBytes           bytes of pages waiting for a checkpoint
 * @param cacheHits            lookups of checkpointed pages served from the cache (a page changed since
 *                             the last checkpoint is always in memory, reached without a lookup, and not counted)
 * @param cacheMisses          lookups of checkpointed pages that read the disk
 * @param databases            number of databases
 * @param archive              continuous archiving's status
 * @param runningBackups       hot backups and failover updates copying right now
 */
public record EnvironmentStats(long commits, long aborts, long conflicts, int activeTransactions,
        int preparedTransactions, int locksHeld, String logEndLsn, String logDurableLsn, long logSegment,
        long logBytesWritten, long logForces, long checkpoints, long lastCheckpointMillis, String lastCheckpointLsn,
        String recoveryStartLsn, long cacheCapacity, long cacheUsed, long dirtyBytes, long cacheHits, long cacheMisses,
        int databases, ArchiveStatus archive, int runningBackups) {

    /** Fraction of page lookups served from the cache (1.0 when there were none). */
    public double cacheHitRatio() {
        long total = cacheHits + cacheMisses;
        return total == 0 ? 1.0 : (double) cacheHits / total;
    }
}
