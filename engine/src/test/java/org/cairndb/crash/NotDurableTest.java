package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Set;
import java.util.function.BiPredicate;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.TransactionConfig;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NOT_DURABLE transactions write no log; they reach disk only with a checkpoint. {@link Durability}
 * still promises that after any crash each transaction is wholly present or wholly absent and the
 * ones present are a prefix of the commit order.
 */
class NotDurableTest {

    private static final int ACCOUNTS = 50;

    @TempDir
    Path tmp;

    private Path bank() {
        Path home = tmp.resolve("env");
        try (Environment env = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
            Bank.create(env, ACCOUNTS);
        }
        return home;
    }

    private static void transfers(Environment env, String prefix, int n, Durability d) {
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        for (int i = 0; i < n; i++) {
            Bank.transfer(env, acc, hist, new Bank.Transfer(prefix + i, i % ACCOUNTS, (i + 7) % ACCOUNTS, 1 + i % 17),
                    new TransactionConfig().durability(d));
        }
    }

    /**
     * A checkpoint writes the data files one after the other; the power fails after the first
     * (accounts) has its new header and before the second (history) has. With no log record to
     * replay, the NOT_DURABLE transfers must still be wholly present or wholly absent.
     */
    @Test
    void notDurableTransfersStayAtomicWhenACheckpointIsCutShort() {
        Path home = bank();
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("s"), 3);
        Environment env = Environment.open(home, CrashRig.config(fio, Durability.SYNC).checkpointerEnabled(false));
        transfers(env, "nd-", 100, Durability.NOT_DURABLE);
        BiPredicate<Path, Long> historyHeader = (p, pos) -> p.getFileName().toString().equals("history.cdb")
                && (pos == 0 || pos == 8192);
        fio.crashOnWriteAt(1, historyHeader, CrashOptions.lossOnly());
        assertThrows(CairnException.class, () -> env.checkpoint(true));
        assertTrue(fio.isCrashed());
        env.internals().abandon();
        try (Environment env2 = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
            Bank.verify(env2, ACCOUNTS, Set.of(), "NOT_DURABLE transfers after a checkpoint cut short between the accounts"
                    + " and history files; " + fio.crashReport() + "; recovery: " + env2.recoveryReport());
        }
    }

    /**
     * NOT_DURABLE transfers followed by SYNC ones over the same accounts, then a crash before any
     * checkpoint: the SYNC commits are replayed from the log; the NOT_DURABLE ones before them are
     * gone. The SYNC transfers wrote balances computed from the NOT_DURABLE ones, so replaying them
     * without those must not leave books that do not balance.
     */
    @Test
    void syncTransfersAfterNotDurableOnesDoNotUnbalanceTheBooksAfterACrash() {
        Path home = bank();
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("s"), 4);
        Environment env = Environment.open(home, CrashRig.config(fio, Durability.SYNC).checkpointerEnabled(false));
        transfers(env, "nd-", 20, Durability.NOT_DURABLE);
        transfers(env, "sync-", 20, Durability.SYNC);
        fio.crash();
        env.internals().abandon();
        try (Environment env2 = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
            Bank.verify(env2, ACCOUNTS, Set.of(), "NOT_DURABLE then SYNC transfers, crash; recovery: "
                    + env2.recoveryReport());
        }
    }
}
