package org.cairndb.large;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery replays a transaction whole, so its heap must hold a few times the largest one: when it
 * does not, the error says which record, how large, and that a larger heap is the way out, instead
 * of a bare OutOfMemoryError. A child JVM commits a transaction of 30 MiB and crashes; a second
 * with 48 MB of heap (a size that holds the record once, not three times) is told so, and a third
 * with the heap the message asks for recovers it.
 */
class RecoveryOfALargeTransactionTest {

    @TempDir
    Path dir;

    @Test
    void aHeapTooSmallForTheLargestTransactionIsSaidSo() throws IOException, InterruptedException {
        Path home = dir.resolve("env");
        String written = child("-Xmx512m", "write", home);
        assertTrue(written.contains("committed"), written);

        String out = child("-Xmx48m", "recover", home);
        Matcher m = Pattern.compile("refused: recovery ran out of memory replaying the log at "
                + Pattern.quote(home.resolve("log").toString()) + "/log\\.\\d+ offset \\d+ \\(the last record begun, of (\\d+)"
                + " bytes\\).* in a heap of at most 48 MiB.* about 4 times the largest one.*, here at least (\\d+) MiB:"
                + " give the JVM a larger heap \\(-Xmx").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Long.parseLong(m.group(1)) > 2L * CrashedLargeTransaction.VALUE_BYTES, out);

        // The heap the message asks for is enough.
        String again = child("-Xmx" + m.group(2) + "m", "recover", home);
        assertTrue(again.contains("recovered: ") && again.contains("1 transaction redone"), again);
    }

    /**
     * A prepared transaction is restored whole and held, each write with a lock, which takes more
     * than its replay: a transaction of 200,000 small writes prepared (a 4 MB PREPARE record) is
     * replayed in 40 MB but not restored there. That ended in a bare OutOfMemoryError; the error now
     * names the transaction, its PREPARE record and the heap to give, which is enough.
     */
    @Test
    void aHeapTooSmallToRestoreAPreparedTransactionIsSaidSo() throws IOException, InterruptedException {
        Path home = dir.resolve("env");
        String written = ChildJvm.run(dir, "prepare child", "-Xmx512m", Duration.ofMinutes(2),
                CrashedPreparedTransaction.class, "prepare", home.toString(), "200000");
        assertTrue(written.contains("prepared"), written);

        String out = prepared("-Xmx40m", home);
        Matcher m = Pattern.compile("refused: recovery ran out of memory restoring prepared transaction \\d+ \\(200000 writes;"
                + " its PREPARE record is at " + Pattern.quote(home.resolve("log").toString()) + "/log\\.\\d+ offset \\d+,"
                + " of (\\d+) bytes\\), in a heap of at most 40 MiB.*, here at least (\\d+) MiB: give the JVM a larger heap"
                + " \\(-Xmx").matcher(out);
        assertTrue(m.find(), out);
        assertTrue(Long.parseLong(m.group(1)) > 200_000 * 16, out);

        String again = prepared("-Xmx" + m.group(2) + "m", home);
        assertTrue(again.contains("recovered: ") && again.contains("1 prepared restored"), again);
    }

    private String prepared(String heap, Path home) throws IOException, InterruptedException {
        return ChildJvm.run(dir, "restore child", heap, Duration.ofMinutes(2), CrashedPreparedTransaction.class, "recover",
                home.toString());
    }

    private String child(String heap, String role, Path home) throws IOException, InterruptedException {
        return ChildJvm.run(dir, role + " child", heap, Duration.ofMinutes(2), CrashedLargeTransaction.class, role,
                home.toString());
    }
}
