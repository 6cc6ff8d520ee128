package org.cairndb.large;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Normal recovery's memory is bounded by the cache, not by the log it replays: a child JVM commits
 * a load whose log is larger than the heap that then recovers it, and crashes before any
 * checkpoint; a second child with 96 MB of heap and a 24 MB cache replays the whole log (its
 * pages, and the slabs holding the replayed values, given back by checkpoints on the way) and
 * finds every record. Set -Dcairn.large.crash.records to change the count.
 */
class RecoveryInASmallHeapTest {

    @TempDir
    Path dir;

    @Test
    void aLogLargerThanTheHeapIsReplayedInIt() throws IOException, InterruptedException {
        long records = Long.getLong("cairn.large.crash.records", 900_000L);
        Path home = dir.resolve("env");
        String written = child("-Xmx1g", "write", home, records);
        assertTrue(written.contains("committed " + records + " records; 0 checkpoints during the load"), written);
        long logBytes;
        try (var files = Files.list(home.resolve("log"))) {
            logBytes = files.mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(logBytes > 100L << 20, "log of only " + (logBytes >> 20) + " MB");

        String recovered = child("-Xmx96m", "recover", home, records);
        assertTrue(recovered.contains("max heap 96 MB"), recovered);
        Matcher m = Pattern.compile("(\\d+) transactions redone").matcher(recovered);
        assertTrue(m.find(), recovered);
        assertEquals((records + 9_999) / 10_000, Long.parseLong(m.group(1)), recovered);
    }

    private String child(String heap, String role, Path home, long records) throws IOException, InterruptedException {
        return ChildJvm.run(dir, role + " child", heap, Duration.ofMinutes(10), CrashedLoad.class, role, home.toString(),
                String.valueOf(records));
    }
}
