package org.cairndb.rar.admin;

import javax.management.ConstructorParameters;

/** What a hot backup, backup update or failover update did. An MXBean type: a CompositeData for JMX clients without Cairn classes. */
public final class BackupInfo {

    private final String directory;
    private final int filesCopied;
    private final long bytesCopied;
    private final long durationMillis;
    private final String startLsn;
    private final String endLsn;
    private final String recoveryReport;

    @ConstructorParameters({"directory", "filesCopied", "bytesCopied", "durationMillis", "startLsn", "endLsn", "recoveryReport"})
    public BackupInfo(String directory, int filesCopied, long bytesCopied, long durationMillis, String startLsn, String endLsn, String recoveryReport) {
        this.directory = directory;
        this.filesCopied = filesCopied;
        this.bytesCopied = bytesCopied;
        this.durationMillis = durationMillis;
        this.startLsn = startLsn;
        this.endLsn = endLsn;
        this.recoveryReport = recoveryReport;
    }

    /** The backup directory. */
    public String getDirectory() {
        return directory;
    }

    /** Files copied (unchanged ones not counted). */
    public int getFilesCopied() {
        return filesCopied;
    }

    /** Bytes copied. */
    public long getBytesCopied() {
        return bytesCopied;
    }

    /** Time taken, recovery included. */
    public long getDurationMillis() {
        return durationMillis;
    }

    /** First LSN the backup holds. */
    public String getStartLsn() {
        return startLsn;
    }

    /** Log end the copy reached. */
    public String getEndLsn() {
        return endLsn;
    }

    /** What recovery of the copy did, or null. */
    public String getRecoveryReport() {
        return recoveryReport;
    }

    @Override
    public String toString() {
        return "BackupInfo[directory=" + directory + ", filesCopied=" + filesCopied + ", bytesCopied=" + bytesCopied + ", durationMillis=" + durationMillis + ", startLsn=" + startLsn + ", endLsn=" + endLsn + ", recoveryReport=" + recoveryReport + "]";
    }
}
