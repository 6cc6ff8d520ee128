package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Berkeley DB's three procedures (reference/bdb-archival.md, bdb-hot-failover.md), performed
 * literally as an admin would: {@code cairn archive -s} and {@code -l} (and without options) to
 * choose the files, plain {@link Files#copy} to copy them, {@code cairn recover -c} on the copy,
 * while an application (writer threads in this JVM, holding the environment) commits transfers.
 * Plain copies of data files are safe while writers run because a freed page is not reused for
 * {@code cairn.page.reuse.delay} (30 s, the default, kept here).
 */
class ReferenceProceduresTest {

    @TempDir
    Path dir;

    /** The application's configuration: small segments and frequent checkpoints, so that copies race both. */
    static EnvironmentConfig appConfig() {
        return new EnvironmentConfig().cacheSize(32L << 20).logSegmentSize(64 << 10).checkpointKBytes(48)
                .lockTimeout(Duration.ofSeconds(5));
    }

    static Environment openApp(Path home) throws IOException {
        Files.createDirectories(home);
        Files.writeString(home.resolve("cairn.properties"), "cairn.log.segment.size=64k\n");
        Environment env = Environment.open(home, appConfig());
        TransferWriter.initBank(env, 500);
        return env;
    }

    static void copyInto(List<Path> files, Path targetDir) throws IOException {
        Files.createDirectories(targetDir);
        for (Path f : files) {
            Files.copy(f, targetDir.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void assertRestored(Path restored, long[] acknowledged, String context) {
        try (Environment env = Environment.open(restored, new EnvironmentConfig().allowCreate(false))) {
            TransferWriter.assertConsistentAndHolds(env, acknowledged, context);
        }
    }

    /**
     * Standard backup: 1. commit or abort all ongoing transactions; 2. stop writing; (Cairn: a
     * checkpoint, so that the data files need only the last segment); 3. {@code cairn archive -s}
     * and copy the data files; 4. {@code cairn archive -l} and copy the last segment. Restored with
     * {@code cairn recover -c}, it holds exactly the transfers committed before writing stopped.
     */
    @Test
    void standardBackup() throws Exception {
        long seed = Seeds.seed("standardBackup");
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        long[] acknowledged;
        long total;
        try (Environment env = openApp(home); TransferWriter w = new TransferWriter(env, 3, seed, 200)) {
            w.awaitMore(600);
            w.pause(); // steps 1 and 2
            try {
                acknowledged = w.acknowledged();
                total = w.total();
                env.checkpoint(true);
                copyInto(Cairn.paths(home, Cairn.ok("archive", "-h", home.toString(), "-s")), backup.resolve("data"));
                List<Path> logs = Cairn.paths(home, Cairn.ok("archive", "-h", home.toString(), "-l"));
                copyInto(List.of(logs.get(logs.size() - 1)), backup.resolve("log"));
            } finally {
                w.resume();
            }
            w.awaitMore(300); // the application goes on
        }
        Cairn.Result r = Cairn.ok("recover", "-c", "-h", backup.toString());
        assertTrue(r.out().startsWith("catastrophic recovery of " + backup), r::toString);
        try (Environment env = Environment.open(backup, new EnvironmentConfig().allowCreate(false))) {
            TransferWriter.assertConsistentAndHolds(env, acknowledged, "standard backup, seed " + seed);
            assertEquals(total, TransferWriter.transfers(env), "a standard backup is the state of one instant");
        }
    }

    /**
     * Hot backup: 1. nothing removes log segments (no cairn.log.autoremove, no archive -d); 2.
     * {@code cairn archive -s}, copy the data files while the application writes; 3. {@code cairn
     * archive -l}, copy all the segments; 4. restore with {@code cairn recover -c}. Every transfer
     * acknowledged before the copy started is there, and the bank is consistent.
     */
    @Test
    void hotBackup() throws Exception {
        long seed = Seeds.seed("hotBackup");
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        long[] acknowledged;
        try (Environment env = openApp(home); TransferWriter w = new TransferWriter(env, 3, seed, 200)) {
            w.awaitMore(600);
            acknowledged = w.acknowledged();
            copyInto(Cairn.paths(home, Cairn.ok("archive", "-h", home.toString(), "-s")), backup.resolve("data"));
            w.awaitMore(100); // writes and checkpoints between the data files and the log
            copyInto(Cairn.paths(home, Cairn.ok("archive", "-h", home.toString(), "-l")), backup.resolve("log"));
            w.awaitMore(100);
        }
        Path restore = dir.resolve("restore");
        TestSupport.copyTree(backup, restore); // restoring from backup media
        Cairn.ok("recover", "-c", "-h", restore.toString());
        assertRestored(restore, acknowledged, "hot backup, seed " + seed);
    }

    /**
     * Hot failover: 1. {@code cairn archive -s}, copy the data files to the failover directory; 2.
     * {@code cairn archive}, move the segments no longer needed there; 3. {@code cairn archive -l},
     * copy the active segments there; 4. {@code cairn recover -c} on it; 5. copy it to an archival
     * location. Steps 2-5 are repeated while the application writes; after each round the failover
     * directory opens holding every transfer acknowledged before the round began.
     */
    @Test
    void hotFailover() throws Exception {
        long seed = Seeds.seed("hotFailover");
        Path home = dir.resolve("env");
        Path failover = dir.resolve("failover");
        Path failoverLog = failover.resolve("log");
        try (Environment env = openApp(home); TransferWriter w = new TransferWriter(env, 3, seed, 200)) {
            w.awaitMore(300);
            copyInto(Cairn.paths(home, Cairn.ok("archive", "-h", home.toString(), "-s")), failover.resolve("data"));
            for (int round = 1; round <= 4; round++) {
                long[] acknowledged = w.acknowledged();
                Cairn.Result unneeded = Cairn.ok("archive", "-h", home.toString());
                assertTrue(unneeded.err().contains("in use by"), unneeded::toString); // the application has it open
                for (Path p : Cairn.paths(home, unneeded)) { // step 2: move
                    Files.createDirectories(failoverLog);
                    Files.copy(p, failoverLog.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    Files.delete(p);
                }
                copyInto(Cairn.paths(home, Cairn.ok("archive", "-h", home.toString(), "-l")), failoverLog); // step 3
                Cairn.Result recovered = Cairn.ok("recover", "-c", "-h", failover.toString()); // step 4
                System.out.println("[procedures] failover round " + round + ": moved " + unneeded.lines().size()
                        + " segments; " + recovered.out().strip());
                Path archival = dir.resolve("archival-" + round);
                TestSupport.copyTree(failover, archival); // step 5
                assertRestored(archival, acknowledged, "failover round " + round + ", seed " + seed);
                long segment = env.internals().log().currentSegment();
                long checkpoints = env.stats().checkpoints();
                // New segments for step 2 next round, and a checkpoint after them (the application's
                // background checkpoints run about once a second) so that older ones become unneeded.
                while (env.internals().log().currentSegment() < segment + 1 || env.stats().checkpoints() <= checkpoints) {
                    w.awaitMore(50);
                }
            }
        }
        assertFalse(Files.list(home.resolve("log")).anyMatch(p -> p.getFileName().toString().equals("log.0000000001")),
                "step 2 moved the unneeded segments out of the environment");
    }
}
