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
 * A transaction larger than the log buffer gets a buffer of its own size for its COMMIT record;
 * once the record is written that buffer must be given back. Kept (it became the spare buffer,
 * and the next large record could make the other one as large) it held the largest transactions
 * ever committed for as long as the environment stayed open: 35 MB in use here instead of 8, up
 * to 128 MB after transactions at the 64 MiB limit. A child JVM (its heap its own, 256 MB so that
 * the old code did not fail but showed what it kept) measures what is still in use once its
 * transactions are committed and checkpointed, with an 8 MiB cache.
 */
class LogBufferAfterLargeTransactionsTest {

    @TempDir
    Path dir;

    @Test
    void theBufferOfALargeCommitIsGivenBack() throws IOException, InterruptedException {
        String out = ChildJvm.run(dir, "large transactions", "-Xmx256m", Duration.ofMinutes(2), LargeTransactions.class,
                dir.resolve("env").toString());
        Matcher m = Pattern.compile("retained (\\d+) MB").matcher(out);
        assertTrue(m.find(), out);
        long retained = Long.parseLong(m.group(1));
        // The cache (8 MiB at most) and the environment's structures: 8 MB; a kept 30 MB buffer is 35.
        assertTrue(retained < 20, "still in use after the commits: " + retained + " MB\n" + out);
    }
}
