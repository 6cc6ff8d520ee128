package org.cairndb;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.cairndb.util.Timeouts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Settings at their limits: refused in one line naming them, or accepted and working. */
class EnvironmentConfigTest {

    @TempDir
    Path dir;

    private static IllegalArgumentException refused(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        return assertThrows(IllegalArgumentException.class,
                () -> new EnvironmentConfig().withProperties(p, "cairn.properties"));
    }

    /**
     * A switch set to something else says which words it takes: "not true or false" refused
     * {@code 1} while {@code yes} and {@code on} were silently accepted, so an admin could not
     * tell which spellings work.
     */
    @Test
    void aSwitchSetToAnotherWordSaysWhichWordsItTakes() {
        assertTrue(refused("cairn.archive.enabled", "1").getMessage().endsWith(
                "cairn.archive.enabled=1: not true or false (yes/no and on/off are accepted too)"), () -> refused(
                        "cairn.archive.enabled", "1").getMessage());
        Properties p = new Properties();
        p.setProperty("cairn.archive.enabled", "On");
        p.setProperty("cairn.checkpointer.enabled", "no");
        EnvironmentConfig c = new EnvironmentConfig().withProperties(p, "cairn.properties");
        assertTrue(c.archiveEnabled());
        assertTrue(!c.checkpointerEnabled());
    }

    /** An unknown setting lists the known ones in order: the list came in a different order each run. */
    @Test
    void anUnknownSettingListsTheKnownOnesInOrder() {
        String m = refused("cairn.cache.sise", "1m").getMessage();
        String list = m.substring(m.indexOf('[') + 1, m.indexOf(']'));
        java.util.List<String> keys = java.util.Arrays.asList(list.split(", "));
        java.util.List<String> sorted = new java.util.ArrayList<>(keys);
        java.util.Collections.sort(sorted);
        org.junit.jupiter.api.Assertions.assertEquals(sorted, keys, m);
        org.junit.jupiter.api.Assertions.assertEquals(EnvironmentConfig.PROPERTY_KEYS.size(), keys.size(), m);
    }

    /** Values too large for their type used to fail with a bare "integer overflow" or "long overflow". */
    @Test
    void valuesThatOverflowAreNamedLikeAnyBadValue() {
        for (String[] kv : new String[][] {{"cairn.page.size", "4g"}, {"cairn.log.buffer.size", "4g"},
                {"cairn.log.buffer.size", "-4g"}, {"cairn.checkpoint.minutes", "999999999999999999"},
                {"cairn.checkpoint.kbytes", "9223372036854775807"}}) {
            IllegalArgumentException e = refused(kv[0], kv[1]);
            assertTrue(e.getMessage().startsWith("cairn.properties: " + kv[0] + "=" + kv[1] + ": "), e.getMessage());
        }
        assertTrue(refused("cairn.page.size", "4g").getMessage().contains("page size 4294967296 is out of range"));
        // Allocated whole at open: 1.5 GiB fits an int and failed the open with an OutOfMemoryError.
        assertTrue(refused("cairn.log.buffer.size", "1536m").getMessage().contains("log buffer size 1610612736 is outside"
                + " 64 KiB .. 1 GiB"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EnvironmentConfig().checkpointMinutes(Long.MAX_VALUE));
        assertTrue(e.getMessage().contains("checkpoint minutes") && e.getMessage().contains("36500 days"), e.getMessage());
    }

    /**
     * A checkpoint interval or page reuse delay too long for a long of milliseconds was accepted;
     * the interval then killed the background thread (no more checkpoints, no transaction
     * timeouts), the delay failed the open with "long overflow". Now both are bounded as timeouts
     * are, and the longest accepted works.
     */
    @Test
    void durationsTooLongForMillisecondsAreRefusedAndTheLongestAcceptedWorks() throws Exception {
        Duration tooLong = Duration.ofSeconds(Long.MAX_VALUE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EnvironmentConfig().checkpointInterval(tooLong));
        assertTrue(e.getMessage().startsWith("checkpoint interval of PT") && e.getMessage().contains("36500 days"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new EnvironmentConfig().pageReuseDelay(tooLong));
        assertTrue(e.getMessage().startsWith("page reuse delay of PT"), e.getMessage());
        assertTrue(refused("cairn.page.reuse.delay", "9223372036854775807s").getMessage()
                .startsWith("cairn.properties: cairn.page.reuse.delay=9223372036854775807s: page reuse delay of"));
        e = assertThrows(IllegalArgumentException.class, () -> new EnvironmentConfig().checkpointKBytes(Long.MAX_VALUE));
        assertTrue(e.getMessage().contains("checkpoint kbytes"), e.getMessage());

        EnvironmentConfig longest = TestSupport.config().checkpointerEnabled(true).checkpointInterval(Timeouts.MAX)
                .pageReuseDelay(Timeouts.MAX).checkpointKBytes(Long.MAX_VALUE / 1024);
        try (Environment env = Environment.open(dir, longest)) {
            Database db = env.openDatabase("d");
            db.put(null, b("k"), b("v"));
            assertTrue(env.checkpoint(true).performed());
            Transaction t = env.beginTransaction(new TransactionConfig().timeout(Duration.ofMillis(50)));
            db.put(t, b("t"), b("v"));
            // Only the background thread can roll it back: this thread does not touch it again.
            TestSupport.awaitTrue(() -> !t.isActive(), "the background thread rolling back the timed-out transaction");
            assertEquals("ABORTED", t.state());
        }
    }

    /**
     * A transaction's writes go into one log record, whose length is a 4-byte signed field: a
     * limit above 2047m let a transaction outgrow it (its size wrapped round). Refused naming the
     * setting and the largest; the largest is accepted.
     */
    @Test
    void aTransactionLimitAboveWhatALogRecordHoldsIsRefused() throws Exception {
        String largest = "is above the largest one log record holds, 2047m (" + EnvironmentConfig.MAX_TXN_BYTES + " bytes)";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new EnvironmentConfig().txnMaxBytes(EnvironmentConfig.MAX_TXN_BYTES + 1));
        assertTrue(e.getMessage().contains("cairn.txn.max.bytes") && e.getMessage().endsWith(largest), e.getMessage());
        e = refused("cairn.txn.max.bytes", "2g");
        assertTrue(e.getMessage().startsWith("cairn.properties: cairn.txn.max.bytes=2g: ") && e.getMessage().endsWith(largest),
                e.getMessage());
        assertEquals(EnvironmentConfig.MAX_TXN_BYTES, new EnvironmentConfig().txnMaxBytes(EnvironmentConfig.MAX_TXN_BYTES)
                .txnMaxBytes());

        // At open, from the home's properties file.
        java.nio.file.Files.writeString(dir.resolve(EnvironmentConfig.PROPERTIES_FILE), "cairn.txn.max.bytes=4g\n");
        e = assertThrows(IllegalArgumentException.class, () -> Environment.open(dir, TestSupport.config()));
        assertTrue(e.getMessage().contains("cairn.txn.max.bytes=4g") && e.getMessage().endsWith(largest), e.getMessage());
    }
}
