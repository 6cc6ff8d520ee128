package org.cairndb.large;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Storage larger than memory: ten million records of 100 bytes (about 1.2 GB of data) load and read
 * back correctly in a JVM limited to 256 MB of heap. Runs {@link LargeLoad} in a child JVM so the
 * heap limit is real. Set -Dcairn.large.records to change the count.
 */
class LargeDatabaseTest {

    @TempDir
    Path dir;

    @Test
    void tenMillionRecordsIn256MegabytesOfHeap() throws IOException, InterruptedException {
        long records = Long.getLong("cairn.large.records", 10_000_000L);
        String output = ChildJvm.run(dir, "load", "-Xmx256m", Duration.ofMinutes(15), LargeLoad.class,
                dir.resolve("env").toString(), String.valueOf(records));
        assertTrue(output.contains("loaded " + records + " records"), output);
        assertTrue(output.contains("max heap 256 MB"), output);
    }
}
