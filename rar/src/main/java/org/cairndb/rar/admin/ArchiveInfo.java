package org.cairndb.rar.admin;

import javax.management.ConstructorParameters;

/** Continuous log archiving as the admin sees it. An MXBean type: a CompositeData for JMX clients without Cairn classes. */
public final class ArchiveInfo {

    private final boolean enabled;
    private final String directory;
    private final long lastArchivedSegment;
    private final long lagSegments;
    private final long failures;
    private final String lastError;
    private final String lastArchivedTime;

    @ConstructorParameters({"enabled", "directory", "lastArchivedSegment", "lagSegments", "failures", "lastError", "lastArchivedTime"})
    public ArchiveInfo(boolean enabled, String directory, long lastArchivedSegment, long lagSegments, long failures, String lastError, String lastArchivedTime) {
        this.enabled = enabled;
        this.directory = directory;
        this.lastArchivedSegment = lastArchivedSegment;
        this.lagSegments = lagSegments;
        this.failures = failures;
        this.lastError = lastError;
        this.lastArchivedTime = lastArchivedTime;
    }

    /** Whether continuous archiving is on. */
    public boolean isEnabled() {
        return enabled;
    }

    /** Where finished segments are copied. */
    public String getDirectory() {
        return directory;
    }

    /** Highest segment archived with every one before it (0: none). */
    public long getLastArchivedSegment() {
        return lastArchivedSegment;
    }

    /** Finished segments not archived yet. */
    public long getLagSegments() {
        return lagSegments;
    }

    /** Failed attempts since open. */
    public long getFailures() {
        return failures;
    }

    /** The last failure, or null. */
    public String getLastError() {
        return lastError;
    }

    /** When the last segment was archived (ISO-8601), or null. */
    public String getLastArchivedTime() {
        return lastArchivedTime;
    }

    @Override
    public String toString() {
        return "ArchiveInfo[enabled=" + enabled + ", directory=" + directory + ", lastArchivedSegment=" + lastArchivedSegment + ", lagSegments=" + lagSegments + ", failures=" + failures + ", lastError=" + lastError + ", lastArchivedTime=" + lastArchivedTime + "]";
    }
}
