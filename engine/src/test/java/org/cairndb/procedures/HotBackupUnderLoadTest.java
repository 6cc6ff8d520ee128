package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.BackupResult;
import org.cairndb.backup.HotBackup;
import org.cairndb.tools.BackupVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot backups (the engine's, as {@code cairn hotbackup} and the adapter's MBean take them) of an
 * environment that writer threads keep changing and the checkpointer keeps checkpointing, in
 * seeded random variations: checkpoint first or not, a new backup or an update of an earlier one,
 * flat or split layout, recovered by the backup or left to {@code cairn recover -c}, a rate limit
 * that stretches the copy over several checkpoints, random pauses. The page-reuse delay is zero:
 * only the backup's pin keeps the pages it copies in place. Every backup must pass {@code
 * verifybackup}, and restored it must be consistent and hold every transfer acknowledged before
 * the backup (or update) began.
 */
class HotBackupUnderLoadTest {

    @TempDir
    Path dir;

    @Test
    void fiftySeededBackupsUnderConcurrentWriters() throws Exception {
        long seed = Seeds.seed("fiftySeededBackupsUnderConcurrentWriters");
        int rounds = Seeds.rounds(50);
        Random random = new Random(seed);
        Path home = dir.resolve("env");
        EnvironmentConfig cfg = new EnvironmentConfig().cacheSize(32L << 20).logSegmentSize(64 << 10)
                .checkpointKBytes(32).pageReuseDelay(Duration.ZERO).lockTimeout(Duration.ofSeconds(5));
        int updates = 0;
        int unrecovered = 0;
        try (Environment env = Environment.open(home, cfg)) {
            TransferWriter.initBank(env, 5000);
            Path previous = null;
            try (TransferWriter w = new TransferWriter(env, 2, seed, 400)) {
                for (int round = 0; round < rounds; round++) {
                    String context = "round " + round + " of seed " + seed;
                    w.awaitMore(20 + random.nextInt(150));
                    boolean update = previous != null && random.nextInt(3) == 0;
                    Path target = update ? previous : dir.resolve("backup-" + round);
                    BackupOptions options = BackupOptions.defaults().withCheckpointFirst(random.nextBoolean())
                            .withUpdate(update).withSplitLayout(random.nextBoolean()).withRecover(random.nextInt(4) != 0)
                            .withMaxRate(random.nextInt(3) == 0 ? 2 + random.nextInt(8) : 0);
                    long[] acknowledged = w.acknowledged();
                    BackupResult r = HotBackup.run(env.internals(), target, options);
                    assertEquals(options.recover(), r.recovery() != null, context);
                    BackupVerifier.Report verified = new BackupVerifier(target).verify();
                    assertTrue(verified.ok(), context + ": " + verified.problems());
                    // Restore a copy, so that the backup itself stays as taken (a later round may update it).
                    Path restore = dir.resolve("restore-" + round);
                    TestSupport.copyTree(target, restore);
                    if (!options.recover()) {
                        Cairn.ok("recover", "-c", "-h", restore.toString());
                        unrecovered++;
                    }
                    try (Environment restored = Environment.open(restore, cfg.copy().allowCreate(false))) {
                        TransferWriter.assertConsistentAndHolds(restored, acknowledged, context + " (" + options + ")");
                    }
                    TestSupport.deleteTree(restore);
                    if (update) {
                        updates++;
                    } else if (previous != null && random.nextBoolean()) {
                        TestSupport.deleteTree(previous);
                    }
                    previous = target;
                    if (!Files.isDirectory(previous)) {
                        previous = null;
                    }
                }
            }
        }
        System.out.println("[procedures] " + rounds + " hot backups: " + updates + " updates, " + unrecovered
                + " restored with cairn recover -c");
    }
}
