package org.cairndb.backup;

import org.cairndb.util.Counted;

/**
 * Where a backup or failover update stands.
 *
 * @param phase        "data files", "log", "recovery", "manifest" or "done"
 * @param files        files copied so far
 * @param bytes        bytes copied so far
 * @param elapsedMillis time since the copy began
 */
public record BackupProgress(String phase, int files, long bytes, long elapsedMillis) {

    public double megabytesPerSecond() {
        return elapsedMillis == 0 ? 0 : bytes / 1e6 / (elapsedMillis / 1000.0);
    }

    @Override
    public String toString() {
        return String.format("%s: %s, %.1f MB, %.1f MB/s", phase, Counted.of(files, "file"), bytes / 1e6, megabytesPerSecond());
    }
}
