package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.LockTimeoutException;
import org.cairndb.PreparedTransaction;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Process crashes for real: a child JVM ({@link TransferChild}) runs SYNC bank transfers and is
 * killed with SIGKILL ({@link Process#destroyForcibly()}) once its ack file reaches a random
 * count; the parent then opens the environment (recovery) and checks that every acknowledged
 * transfer is there and the books balance. Some rounds prepare two-phase transactions before the
 * kill: recovery must restore them in doubt, with their locks, and they must then commit or roll
 * back. Some are left in doubt across later rounds (and the checkpoints and kills in them).
 */
class SigkillTest {

    private static final int ACCOUNTS = 200;
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    /** What a child acknowledged before it was killed. */
    private record Acks(boolean opened, List<Bank.Transfer> committed, List<Bank.Transfer> prepared) {
    }

    @Test
    void sigkillNeverLosesAnAcknowledgedTransferOrAPreparedTransaction() throws Exception {
        long seed = Seeds.seed("SigkillTest.sigkillNeverLosesAnAcknowledgedTransferOrAPreparedTransaction");
        Random rnd = new Random(seed);
        int rounds = Seeds.rounds(22);
        Path home = tmp.resolve("env");
        try (Environment env = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
            Bank.create(env, ACCOUNTS);
        }
        Set<String> durable = new HashSet<>();
        Map<String, Bank.Transfer> inDoubt = new HashMap<>(); // prepared, not yet decided, by transfer id
        int preparedChecked = 0;
        int committedPrepared = 0;
        int abortedPrepared = 0;
        long acked = 0;
        for (int round = 0; round < rounds; round++) {
            int prepares = round % 3 == 1 ? 1 + rnd.nextInt(3) : 0;
            int target = 10 + rnd.nextInt(150);
            Path ackFile = tmp.resolve("acks-" + round);
            Path log = tmp.resolve("child-" + round + ".log");
            Process child = startChild(home, ackFile, log, rnd.nextLong(), "r" + round + "-", prepares, target / 2,
                    Durability.SYNC);
            String what = "seed " + seed + ", round " + round + " (kill after " + target + " acks, " + prepares
                    + " prepared)";
            try {
                long deadline = System.nanoTime() + DEADLINE.toNanos();
                while (true) {
                    Acks a = readAcks(ackFile);
                    if (a.committed().size() >= target && a.prepared().size() >= prepares) {
                        break;
                    }
                    if (!child.isAlive()) {
                        throw new AssertionError("the child died by itself (exit " + child.exitValue() + "); " + what
                                + "; environment copied to " + CrashRig.preserve(home, "sigkill-" + seed + "-" + round)
                                + "; its output:\n" + tail(log));
                    }
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the child did not reach " + target + " acks within " + DEADLINE + " ("
                                + a.committed().size() + " so far); " + what + "; its output:\n" + tail(log));
                    }
                    Thread.sleep(5);
                }
            } finally {
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed child exits");
            }
            Acks a = readAcks(ackFile);
            acked += a.committed().size();
            for (Bank.Transfer t : a.prepared()) {
                inDoubt.put(t.id(), t);
            }

            try (Environment env = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
                what += "; recovery: " + env.recoveryReport();
                Set<String> mustHave = new HashSet<>(durable);
                for (Bank.Transfer t : a.committed()) {
                    mustHave.add(t.id());
                }
                Bank.verify(env, ACCOUNTS, mustHave, what);

                // Every acknowledged prepare is back in doubt, with its locks; there may be one more
                // whose ack the kill prevented.
                Map<String, PreparedTransaction> listed = new HashMap<>();
                for (PreparedTransaction pt : env.preparedTransactions()) {
                    listed.put(TransferChild.transferOf(pt.globalId()).id(), pt);
                }
                for (String id : inDoubt.keySet()) {
                    assertTrue(listed.containsKey(id), "prepared transfer " + id + " is in doubt after recovery; listed "
                            + listed.keySet() + "; " + what);
                }
                for (Map.Entry<String, PreparedTransaction> e : listed.entrySet()) {
                    PreparedTransaction pt = e.getValue();
                    Bank.Transfer t = TransferChild.transferOf(pt.globalId());
                    inDoubt.put(t.id(), t);
                    assertEquals(3, pt.keysWritten(), "two balances and a history record; " + what);
                    assertEquals(List.of(Bank.ACCOUNTS, Bank.HISTORY), pt.databases().stream().sorted().toList(), what);
                    assertHeldBy(env, t, pt, what);
                    assertFalse(Bank.read(env, ACCOUNTS).history().containsKey(t.id()),
                            "a prepared transfer is not visible before it commits; " + what);
                    preparedChecked++;
                }

                // Decide some of them: commit, roll back, or leave in doubt for later rounds.
                Set<String> committedNow = new HashSet<>();
                for (Bank.Transfer t : new ArrayList<>(inDoubt.values())) {
                    int choice = rnd.nextInt(3);
                    if (choice == 2 && round < rounds - 1) {
                        continue;
                    }
                    Transaction txn = env.preparedTransaction(TransferChild.globalId(t));
                    assertNotNull(txn, "handle on prepared " + t.id() + "; " + what);
                    assertTrue(txn.isPrepared());
                    if (choice == 0) {
                        txn.commit();
                        committedNow.add(t.id());
                        committedPrepared++;
                    } else {
                        txn.abort();
                        abortedPrepared++;
                    }
                    inDoubt.remove(t.id());
                    assertNull(env.preparedTransaction(TransferChild.globalId(t)), "decided: no longer in doubt");
                }
                Set<String> after = new HashSet<>(mustHave);
                after.addAll(committedNow);
                Bank.State s = Bank.verify(env, ACCOUNTS, after, what + " (after deciding prepared transactions)");
                for (String id : listed.keySet()) {
                    boolean present = s.history().containsKey(id);
                    assertEquals(committedNow.contains(id), present, "prepared transfer " + id + " present exactly when"
                            + " committed; " + what);
                }
                // Their locks are gone: the accounts can be written again.
                for (String id : listed.keySet()) {
                    if (!inDoubt.containsKey(id)) {
                        Bank.Transfer t = listed.get(id) == null ? null : TransferChild.transferOf(listed.get(id).globalId());
                        Bank.Transfer back = new Bank.Transfer(id + "-back", t.to(), t.from(), 1);
                        Bank.transfer(env, env.openDatabase(Bank.ACCOUNTS, false), env.openDatabase(Bank.HISTORY, false),
                                back, new TransactionConfig().lockTimeout(Duration.ofSeconds(2)));
                        s.history().put(back.id(), back);
                    }
                }
                durable = new HashSet<>(s.history().keySet());
                if (rnd.nextInt(3) == 0) {
                    env.internals().abandon(); // the parent "crashes" too; the next child recovers
                }
            }
        }
        System.out.println("[crash-test] " + rounds + " kills, " + acked + " acknowledged transfers, " + preparedChecked
                + " checks of prepared transactions after recovery, " + committedPrepared + " committed and "
                + abortedPrepared + " rolled back afterwards");
        assertTrue(preparedChecked > 0, "some prepared transactions were checked");
    }

    /**
     * WRITE_NO_SYNC hands each commit to the operating system before it returns, so a killed
     * process (the machine staying up) loses none of them. NO_SYNC may lose the ones still in the
     * log buffer, but what survives is whole and a prefix of the acknowledged order.
     */
    @Test
    void writeNoSyncCommitsSurviveSigkillAndNoSyncOnesStayAPrefix() throws Exception {
        long seed = Seeds.seed("SigkillTest.writeNoSyncCommitsSurviveSigkillAndNoSyncOnesStayAPrefix");
        Random rnd = new Random(seed);
        Path home = tmp.resolve("env");
        try (Environment env = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
            Bank.create(env, ACCOUNTS);
        }
        Set<String> durable = new HashSet<>();
        int rounds = Seeds.rounds(8);
        for (int round = 0; round < rounds; round++) {
            Durability d = round % 2 == 0 ? Durability.WRITE_NO_SYNC : Durability.NO_SYNC;
            int target = 50 + rnd.nextInt(2000);
            Path ackFile = tmp.resolve("acks-" + round);
            Path log = tmp.resolve("child-" + round + ".log");
            String what = "seed " + seed + ", round " + round + " (" + d + ", kill after " + target + " acks)";
            Process child = startChild(home, ackFile, log, rnd.nextLong(), "r" + round + "-", 0, 0, d);
            try {
                long deadline = System.nanoTime() + DEADLINE.toNanos();
                while (readAcks(ackFile).committed().size() < target) {
                    if (!child.isAlive() || System.nanoTime() > deadline) {
                        throw new AssertionError("the child " + (child.isAlive() ? "is too slow" : "died") + "; " + what
                                + "; its output:\n" + tail(log));
                    }
                    Thread.sleep(5);
                }
            } finally {
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            }
            List<Bank.Transfer> acked = readAcks(ackFile).committed();
            try (Environment env = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
                what += "; recovery: " + env.recoveryReport();
                Set<String> mustHave = new HashSet<>(durable);
                if (d == Durability.WRITE_NO_SYNC) {
                    for (Bank.Transfer t : acked) {
                        mustHave.add(t.id());
                    }
                }
                Bank.State s = Bank.verify(env, ACCOUNTS, mustHave, what);
                // Acks are written in commit-return order per thread; within each thread what survived must be a prefix.
                Map<String, Boolean> seenGap = new HashMap<>();
                for (Bank.Transfer t : acked) {
                    String thread = t.id().substring(0, t.id().lastIndexOf('-'));
                    boolean present = s.history().containsKey(t.id());
                    if (!present) {
                        seenGap.put(thread, true);
                    } else if (seenGap.getOrDefault(thread, false)) {
                        throw new AssertionError("transfer " + t.id() + " survived although an earlier one of its thread"
                                + " did not: not a prefix; " + what);
                    }
                }
                durable = new HashSet<>(s.history().keySet());
            }
        }
    }

    /** A writer wanting one of the prepared transaction's accounts times out, naming the prepared transaction. */
    static void assertHeldBy(Environment env, Bank.Transfer t, PreparedTransaction pt, String what) {
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        try (Transaction txn = env.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(200)))) {
            LockTimeoutException e = assertThrows(LockTimeoutException.class,
                    () -> acc.getForUpdate(txn, Bank.account(t.from())),
                    "the prepared transaction still holds its lock on acct-" + t.from() + "; " + what);
            assertTrue(e.getMessage().contains("transaction " + pt.txnId()) && e.getMessage().contains("prepared"),
                    "the timeout names the prepared transaction " + pt.txnId() + ": " + e.getMessage());
        }
    }

    private static void assertNull(Object o, String message) {
        org.junit.jupiter.api.Assertions.assertNull(o, message);
    }

    private Process startChild(Path home, Path ackFile, Path log, long seed, String prefix, int prepares, int prepareAfter,
            Durability durability) throws IOException {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", cp,
                TransferChild.class.getName(), home.toString(), ackFile.toString(), Long.toString(seed), "3",
                Integer.toString(ACCOUNTS), prefix, Integer.toString(prepares), Integer.toString(prepareAfter),
                durability.name());
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static Acks readAcks(Path file) throws IOException {
        if (!Files.exists(file)) {
            return new Acks(false, List.of(), List.of());
        }
        String text = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII);
        int end = text.lastIndexOf('\n');
        boolean opened = false;
        List<Bank.Transfer> committed = new ArrayList<>();
        List<Bank.Transfer> prepared = new ArrayList<>();
        if (end >= 0) {
            for (String line : text.substring(0, end).split("\n")) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "OPEN" -> opened = true;
                    case "C" -> committed.add(Bank.Transfer.ofLine(f, 1));
                    case "P" -> {
                        Bank.Transfer t = Bank.Transfer.ofLine(f, 2);
                        byte[] gid = HexFormat.of().parseHex(f[1]);
                        if (!TransferChild.transferOf(gid).equals(t)) {
                            throw new AssertionError("ack line disagrees with its global id: " + line);
                        }
                        prepared.add(t);
                    }
                    default -> throw new AssertionError("bad ack line: " + line);
                }
            }
        }
        return new Acks(opened, committed, prepared);
    }

    private static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(no output)";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
