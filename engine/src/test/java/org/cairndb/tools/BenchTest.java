package org.cairndb.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final PrintWriter printer = new PrintWriter(out, true);

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String s(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    private Bench.RunResult run(Environment env, int threads, long transactions, Path acks) throws Exception {
        return Bench.run(env, new Bench.RunConfig(threads, 0, transactions, Durability.WRITE_NO_SYNC, acks, 5000), printer,
                elapsed -> false);
    }

    @Test
    void initCreatesNumberedAccountsOfBalance1000() {
        try (Environment env = Environment.open(dir)) {
            Bench.init(env, 25, printer);
            Database accounts = env.openDatabase(Bench.ACCOUNTS, false);
            assertEquals(25, accounts.count());
            try (Cursor c = accounts.openCursor(null)) {
                assertTrue(c.first());
                assertEquals("acct-00000000", s(c.key()));
                assertEquals("1000", s(c.value()));
                assertTrue(c.last());
                assertEquals("acct-00000024", s(c.key()));
            }
            assertEquals(0, env.openDatabase(Bench.HISTORY, false).count());
            assertTrue(Bench.check(env).ok());
        }
    }

    @Test
    void transfersKeepTheBooksBalancedAndEveryAckIsInTheHistory() throws Exception {
        Path acks = dir.resolve("acks");
        try (Environment env = Environment.open(dir.resolve("env"))) {
            Bench.init(env, 20, printer); // few accounts: many lock waits and conflicts, so retries are exercised
            Bench.RunResult r = run(env, 4, 400, acks);
            assertEquals(400, r.commits());
            assertFalse(r.interrupted());
            assertTrue(r.p50Millis() <= r.p99Millis() && r.p99Millis() <= r.maxMillis(), r::toString);
            Database history = env.openDatabase(Bench.HISTORY, false);
            assertEquals(400, history.count());
            try (Cursor c = history.openCursor(null)) {
                assertTrue(c.first());
                assertTrue(s(c.value()).matches("\\d+,\\d+,\\d+"), s(c.value()));
            }
            List<String> acked = Files.readAllLines(acks);
            assertEquals(400, acked.size());
            assertEquals(400, acked.stream().distinct().count());
            Bench.CheckResult check = Bench.check(env);
            assertTrue(check.ok(), check.message());
            assertEquals("ok: 20 accounts sum to 20000 and agree with 400 transfers in history", check.message());
            assertTrue(Bench.checkAcks(env, acks).ok());
            // A second run adds to the same history with ids of its own.
            run(env, 2, 100, acks);
            assertEquals(500, history.count());
            assertTrue(Bench.check(env).ok());
            assertTrue(Bench.checkAcks(env, acks).message().contains("all 500"));
        }
        assertTrue(out.toString().contains("400 commits in"), out::toString);
        assertTrue(out.toString().contains("latency ms: p50 "), out::toString);
    }

    @Test
    void initAgainStartsAFreshBank() throws Exception {
        try (Environment env = Environment.open(dir)) {
            Bench.init(env, 10, printer);
            run(env, 2, 50, null);
            Bench.init(env, 4, printer);
            assertEquals(4, env.openDatabase(Bench.ACCOUNTS, false).count());
            assertEquals(0, env.openDatabase(Bench.HISTORY, false).count());
            assertEquals("ok: 4 accounts sum to 4000 and agree with 0 transfers in history", Bench.check(env).message());
        }
    }

    @Test
    void checkNamesAnAccountWhoseBalanceDisagreesWithTheHistory() throws Exception {
        try (Environment env = Environment.open(dir)) {
            Bench.init(env, 10, printer);
            run(env, 1, 30, null);
            Database accounts = env.openDatabase(Bench.ACCOUNTS, false);
            // Move 5 from account 3 to account 7 without recording it: the sum holds, the history does not.
            long three = Long.parseLong(s(accounts.get(null, Bench.accountKey(3))));
            long seven = Long.parseLong(s(accounts.get(null, Bench.accountKey(7))));
            accounts.put(null, Bench.accountKey(3), b(Long.toString(three - 5)));
            accounts.put(null, Bench.accountKey(7), b(Long.toString(seven + 5)));
            Bench.CheckResult r = Bench.check(env);
            assertFalse(r.ok());
            assertTrue(r.message().startsWith("account acct-00000003 has balance " + (three - 5)
                    + " but the history says 1000 + "), r.message());
            // Money from nowhere breaks the sum; the message still names the first wrong account, as
            // docs/cli.md says, not only the sum.
            accounts.put(null, Bench.accountKey(3), b(Long.toString(three)));
            accounts.put(null, Bench.accountKey(7), b(Long.toString(seven)));
            accounts.put(null, Bench.accountKey(5), b("999999"));
            String sumBroken = Bench.check(env).message();
            assertTrue(sumBroken.startsWith("the balances of the 10 accounts sum to "), sumBroken);
            assertTrue(sumBroken.contains("; the first wrong account: acct-00000005 has balance 999999 but the history says"),
                    sumBroken);
        }
    }

    @Test
    void checkAcksNamesTheFirstMissingTransferAndIgnoresACutOffLastLine() throws Exception {
        Path acks = dir.resolve("acks");
        try (Environment env = Environment.open(dir.resolve("env"))) {
            Bench.init(env, 10, printer);
            run(env, 1, 5, acks);
            Files.writeString(acks, "tnever-committed\n", java.nio.file.StandardOpenOption.APPEND);
            Bench.CheckResult r = Bench.checkAcks(env, acks);
            assertFalse(r.ok());
            assertEquals("transfer tnever-committed (line 6 of " + acks
                    + ") was acknowledged as committed but is not in history", r.message());
            List<String> lines = Files.readAllLines(acks);
            Files.write(acks, lines.subList(0, 5));
            Files.writeString(acks, "tcut-off-by-a-cr", java.nio.file.StandardOpenOption.APPEND);
            Bench.CheckResult partial = Bench.checkAcks(env, acks);
            assertTrue(partial.ok(), partial.message());
            assertTrue(partial.message().contains("ignored an incomplete last line"), partial.message());
            assertFalse(Bench.checkAcks(env, dir.resolve("none")).ok());
        }
    }

    @Test
    void runWithoutAccountsSaysToInitFirst() {
        try (Environment env = Environment.open(dir)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> run(env, 1, 1, null));
            assertTrue(e.getMessage().contains("cairn bench --init"), e.getMessage());
            assertFalse(Bench.check(env).ok());
        }
    }

    @Test
    void stopEndsARunEarly() throws Exception {
        try (Environment env = Environment.open(dir)) {
            Bench.init(env, 10, printer);
            Bench.RunResult r = Bench.run(env, new Bench.RunConfig(2, 3600, 0, Durability.NO_SYNC, null, 5000), printer,
                    elapsed -> true);
            assertTrue(r.interrupted());
            assertTrue(Bench.check(env).ok());
        }
    }

    @Test
    void configNeedsExactlyOneLimit() {
        assertThrows(IllegalArgumentException.class, () -> new Bench.RunConfig(1, 0, 0, Durability.SYNC, null, 1));
        assertThrows(IllegalArgumentException.class, () -> new Bench.RunConfig(1, 5, 5, Durability.SYNC, null, 1));
        assertThrows(IllegalArgumentException.class, () -> new Bench.RunConfig(0, 5, 0, Durability.SYNC, null, 1));
    }

    @Test
    void histogramQuantilesAreWithinTwoPercent() {
        LatencyHistogram h = new LatencyHistogram();
        for (long v = 1; v <= 100_000; v++) {
            h.record(v * 1000);
        }
        assertEquals(100_000, h.count());
        assertEquals(100_000_000, h.max());
        assertEquals(50_000_000, h.quantile(0.5), 50_000_000 * 0.02);
        assertEquals(99_000_000, h.quantile(0.99), 99_000_000 * 0.02);
        assertEquals(100_000_000, h.quantile(1.0));
        LatencyHistogram small = new LatencyHistogram();
        small.record(5);
        small.record(7);
        assertEquals(5, small.quantile(0.5));
        h.add(small);
        assertEquals(100_002, h.count());
        for (long v = 1; v < 1L << 40; v = v * 3 + 1) {
            long mid = LatencyHistogram.midpoint(LatencyHistogram.index(v));
            assertEquals(v, mid, Math.max(1, v * 0.016), "value " + v);
        }
    }

    @Test
    void accountKeysHaveEightDigits() throws IOException {
        assertEquals("acct-00000000", s(Bench.accountKey(0)));
        assertEquals("acct-00004203", s(Bench.accountKey(4203)));
    }
}
