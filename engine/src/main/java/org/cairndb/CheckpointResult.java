package org.cairndb;

/**
 * What a checkpoint did.
 *
 * @param performed     false when nothing had changed since the last checkpoint and it was not forced
 * @param startLsn      where recovery now starts ({@code segment/offset})
 * @param checkpointLsn where the CHECKPOINT record went
 * @param pagesWritten  pages written to data files
 * @param bytesWritten  bytes written to data files
 * @param pagesFreed    pages made reusable
 * @param durationMillis time taken
 * @param reason        what asked for it: "api", "log volume", "time", "memory", "close", "recovery"
 */
public record CheckpointResult(boolean performed, String startLsn, String checkpointLsn, long pagesWritten,
        long bytesWritten, long pagesFreed, long durationMillis, String reason) {
}
