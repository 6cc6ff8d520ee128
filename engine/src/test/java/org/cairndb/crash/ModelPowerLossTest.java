package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.ModelWorkload;
import org.cairndb.TestSupport;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.FaultInjectingFileIO.Tear;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss under the model workload ({@link ModelWorkload}: keys up to 4 KiB with long shared
 * prefixes, values up to 300 KiB in overflow pages, deletes that merge pages, a 4 MiB cache that
 * evicts all the time, background checkpoints every 256 KB of log). The power fails after a random
 * number of file operations, losing every unforced write and tearing one; the environment is opened
 * again on the real file system and must hold exactly the committed transactions, plus or minus
 * the one whose commit was cut short (all of it or none of it), and exactly the prepared ones (some
 * steps prepare their transaction or complete a prepared one; such a step cut short has happened
 * entirely or not at all).
 */
class ModelPowerLossTest {

    @TempDir
    Path tmp;

    @Test
    void committedTransactionsOfEveryShapeSurvivePowerLoss() throws InterruptedException {
        long seed = Seeds.seed("ModelPowerLossTest.committedTransactionsOfEveryShapeSurvivePowerLoss");
        Random rnd = new Random(seed);
        Path home = tmp.resolve("env");
        ModelWorkload model = new ModelWorkload(true);
        int rounds = Seeds.rounds(24);
        int cutShortCommitted = 0;
        int cutShortLost = 0;
        for (int round = 0; round < rounds; round++) {
            long roundSeed = rnd.nextLong();
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-" + round),
                    roundSeed);
            CrashOptions options = switch (rnd.nextInt(3)) {
                case 0 -> CrashOptions.lossOnly();
                case 1 -> CrashOptions.tear(Tear.ANY, CrashRig::isDataFile);
                default -> CrashOptions.tear(Tear.ANY, p -> true);
            };
            if (rnd.nextBoolean()) {
                options.keepProbability(0.5);
            }
            String what = "seed " + seed + ", round " + round + " (" + options + ")";
            Environment env = Environment.open(home, config(fio));
            fio.crashAfterOperations(1 + rnd.nextInt(400), options);
            ModelWorkload.Pending inFlight = null;
            RuntimeException failure = null;
            for (int step = 0; step < 2_000 && failure == null; step++) {
                inFlight = new ModelWorkload.Pending();
                try {
                    model.step(env, rnd, inFlight);
                } catch (RuntimeException e) {
                    failure = e;
                }
            }
            if (failure == null) {
                fail("no file operation failed in 2,000 transactions after the power loss; " + what);
            }
            // A crash triggered by the background checkpointer fails other threads' file operations
            // at once, and finishes (restoring the files as the disk held them) just after.
            TestSupport.awaitTrue(fio::isCrashed, "the simulated crash to finish; " + what);
            if (!CrashRig.chainMentions(failure, "simulated power loss")) {
                throw new AssertionError("a transaction failed for another reason than the power loss: "
                        + CrashRig.describe(failure) + "; " + what, failure);
            }
            env.internals().abandon();
            // the model takes a transaction's writes only once its commit returned
            Map<String, TreeMap<byte[], byte[]>> before = model.snapshot();
            what += ", " + fio.crashReport() + ", " + model.commits() + " commits so far";

            try (Environment reopened = Environment.open(home, config(NioFileIO.INSTANCE))) {
                what += "; recovery: " + reopened.recoveryReport();
                Set<String> listed = ModelWorkload.preparedIds(reopened);
                if (inFlight.preparing() != null) {
                    // A prepare cut short: prepared or not, its writes are invisible.
                    check(reopened, rnd, before, what);
                    if (listed.contains(inFlight.preparing())) {
                        model.notePrepared(inFlight.preparing(), inFlight);
                        cutShortCommitted++;
                    } else {
                        cutShortLost++;
                    }
                } else if (inFlight.resolving() != null) {
                    // The completion of a prepared transaction cut short: still prepared, or completed.
                    String gid = inFlight.resolving();
                    if (listed.contains(gid)) {
                        check(reopened, rnd, before, what);
                        cutShortLost++;
                    } else {
                        Map<String, TreeMap<byte[], byte[]>> after = model.snapshot();
                        if (inFlight.resolvingCommit()) {
                            ModelWorkload.applyTo(after, model.preparedStep(gid));
                        }
                        check(reopened, rnd, after, what + " (prepared transaction " + gid + " completed)");
                        model.noteResolved(gid, inFlight.resolvingCommit());
                        cutShortCommitted++;
                    }
                } else if (inFlight.isEmpty()) {
                    check(reopened, rnd, before, what);
                } else {
                    // The transaction in flight either committed entirely or left no trace.
                    Map<String, TreeMap<byte[], byte[]>> withIt = model.snapshot();
                    ModelWorkload.applyTo(withIt, inFlight);
                    if (matches(reopened, before)) {
                        cutShortLost++;
                        model.restore(before);
                    } else {
                        check(reopened, rnd, withIt, what + " (neither without nor with the transaction in flight)");
                        cutShortCommitted++;
                        model.restore(withIt);
                    }
                }
                model.verify(reopened, rnd, what);
            }
        }
        System.out.println("[crash-test] " + rounds + " rounds, " + model.commits() + " commits, " + model.preparedCount()
                + " prepared at the end; steps cut short: " + cutShortCommitted + " found done, " + cutShortLost
                + " found undone");
    }

    private static void check(Environment env, Random rnd, Map<String, TreeMap<byte[], byte[]>> expected, String what) {
        try {
            ModelWorkload.verify(env, rnd, expected, what);
        } catch (AssertionError e) {
            env.internals().abandon();
            throw new AssertionError(e.getMessage() + "; environment copied to "
                    + CrashRig.preserve(env.home(), "model-" + System.nanoTime()), e);
        }
    }

    private static boolean matches(Environment env, Map<String, TreeMap<byte[], byte[]>> expected) {
        try {
            ModelWorkload.verify(env, new Random(0), expected, "probe");
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    private static EnvironmentConfig config(org.cairndb.io.FileIO io) {
        return new EnvironmentConfig().fileIO(io).durability(Durability.SYNC).logSegmentSize(128 << 10)
                .logBufferSize(64 << 10).cacheSize(4 << 20).checkpointKBytes(256).lockTimeout(Duration.ofSeconds(2))
                .pageReuseDelay(Duration.ZERO);
    }
}
