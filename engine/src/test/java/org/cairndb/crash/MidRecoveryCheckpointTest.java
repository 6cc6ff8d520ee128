package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery that replays more than its cache holds checkpoints the data files in the middle, in a
 * thread of its own while the replay goes on (see {@code recovery.BatchApplier}). A power loss or
 * a failing disk during such a checkpoint must leave an environment that the next open recovers
 * completely, and a failure must name the file it hit.
 */
class MidRecoveryCheckpointTest {

    private static final int KEYS = 30_000;
    private static final int DELETED = 5_000;

    @TempDir
    Path tmp;

    /** The crashed environment, kept as it was; each attempt recovers a copy of it. */
    private Path crashed;
    private Path home;

    /** Writes KEYS keys in scattered order with 300-byte values, deletes the first DELETED, and crashes: no checkpoint ran. */
    @BeforeEach
    void writeMoreThanTheSmallCacheHoldsAndCrash() {
        crashed = tmp.resolve("crashed");
        Environment env = Environment.open(crashed, config(NioFileIO.INSTANCE, 64L << 20).checkpointerEnabled(false));
        Database a = env.openDatabase("a");
        writeScattered(env, a, KEYS, 200, MidRecoveryCheckpointTest::value);
        try (Transaction t = env.beginTransaction()) {
            for (int k = 0; k < DELETED; k++) {
                a.delete(t, key(k));
            }
            t.commit();
        }
        env.internals().abandon();
    }

    private void freshCopyOfTheCrash(String name) throws IOException {
        home = tmp.resolve(name);
        TestSupport.copyTree(crashed, home);
    }

    @Test
    void aPowerLossDuringABackgroundCheckpointOfRecoveryLosesNothing() throws IOException {
        for (int n : new int[] {1, 2, 5, 12}) {
            freshCopyOfTheCrash("env-" + n);
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-" + n), n);
            // A data file's n-th force: the first ones belong to recovery's own checkpoints, the replay some 18 times the cache.
            fio.crashOnForce(n, CrashRig::isDataFile, CrashOptions.tear(FaultInjectingFileIO.Tear.ANY, CrashRig::isDataFile));
            openAndCloseThroughThePowerLoss(fio, config(fio, 1L << 20), "data-file force " + n);
            assertEverythingCommittedIsThere("after a power loss at data-file force " + n + " (" + fio.crashReport() + ")");
        }
    }

    @Test
    void aFailedForceDuringABackgroundCheckpointOfRecoveryNamesTheFileAndHarmsNothing() throws IOException {
        freshCopyOfTheCrash("env");
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 7);
        fio.failForce(2, CrashRig::isDataFile, false);
        RuntimeException e = assertThrows(RuntimeException.class, () -> Environment.open(home, config(fio, 1L << 20)).close());
        assertTrue(CrashRig.chainMentions(e, ".cdb"), "the error names the data file: " + CrashRig.describe(e));
        assertEverythingCommittedIsThere("after a failed force during recovery");
    }

    /**
     * Small records spread over a tree much larger than the cache: one batch of the replay (bounded
     * in log bytes, some 25,000 writes here) touches every leaf, so recovery checkpoints in the
     * middle of batches, recording the batch's own start. A power loss at any of the first forces
     * of those checkpoints: the next open recovers every record. The open makes 10 to 14 data-file
     * forces (how many checkpoints the replay takes depends on how fast each runs beside it; counted
     * over 16 runs), more than the three batch boundaries give; the points chosen lie within every
     * run's (a point past the last force once made this test fail by chance).
     */
    @Test
    void aPowerLossDuringACheckpointInTheMiddleOfABatchLosesNothing() throws IOException {
        Path small = tmp.resolve("small-records");
        Environment env = Environment.open(small, config(NioFileIO.INSTANCE, 64L << 20).checkpointerEnabled(false));
        Database b = env.openDatabase("b");
        int records = 60_000;
        writeScattered(env, b, records, 2000, MidRecoveryCheckpointTest::smallValue);
        env.internals().abandon();
        for (int n : new int[] {3, 6, 9}) {
            home = tmp.resolve("small-" + n);
            TestSupport.copyTree(small, home);
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-small-" + n), n);
            fio.crashOnForce(n, CrashRig::isDataFile, CrashOptions.tear(FaultInjectingFileIO.Tear.ANY, CrashRig::isDataFile));
            openAndCloseThroughThePowerLoss(fio, config(fio, 1L << 20), "data-file force " + n);
            try (Environment again = Environment.open(home, config(NioFileIO.INSTANCE, 1L << 20))) {
                Database d = again.openDatabase("b", false);
                assertEquals(records, d.count(), "after a power loss at data-file force " + n);
                for (int k = 0; k < records; k++) {
                    assertArrayEquals(smallValue(k), d.get(null, key(k)), "key " + k + " after a power loss at data-file force " + n);
                }
            }
        }
    }

    /**
     * A point-in-time recovery cut short after it checkpointed in the middle of its replay (an
     * admin's Ctrl-C, a power loss) is run again with the same target: it must be accepted (the
     * data files now hold a mid-replay checkpoint taken after the target time, naming no last
     * commit) and end with exactly the commits up to the target.
     */
    @Test
    void aPointInTimeRecoveryCutShortInTheMiddleOfItsReplayCanBeRunAgain() throws IOException, InterruptedException {
        Path source = tmp.resolve("pitr-source");
        Environment env = Environment.open(source, config(NioFileIO.INSTANCE, 64L << 20).checkpointerEnabled(false));
        Database a = env.openDatabase("a");
        writeScattered(env, a, KEYS, 200, MidRecoveryCheckpointTest::value);
        long target = System.currentTimeMillis();
        TestSupport.awaitTrue(() -> System.currentTimeMillis() > target + 1, "the clock to pass the target");
        try (Transaction t = env.beginTransaction()) {
            for (int k = 0; k < DELETED; k++) {
                a.delete(t, key(k));
            }
            t.commit();
        }
        env.internals().abandon();
        org.cairndb.RecoveryTarget toTarget = org.cairndb.RecoveryTarget.time(java.time.Instant.ofEpochMilli(target), true);
        for (int n : new int[] {2, 5}) {
            home = tmp.resolve("pitr-" + n);
            TestSupport.copyTree(source, home);
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-pitr-" + n), n);
            fio.crashOnForce(n, CrashRig::isDataFile, CrashOptions.tear(FaultInjectingFileIO.Tear.ANY, CrashRig::isDataFile));
            openAndCloseThroughThePowerLoss(fio, config(fio, 1L << 20).catastrophicRecovery(true).recoveryTarget(toTarget),
                    "data-file force " + n);
            try (Environment again = Environment.open(home,
                    config(NioFileIO.INSTANCE, 1L << 20).catastrophicRecovery(true).recoveryTarget(toTarget))) {
                Database d = again.openDatabase("a", false);
                assertEquals(KEYS, d.count(), "the deletion after the target is not replayed (power loss at force " + n + ")");
                for (int k = 0; k < KEYS; k++) {
                    assertArrayEquals(value(k), d.get(null, key(k)), "key " + k + " (power loss at force " + n + ")");
                }
            }
        }
    }

    /**
     * Opens (recovering) and closes through a power loss set up in {@code fio}. The power fails
     * during recovery's own checkpoints, and the open fails saying so; or, when the replay needed
     * fewer forces than on other runs, in the checkpoint that follows recovery in the background
     * once the open has returned: the environment then fails there and its close abandons it
     * quietly (the failure was the background thread's to report). Either way the power must
     * have failed, which the next open then has to survive.
     */
    private void openAndCloseThroughThePowerLoss(FaultInjectingFileIO fio, EnvironmentConfig config, String where) {
        try {
            Environment.open(home, config).close();
        } catch (RuntimeException e) {
            assertTrue(CrashRig.chainMentions(e, "simulated power loss"), CrashRig.describe(e));
        }
        assertTrue(fio.isCrashed(), "the power failed at " + where + " during or right after recovery");
    }

    /** Puts keys 0..records-1 in a scattered order (a permutation), {@code perTransaction} to a commit. */
    private static void writeScattered(Environment env, Database db, int records, int perTransaction,
            java.util.function.IntFunction<byte[]> value) {
        for (int i = 0; i < records; i += perTransaction) {
            try (Transaction t = env.beginTransaction()) {
                for (int j = i; j < i + perTransaction; j++) {
                    int k = (j * 7919) % records;
                    db.put(t, key(k), value.apply(k));
                }
                t.commit();
            }
        }
    }

    private static byte[] smallValue(int k) {
        return String.format("v%019d", k).getBytes(StandardCharsets.US_ASCII);
    }

    private void assertEverythingCommittedIsThere(String what) {
        try (Environment env = Environment.open(home, config(NioFileIO.INSTANCE, 1L << 20))) {
            assertTrue(env.recoveryReport().toString().length() > 0);
            Database a = env.openDatabase("a", false);
            assertEquals(KEYS - DELETED, a.count(), what);
            for (int k = 0; k < KEYS; k++) {
                byte[] v = a.get(null, key(k));
                if (k < DELETED) {
                    assertNull(v, what + ": deleted key " + k + " came back");
                } else {
                    assertArrayEquals(value(k), v, what + ": key " + k);
                }
            }
        }
    }

    private static EnvironmentConfig config(org.cairndb.io.FileIO io, long cache) {
        return new EnvironmentConfig().fileIO(io).durability(Durability.SYNC).cacheSize(cache).pageReuseDelay(java.time.Duration.ZERO);
    }

    private static byte[] key(int k) {
        return String.format("k%06d", k).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] value(int k) {
        byte[] v = new byte[300];
        Arrays.fill(v, (byte) ('a' + k % 26));
        v[0] = (byte) k;
        v[1] = (byte) (k >> 8);
        return v;
    }
}
