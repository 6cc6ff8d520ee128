package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.LockTimeoutException;
import org.cairndb.PreparedTransaction;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prepared (in-doubt) transactions across crashes and checkpoints, deterministically: the cases
 * the random SIGKILL rounds of {@link SigkillTest} run into now and then.
 */
class PreparedRecoveryTest {

    private static final int ACCOUNTS = 20;

    @TempDir
    Path tmp;

    private Environment open(Path home) {
        return Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC));
    }

    private static Bank.Transfer prepare(Environment env, String id, int from, int to) {
        Bank.Transfer t = new Bank.Transfer(id, from, to, 10);
        Transaction txn = env.beginTransaction();
        Bank.apply(env.openDatabase(Bank.ACCOUNTS, false), env.openDatabase(Bank.HISTORY, false), txn, t);
        txn.prepare(TransferChild.globalId(t));
        return t;
    }

    /**
     * Two transactions in doubt; the older one is committed; a checkpoint then starts recovery at the
     * younger one's PREPARE, after the older one's PREPARE but before its COMMIT. Opening again must
     * work (the COMMIT's writes are in the checkpointed data files) and keep the younger one in doubt.
     */
    @Test
    void committingTheOlderOfTwoPreparedTransactionsThenReopening() {
        Path home = tmp.resolve("env");
        Bank.Transfer older;
        Bank.Transfer younger;
        try (Environment env = open(home)) {
            Bank.create(env, ACCOUNTS);
            older = prepare(env, "older", 0, 1);
            younger = prepare(env, "younger", 2, 3);
            env.preparedTransaction(TransferChild.globalId(older)).commit();
            env.checkpoint(true);
        }
        try (Environment env = open(home)) {
            Bank.State s = Bank.verify(env, ACCOUNTS, Set.of("older"), "after reopening; recovery: " + env.recoveryReport());
            assertEquals(990, s.balances()[0]);
            List<PreparedTransaction> in = env.preparedTransactions();
            assertEquals(1, in.size(), in.toString());
            assertEquals(younger, TransferChild.transferOf(in.get(0).globalId()));
            env.preparedTransaction(TransferChild.globalId(younger)).abort();
        }
        try (Environment env = open(home)) {
            Bank.State s = Bank.verify(env, ACCOUNTS, Set.of("older"), "after the abort");
            assertTrue(!s.history().containsKey("younger"));
            assertTrue(env.preparedTransactions().isEmpty());
        }
    }

    /** The same after a power loss right after the commit of the older one (no checkpoint in between). */
    @Test
    void committingTheOlderOfTwoPreparedTransactionsThenLosingPower() {
        Path home = tmp.resolve("env");
        try (Environment env = open(home)) {
            Bank.create(env, ACCOUNTS);
        }
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 1);
        Environment env = Environment.open(home, CrashRig.config(fio, Durability.SYNC));
        Bank.Transfer older = prepare(env, "older", 0, 1);
        Bank.Transfer younger = prepare(env, "younger", 2, 3);
        env.checkpoint(true);
        env.preparedTransaction(TransferChild.globalId(older)).commit();
        env.checkpoint(true);
        fio.crash();
        env.internals().abandon();
        try (Environment env2 = open(home)) {
            Bank.verify(env2, ACCOUNTS, Set.of("older"), "recovery: " + env2.recoveryReport());
            assertEquals(1, env2.preparedTransactions().size());
            Transaction y = env2.preparedTransaction(TransferChild.globalId(younger));
            assertNotNull(y);
            y.commit();
            Bank.verify(env2, ACCOUNTS, Set.of("older", "younger"), "after committing the younger");
        }
        assertNotNull(older);
    }

    /**
     * A prepared transaction survives a power loss, then a clean reopen with checkpoints, then a
     * second power loss, still holding its locks, and commits in the end.
     */
    @Test
    void aPreparedTransactionSurvivesRepeatedCrashesAndCheckpoints() {
        Path home = tmp.resolve("env");
        try (Environment env = open(home)) {
            Bank.create(env, ACCOUNTS);
        }
        Bank.Transfer t = null;
        for (int round = 0; round < 3; round++) {
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch" + round), round);
            Environment env = Environment.open(home, CrashRig.config(fio, Durability.SYNC));
            if (t == null) {
                t = prepare(env, "p", 5, 6);
            }
            Database acc = env.openDatabase(Bank.ACCOUNTS, false);
            Database hist = env.openDatabase(Bank.HISTORY, false);
            for (int i = 0; i < 50; i++) {
                Bank.transfer(env, acc, hist, new Bank.Transfer("r" + round + "-" + i, 7 + i % 5, 12 + i % 5, 1),
                        new TransactionConfig());
                if (i % 10 == 0) {
                    env.checkpoint(true);
                }
            }
            fio.crash();
            env.internals().abandon();
            try (Environment env2 = open(home)) {
                List<PreparedTransaction> in = env2.preparedTransactions();
                assertEquals(1, in.size(), "round " + round + ": " + in);
                PreparedTransaction pt = in.get(0);
                Database acc2 = env2.openDatabase(Bank.ACCOUNTS, false);
                try (Transaction w = env2.beginTransaction(new TransactionConfig().lockTimeout(Duration.ofMillis(100)))) {
                    LockTimeoutException e = assertThrows(LockTimeoutException.class,
                            () -> acc2.getForUpdate(w, Bank.account(5)));
                    assertTrue(e.getMessage().contains("transaction " + pt.txnId()), e.getMessage());
                }
                Bank.verify(env2, ACCOUNTS, Set.of(), "round " + round);
            }
        }
        try (Environment env = open(home)) {
            env.preparedTransaction(TransferChild.globalId(t)).commit();
            assertNull(env.preparedTransaction(TransferChild.globalId(t)));
            Bank.verify(env, ACCOUNTS, Set.of("p"), "after the commit");
        }
        try (Environment env = open(home)) {
            Bank.State s = Bank.verify(env, ACCOUNTS, Set.of("p"), "after reopening");
            assertEquals(990, s.balances()[5]);
            assertEquals(1010, s.balances()[6]);
        }
    }

    /**
     * Random rounds: transfers run on most accounts while the test prepares transfers between the
     * first ten; the power fails after a random number of file operations (one write torn).
     * Recovery must bring back every acknowledged prepare, in doubt and holding its locks; some are
     * then committed, some rolled back, some left in doubt for the next rounds.
     */
    @Test
    void preparedTransactionsSurvivePowerLossAtRandomMoments() throws Exception {
        long seed = Seeds.seed("PreparedRecoveryTest.preparedTransactionsSurvivePowerLossAtRandomMoments");
        java.util.Random rnd = new java.util.Random(seed);
        int accounts = 100;
        Path home = tmp.resolve("env");
        try (Environment env = open(home)) {
            Bank.create(env, accounts);
        }
        java.util.Set<String> durable = new java.util.HashSet<>();
        java.util.Map<String, Bank.Transfer> inDoubt = new java.util.HashMap<>();
        int rounds = Seeds.rounds(12);
        int restored = 0;
        for (int round = 0; round < rounds; round++) {
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-" + round),
                    rnd.nextLong());
            fio.crashAfterOperations(30 + rnd.nextInt(400), FaultInjectingFileIO.CrashOptions.tear(
                    FaultInjectingFileIO.Tear.ANY, p -> true));
            String what = "seed " + seed + ", round " + round;
            BankWorkload w = null;
            Environment env = null;
            java.util.List<Bank.Transfer> preparedNow = new java.util.ArrayList<>();
            try {
                env = Environment.open(home, CrashRig.config(fio, Durability.SYNC));
                w = new BankWorkload(env, accounts, "r" + round + "-", Durability.SYNC).accountsFrom(10)
                        .start(2, rnd.nextLong(), 20);
                java.util.Set<Integer> busy = new java.util.HashSet<>();
                for (Bank.Transfer t : inDoubt.values()) {
                    busy.add(t.from());
                    busy.add(t.to());
                }
                for (int n = 0; n < 3 && !fio.isCrashed(); n++) {
                    int from = rnd.nextInt(10);
                    int to = rnd.nextInt(10);
                    if (from == to || busy.contains(from) || busy.contains(to)) {
                        continue;
                    }
                    long target = w.acked() + rnd.nextInt(40);
                    BankWorkload ww = w;
                    ww.await(() -> ww.acked() >= target || fio.isCrashed(), java.time.Duration.ofSeconds(30));
                    Bank.Transfer t = new Bank.Transfer("r" + round + "-p" + n, from, to, 1 + rnd.nextInt(50));
                    Transaction txn = env.beginTransaction();
                    Bank.apply(env.openDatabase(Bank.ACCOUNTS, false), env.openDatabase(Bank.HISTORY, false), txn, t);
                    txn.prepare(TransferChild.globalId(t));
                    preparedNow.add(t);
                    busy.add(from);
                    busy.add(to);
                }
                BankWorkload ww = w;
                if (!w.await(() -> fio.isCrashed() || !ww.failures().isEmpty(), java.time.Duration.ofSeconds(60))) {
                    throw new AssertionError("no crash within 60 s; " + what);
                }
                fio.crash();
            } catch (RuntimeException e) {
                if (!CrashRig.chainMentions(e, "simulated power loss")) {
                    throw new AssertionError("failed for another reason than the power loss: " + CrashRig.describe(e)
                            + "; " + what, e);
                }
                fio.crash();
            } finally {
                if (w != null) {
                    w.stopAndJoin(java.time.Duration.ofSeconds(30));
                }
                if (env != null) {
                    env.internals().abandon();
                }
            }
            for (Bank.Transfer t : preparedNow) {
                inDoubt.put(t.id(), t);
            }
            what += ", " + fio.crashReport();
            try (Environment env2 = open(home)) {
                what += "; recovery: " + env2.recoveryReport();
                java.util.Set<String> mustHave = new java.util.HashSet<>(durable);
                if (w != null) {
                    mustHave.addAll(w.ackedIds());
                }
                Bank.verify(env2, accounts, mustHave, what);
                java.util.Map<String, PreparedTransaction> listed = new java.util.HashMap<>();
                for (PreparedTransaction pt : env2.preparedTransactions()) {
                    listed.put(TransferChild.transferOf(pt.globalId()).id(), pt);
                }
                assertTrue(listed.keySet().containsAll(inDoubt.keySet()), "every acknowledged prepare is in doubt: listed "
                        + listed.keySet() + ", expected " + inDoubt.keySet() + "; " + what);
                java.util.Set<String> committed = new java.util.HashSet<>();
                for (PreparedTransaction pt : listed.values()) {
                    Bank.Transfer t = TransferChild.transferOf(pt.globalId());
                    SigkillTest.assertHeldBy(env2, t, pt, what);
                    restored++;
                    int choice = rnd.nextInt(3);
                    if (choice == 2 && round < rounds - 1) {
                        inDoubt.put(t.id(), t);
                        continue;
                    }
                    Transaction txn = env2.preparedTransaction(pt.globalId());
                    if (choice == 0) {
                        txn.commit();
                        committed.add(t.id());
                    } else {
                        txn.abort();
                    }
                    inDoubt.remove(t.id());
                }
                mustHave.addAll(committed);
                Bank.State s = Bank.verify(env2, accounts, mustHave, what + " (after deciding)");
                durable = new java.util.HashSet<>(s.history().keySet());
            }
        }
        System.out.println("[crash-test] " + rounds + " power losses, " + restored + " prepared transactions found in"
                + " doubt with their locks after recovery");
    }
}
