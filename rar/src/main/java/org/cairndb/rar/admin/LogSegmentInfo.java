package org.cairndb.rar.admin;

import java.util.List;
import javax.management.ConstructorParameters;

/** One log segment and why it is kept. An MXBean type: a CompositeData for JMX clients without Cairn classes. */
public final class LogSegmentInfo {

    private final long segment;
    private final String path;
    private final long size;
    private final boolean archivable;
    private final List<String> reasons;

    @ConstructorParameters({"segment", "path", "size", "archivable", "reasons"})
    public LogSegmentInfo(long segment, String path, long size, boolean archivable, List<String> reasons) {
        this.segment = segment;
        this.path = path;
        this.size = size;
        this.archivable = archivable;
        this.reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }

    /** Segment number. */
    public long getSegment() {
        return segment;
    }

    /** Absolute path. */
    public String getPath() {
        return path;
    }

    /** Bytes. */
    public long getSize() {
        return size;
    }

    /** True when nothing needs it any more. */
    public boolean isArchivable() {
        return archivable;
    }

    /** Why it is kept. */
    public List<String> getReasons() {
        return reasons;
    }

    @Override
    public String toString() {
        return "LogSegmentInfo[segment=" + segment + ", path=" + path + ", size=" + size + ", archivable=" + archivable + ", reasons=" + reasons + "]";
    }
}
