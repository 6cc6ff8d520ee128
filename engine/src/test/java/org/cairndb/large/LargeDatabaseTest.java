package org.cairndb.large;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path out = dir.resolve("child.out");
        Process p = new ProcessBuilder(List.of(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                LargeLoad.class.getName(), dir.resolve("env").toString(), String.valueOf(records)))
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean finished = p.waitFor(15, TimeUnit.MINUTES);
        if (!finished) {
            p.destroyForcibly();
        }
        String output = Files.readString(out);
        assertTrue(finished, "the load did not finish in 15 minutes:\n" + output);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("loaded " + records + " records"), output);
        assertTrue(output.contains("max heap 256 MB"), output);
    }
}
