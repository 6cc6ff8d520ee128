package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.TreeSet;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.Failover;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.KeyedCommits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss at each force and directory sync of a failover update that moves segments the
 * environment no longer needs into the copy: the environment must still open with every
 * acknowledged commit, and the update run again must leave a copy that opens with every commit
 * acknowledged before it began.
 */
class FailoverPowerLossTest {

    @TempDir
    Path tmp;

    @Test
    void aFailoverUpdateCutShortByPowerLossLosesNothingAndCanBeRunAgain() throws Exception {
        long seed = Seeds.seed("FailoverPowerLossTest");
        Random rnd = new Random(seed);
        Path home = tmp.resolve("home");
        Path copy = tmp.resolve("copy");
        Path pristine = tmp.resolve("pristine");
        try (Environment env = Environment.open(home, config(NioFileIO.INSTANCE))) {
            put(env, "a", 20);
            Failover.update(env.internals(), copy, BackupOptions.defaults());
            put(env, "b", 150); // several 64 KiB segments, unneeded once checkpointed
            env.checkpoint(true);
        }
        TestSupport.copyTree(home, pristine.resolve("home"));
        TestSupport.copyTree(copy, pristine.resolve("copy"));
        TreeSet<String> acked = KeyedCommits.named("a", 0, 20);
        acked.addAll(KeyedCommits.named("b", 0, 150));
        int crashes = 0;
        for (int n = 1; ; n++) {
            TestSupport.deleteTree(home);
            TestSupport.deleteTree(copy);
            TestSupport.copyTree(pristine.resolve("home"), home);
            TestSupport.copyTree(pristine.resolve("copy"), copy);
            CrashOptions options = CrashOptions.lossOnly();
            if (rnd.nextInt(3) == 0) {
                options.keepDirectoryChanges(0.5);
            }
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-" + n), rnd.nextLong());
            Environment env = Environment.open(home, config(fio));
            fio.crashOnForce(n, p -> true, options);
            String what = "seed " + seed + ", power lost at force " + n + " of the update";
            try {
                Failover.update(env.internals(), copy, BackupOptions.defaults());
            } catch (RuntimeException | java.io.IOException e) {
                assertTrue(fio.isCrashed(), "the update failed for another reason than the power loss; " + what + ": "
                        + CrashRig.describe(e));
            } finally {
                env.internals().abandon();
            }
            if (!fio.isCrashed()) {
                assertTrue(n > 5, "the update forced only " + (n - 1) + " times");
                assertTrue(!java.nio.file.Files.exists(home.resolve("log/log.0000000001"))
                        && java.nio.file.Files.exists(copy.resolve("log/log.0000000001")),
                        "the update moved the unneeded segments from the environment into the copy");
                break;
            }
            crashes++;
            what += " (" + fio.crashReport() + ")";
            try (Environment again = Environment.open(home, config(NioFileIO.INSTANCE))) {
                assertEquals(acked, KeyedCommits.keys(again), "the environment after the power loss; " + what);
                try {
                    Failover.update(again.internals(), copy, BackupOptions.defaults());
                } catch (RuntimeException e) {
                    throw new AssertionError("the update run again failed: " + e.getMessage() + "; " + what, e);
                }
            }
            try (Environment failedOver = Environment.open(copy, config(NioFileIO.INSTANCE).allowCreate(false))) {
                assertEquals(acked, KeyedCommits.keys(failedOver), "the copy after the update run again; " + what);
            }
        }
        System.out.println("[crash-test] failover update: " + crashes + " power losses, each run again");
    }

    private static void put(Environment env, String prefix, int n) {
        Database db = env.openDatabase("t", true);
        for (int i = 0; i < n; i++) {
            db.put(null, (prefix + i).getBytes(StandardCharsets.US_ASCII), new byte[1500]);
        }
    }

    private static EnvironmentConfig config(FileIO io) {
        return new EnvironmentConfig().fileIO(io).durability(Durability.SYNC).cacheSize(8L << 20)
                .logSegmentSize(64 << 10).checkpointerEnabled(false);
    }
}
