package org.cairndb.backup;

import java.util.function.Consumer;

/**
 * How to take a hot backup ({@code cairn hotbackup}).
 *
 * @param checkpointFirst {@code -c}: checkpoint before copying, so the backup needs less log
 * @param update          {@code -u}: bring an existing backup forward by copying the new log segments only
 * @param splitLayout     {@code -D}: keep the {@code data/} and {@code log/} directories; otherwise
 *                        data files and segments go side by side in the target (Berkeley DB's default)
 * @param recover         run catastrophic recovery on the copy afterwards (default; {@code --no-recover} turns it off)
 * @param maxRateMBps     {@code --max-rate}: copy at most this many MB per second (0: no limit)
 * @param progress        receives progress every few seconds and at the end (may be null)
 */
public record BackupOptions(boolean checkpointFirst, boolean update, boolean splitLayout, boolean recover,
        double maxRateMBps, Consumer<BackupProgress> progress) {

    public static BackupOptions defaults() {
        return new BackupOptions(false, false, false, true, 0, null);
    }

    public BackupOptions withUpdate(boolean u) {
        return new BackupOptions(checkpointFirst, u, splitLayout, recover, maxRateMBps, progress);
    }

    public BackupOptions withCheckpointFirst(boolean c) {
        return new BackupOptions(c, update, splitLayout, recover, maxRateMBps, progress);
    }

    public BackupOptions withSplitLayout(boolean d) {
        return new BackupOptions(checkpointFirst, update, d, recover, maxRateMBps, progress);
    }

    public BackupOptions withRecover(boolean r) {
        return new BackupOptions(checkpointFirst, update, splitLayout, r, maxRateMBps, progress);
    }

    public BackupOptions withMaxRate(double mbps) {
        return new BackupOptions(checkpointFirst, update, splitLayout, recover, mbps, progress);
    }

    public BackupOptions withProgress(Consumer<BackupProgress> p) {
        return new BackupOptions(checkpointFirst, update, splitLayout, recover, maxRateMBps, p);
    }
}
