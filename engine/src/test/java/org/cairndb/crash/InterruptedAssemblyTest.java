package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.TransactionConfig;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentAssembler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A catastrophic recovery interrupted after its assembly of log segments and before the recovery
 * finished (a crash during a long redo). The assembly has replaced a shorter copy of a segment in
 * {@code log/} by a longer copy of the same history and kept the replaced copy aside under
 * {@code <name>.before-assembly}. What happens next must lose nothing:
 *
 * <ul>
 * <li>running the catastrophic recovery again puts the kept copy back and assembles again, to the
 * same result;</li>
 * <li>opening the environment normally instead accepts {@code log/} as it is, and the log goes on
 * in that segment; a later catastrophic recovery must not put the old copy back over the segment
 * and so undo every commit written into it since.</li>
 * </ul>
 *
 * The crash is taken where it leaves its files: {@link SegmentAssembler#assemble} has run (its
 * copies are forced and renamed into place) and its {@code commit} has not.
 */
class InterruptedAssemblyTest {

    private static final int ACCOUNTS = 20;

    @TempDir
    Path tmp;

    private static EnvironmentConfig config() {
        return CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC).logSegmentSize(1 << 20).checkpointerEnabled(false)
                .checkpointKBytes(0);
    }

    private static void transfers(Environment env, String prefix, int n, List<String> acked) {
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        Random r = new Random(prefix.hashCode());
        for (int i = 0; i < n; i++) {
            int from = r.nextInt(ACCOUNTS);
            int to = (from + 1 + r.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
            Bank.Transfer t = new Bank.Transfer(prefix + "-" + i, from, to, 1 + r.nextInt(50));
            Bank.transfer(env, acc, hist, t, new TransactionConfig().durability(Durability.SYNC));
            acked.add(t.id());
        }
    }

    private record Restore(Path restored, Path newerLogs, List<String> acked) {
    }

    /**
     * A restore in progress: {@code restored} is an older copy of the environment (its log.0000000001
     * holds the first transfers), {@code newerLogs} the crashed environment's own log/ (the same
     * segment, holding more). A catastrophic recovery of the copy with {@code --logs newerLogs} has
     * assembled and then crashed.
     */
    private Restore interruptedRestore() throws IOException {
        Path home = tmp.resolve("home");
        List<String> acked = new ArrayList<>();
        try (Environment env = Environment.open(home, config())) {
            Bank.create(env, ACCOUNTS);
            transfers(env, "a", 40, acked);
        }
        Path restored = tmp.resolve("restored");
        TestSupport.copyTree(home, restored);
        Environment env = Environment.open(home, config());
        transfers(env, "b", 40, acked);
        env.internals().abandon();
        assertEquals(1, CrashRig.segments(home).size(), "the test needs one segment, written on after the copy");
        assertEquals(1, CrashRig.segments(restored).size());

        Path logDir = restored.resolve("log");
        SegmentAssembler.assemble(NioFileIO.INSTANCE, logDir, List.of(home.resolve("log")), null, org.cairndb.log.Lsn.NULL);
        // ...and the process stops here, before recovery is done and the assembly committed.
        assertTrue(Files.exists(logDir.resolve("log.0000000001.before-assembly")),
                "the assembly kept the copy it replaced aside");
        return new Restore(restored, home.resolve("log"), acked);
    }

    private static EnvironmentConfig catastrophic(Restore r) {
        return config().catastrophicRecovery(true).logSources(List.of(r.newerLogs()));
    }

    @Test
    void runningTheCatastrophicRecoveryAgainFinishesTheRestore() throws IOException {
        Restore r = interruptedRestore();
        try (Environment env = Environment.open(r.restored(), catastrophic(r))) {
            Bank.verify(env, ACCOUNTS, r.acked(), "catastrophic recovery run again: " + env.recoveryReport());
        }
        assertFalse(Files.exists(r.restored().resolve("log/log.0000000001.before-assembly")),
                "a finished assembly keeps nothing aside");
        try (Environment env = Environment.open(r.restored(), config())) {
            Bank.verify(env, ACCOUNTS, r.acked(), "normal open after the restore: " + env.recoveryReport());
        }
    }

    @Test
    void commitsMadeAfterANormalOpenSurviveALaterCatastrophicRecovery() throws IOException {
        Restore r = interruptedRestore();
        List<String> acked = new ArrayList<>(r.acked());
        // The admin opens the restored environment normally: log/ is whole, recovery accepts it,
        // and the application goes on writing into log.0000000001.
        Environment env = Environment.open(r.restored(), config());
        Bank.verify(env, ACCOUNTS, acked, "normal open after the interrupted assembly: " + env.recoveryReport());
        assertFalse(Files.exists(r.restored().resolve("log/log.0000000001.before-assembly")),
                "the open that accepted log/ dropped the copy kept aside, which the log now outgrows");
        transfers(env, "c", 40, acked);
        env.internals().abandon(); // and the machine crashes again
        assertEquals(1, CrashRig.segments(r.restored()).size());

        // Catastrophic recovery, as the documentation advises after a crash with doubts about the log.
        try (Environment again = Environment.open(r.restored(), catastrophic(r))) {
            Bank.verify(again, ACCOUNTS, acked, "catastrophic recovery after the normal open: " + again.recoveryReport());
        }
        try (Environment again = Environment.open(r.restored(), config())) {
            Bank.verify(again, ACCOUNTS, acked, "normal open afterwards: " + again.recoveryReport());
        }
    }
}
