package org.cairndb.large;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Updating a hot backup recovers the copy beside the open environment, so its cache must leave
 * room in the heap for the environment's own. It was a fixed 64 MiB: in a 64 MB heap, where the
 * environment itself recovers the same log, the update ran out of memory replaying 1 KB records.
 * A child JVM writes 80,000 of them after a first backup; a second, with 64 MB of heap, updates
 * the backup.
 */
class BackupUpdateInASmallHeapTest {

    @TempDir
    Path dir;

    @Test
    void aBackupUpdateReplaysWithinTheHeap() throws IOException, InterruptedException {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        String written = ChildJvm.run(dir, "write child", "-Xmx512m", Duration.ofMinutes(2), BackupUpdateOfManyRecords.class,
                "write", home.toString(), backup.toString(), "80000");
        assertTrue(written.contains("written"), written);
        String updated = ChildJvm.run(dir, "update child", "-Xmx64m", Duration.ofMinutes(2),
                BackupUpdateOfManyRecords.class, "update", home.toString(), backup.toString());
        assertTrue(updated.contains("updated: "), updated);
    }
}
