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
 * NOT_DURABLE transactions write no log; they reach disk only with a checkpoint. What
 * {@link Durability} promises for them after a crash: whatever the last completed checkpoint wrote
 * is there, nothing after it is, and the environment opens. What it does not promise (and says so),
 * like Berkeley DB's DB_TXN_NOT_DURABLE: atomicity across databases when the crash cuts a checkpoint
 * short between two data files, and consistency of logged transactions that built on NOT_DURABLE
 * data.
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

    /** NOT_DURABLE work checkpointed before a power loss survives it; work after the checkpoint is gone whole. */
    @Test
    void checkpointedWorkSurvivesAndLaterWorkVanishesWhole() {
        Path home = bank();
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("s"), 3);
        Environment env = Environment.open(home, CrashRig.config(fio, Durability.SYNC).checkpointerEnabled(false));
        transfers(env, "kept-", 60, Durability.NOT_DURABLE);
        env.checkpoint(true);
        transfers(env, "lost-", 40, Durability.NOT_DURABLE);
        fio.crash();
        env.internals().abandon();
        try (Environment env2 = Environment.open(home, CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC))) {
            Bank.State state = Bank.verify(env2, ACCOUNTS, kept(60), "NOT_DURABLE transfers, checkpoint, more, crash; "
                    + fio.crashReport() + "; recovery: " + env2.recoveryReport());
            for (String id : state.history().keySet()) {
                assertTrue(id.startsWith("kept-"), "a transfer after the last checkpoint survived: " + id);
            }
        }
    }

    private static Set<String> kept(int n) {
        Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            ids.add("kept-" + i);
        }
        return ids;
    }

    /** A power loss in the middle of a checkpoint leaves every data file readable and the environment openable. */
    @Test
    void aCheckpointCutShortLeavesEveryDatabaseReadable() {
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
            // Each database is at one of its checkpointed versions; across the two the transfers may differ.
            assertTrue(env2.openDatabase(Bank.ACCOUNTS, false).count() == ACCOUNTS);
            Bank.read(env2, ACCOUNTS);
        }
    }
}
