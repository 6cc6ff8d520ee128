package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss while continuous archiving copies segments and automatic log removal deletes them.
 * The rule under test: a segment leaves the log directory only once its archived copy is durable,
 * so that after any power loss the archive and the log directory together still hold one unbroken
 * chain. Each round writes until the power fails at a random file operation (losing unforced writes
 * and, sometimes, unsynced renames and deletions), reopens the environment, and then restores the
 * backup taken at the start with the archive and the log: the restore must hold exactly what the
 * reopened environment holds.
 */
class ArchivePowerLossTest {

    @TempDir
    Path tmp;

    @Test
    void theArchiveAndTheLogKeepOneChainThroughPowerLoss() throws Exception {
        long seed = Seeds.seed("ArchivePowerLossTest.theArchiveAndTheLogKeepOneChainThroughPowerLoss");
        Random rnd = new Random(seed);
        Path home = tmp.resolve("env");
        Path archive = tmp.resolve("archive");
        Path backup = tmp.resolve("backup");
        try (Environment env = Environment.open(home, config(NioFileIO.INSTANCE, archive))) {
            write(env, rnd, 20);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
        }
        int rounds = Seeds.rounds(10);
        int removed = 0;
        for (int round = 0; round < rounds; round++) {
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-" + round),
                    rnd.nextLong());
            CrashOptions options = CrashOptions.lossOnly();
            if (rnd.nextBoolean()) {
                options.keepDirectoryChanges(0.5);
            }
            String what = "seed " + seed + ", round " + round + " (" + options + ")";
            Environment env = Environment.open(home, config(fio, archive));
            fio.crashAfterOperations(50 + rnd.nextInt(600), options);
            try {
                for (int i = 0; i < 5_000; i++) {
                    write(env, rnd, 1);
                }
                fail("no file operation failed in 5,000 transactions after the power loss; " + what);
            } catch (RuntimeException e) {
                TestSupport.awaitTrue(fio::isCrashed, "the simulated crash to finish; " + what);
                if (!CrashRig.chainMentions(e, "simulated power loss")) {
                    throw new AssertionError("a transaction failed for another reason than the power loss: "
                            + CrashRig.describe(e) + "; " + what, e);
                }
            }
            env.internals().abandon();
            what += ", " + fio.crashReport();
            Map<String, String> reopened;
            try (Environment again = Environment.open(home, config(NioFileIO.INSTANCE, archive))) {
                reopened = digests(again);
                removed = Math.max(removed, (int) again.internals().logArchive().allSegments().stream()
                        .mapToLong(p -> org.cairndb.log.SegmentFiles.number(p.getFileName().toString())).min().orElse(0) - 1);
            }
            Path restore = tmp.resolve("restore-" + round);
            TestSupport.copyTree(backup, restore);
            EnvironmentConfig catastrophic = new EnvironmentConfig().cacheSize(8L << 20).catastrophicRecovery(true)
                    .logSources(List.of(archive, home.resolve("log")));
            try (Environment restored = Environment.open(restore, catastrophic)) {
                assertEquals(reopened, digests(restored), "the backup, the archive and the log restore what the environment"
                        + " holds; " + what);
            }
            try (var walk = java.nio.file.Files.walk(restore)) {
                for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(p);
                }
            }
        }
        assertTrue(removed > 0, "automatic removal took segments out of the log directory during the test");
        System.out.println("[crash-test] " + rounds + " rounds of power loss while archiving; segments up to " + removed
                + " removed from log/ and restored from the archive");
    }

    /** Transactions of random puts and deletes, committed durably. */
    private static void write(Environment env, Random rnd, int transactions) {
        for (int t = 0; t < transactions; t++) {
            Database db = env.openDatabase("db" + rnd.nextInt(2));
            try (Transaction tx = env.beginTransaction()) {
                int n = 1 + rnd.nextInt(20);
                for (int i = 0; i < n; i++) {
                    byte[] key = ("k" + rnd.nextInt(2_000)).getBytes(StandardCharsets.US_ASCII);
                    if (rnd.nextInt(5) == 0) {
                        db.delete(tx, key);
                    } else {
                        db.put(tx, key, new byte[rnd.nextInt(rnd.nextInt(8) == 0 ? 20_000 : 400)]);
                    }
                }
                tx.commit();
            }
        }
    }

    private static Map<String, String> digests(Environment env) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String name : env.databaseNames()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            long n = 0;
            try (Cursor c = env.openDatabase(name, false).openCursor(null)) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    md.update(c.key());
                    md.update((byte) 0);
                    md.update(c.value());
                    n++;
                }
            }
            out.put(name, n + " records, " + HexFormat.of().formatHex(md.digest()));
        }
        return out;
    }

    private static EnvironmentConfig config(FileIO io, Path archive) {
        return new EnvironmentConfig().fileIO(io).durability(Durability.SYNC).logSegmentSize(64 << 10)
                .cacheSize(4 << 20).checkpointKBytes(128).checkpointInterval(Duration.ofMillis(200)).lockTimeout(Duration.ofSeconds(2)).pageReuseDelay(Duration.ZERO)
                .archiveEnabled(true).archiveDir(archive).logAutoRemove(true);
    }
}
