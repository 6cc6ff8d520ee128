package org.cairndb.rar.admin;

import javax.management.ConstructorParameters;

/** What a checkpoint did. An MXBean type: a CompositeData for JMX clients without Cairn classes. */
public final class CheckpointInfo {

    private final boolean performed;
    private final String startLsn;
    private final String checkpointLsn;
    private final long pagesWritten;
    private final long bytesWritten;
    private final long durationMillis;
    private final String reason;

    @ConstructorParameters({"performed", "startLsn", "checkpointLsn", "pagesWritten", "bytesWritten", "durationMillis", "reason"})
    public CheckpointInfo(boolean performed, String startLsn, String checkpointLsn, long pagesWritten, long bytesWritten, long durationMillis, String reason) {
        this.performed = performed;
        this.startLsn = startLsn;
        this.checkpointLsn = checkpointLsn;
        this.pagesWritten = pagesWritten;
        this.bytesWritten = bytesWritten;
        this.durationMillis = durationMillis;
        this.reason = reason;
    }

    /** False when nothing had changed and it was not forced. */
    public boolean isPerformed() {
        return performed;
    }

    /** Where recovery now starts. */
    public String getStartLsn() {
        return startLsn;
    }

    /** Where the CHECKPOINT record went. */
    public String getCheckpointLsn() {
        return checkpointLsn;
    }

    /** Pages written to data files. */
    public long getPagesWritten() {
        return pagesWritten;
    }

    /** Bytes written to data files. */
    public long getBytesWritten() {
        return bytesWritten;
    }

    /** Time taken. */
    public long getDurationMillis() {
        return durationMillis;
    }

    /** What asked for it. */
    public String getReason() {
        return reason;
    }

    @Override
    public String toString() {
        return "CheckpointInfo[performed=" + performed + ", startLsn=" + startLsn + ", checkpointLsn=" + checkpointLsn + ", pagesWritten=" + pagesWritten + ", bytesWritten=" + bytesWritten + ", durationMillis=" + durationMillis + ", reason=" + reason + "]";
    }
}
