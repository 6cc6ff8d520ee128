package org.cairndb.crash;

import static org.cairndb.KeyedCommits.commit;
import static org.cairndb.KeyedCommits.keys;
import static org.cairndb.KeyedCommits.named;
import static org.cairndb.KeyedCommits.union;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.FaultInjectingFileIO.TornWrite;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss at each force and directory sync of a point-in-time recovery: the data files restored
 * from a backup, recovered with the home's own log to a target in the middle of it. The recovery
 * moves the later segments into {@code log/after-*}, copies and cuts the segment holding the
 * target, and (when the home archives continuously) moves the archive's copies of the old history
 * into {@code <archive>/after-*}. Whatever step the power fails at (unforced writes lost, unsynced
 * renames undone or, sometimes, kept), the old history's segments must all still be somewhere,
 * byte for byte; the same recovery run again must finish, holding exactly the commits up to the
 * target; and no later open may bring back what came after it.
 */
class PointInTimeRecoveryPowerLossTest {

    private static final int OLD = 120;
    private static final int KEPT = 50;

    @TempDir
    Path tmp;

    @Test
    void aTransactionTargetSurvivesPowerLossAtEveryStep() throws Exception {
        run(false, false);
    }

    @Test
    void aTimeTargetSurvivesPowerLossAtEveryStep() throws Exception {
        run(false, true);
    }

    @Test
    void aTransactionTargetWithTheArchiveSurvivesPowerLossAtEveryStep() throws Exception {
        run(true, false);
    }

    @Test
    void aTimeTargetWithTheArchiveSurvivesPowerLossAtEveryStep() throws Exception {
        run(true, true);
    }

    /**
     * Found by FaultSweepTest: the segment holding the target was zeroed from the cut on in place.
     * A power loss part way through that write, with part of it on the disk, left zeros followed by
     * records of the old history that had been on the disk before: the same recovery run again
     * refused the segment as damaged ("record checksum mismatch ... the valid record at offset N
     * shows these bytes had been forced"). The segment is now cut in a copy that replaces it.
     */
    @Test
    void aCutTornByThePowerLossIsRunAgain() throws Exception {
        Path home = tmp.resolve("home");
        Path archive = tmp.resolve("archive");
        RecoveryTarget target = prepare(home, archive, false, true);
        Path logDir = home.resolve("log").toAbsolutePath().normalize();
        // The first write past a segment's header into a segment (or its copy being cut) in log/
        // itself is the one that zeroes it from the cut on; every other unforced change survives.
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 3);
        fio.crashOnWriteAt(1, (p, pos) -> pos > 0 && p.getParent().equals(logDir)
                && p.getFileName().toString().startsWith("log.0"), CrashOptions.tear(FaultInjectingFileIO.Tear.PREFIX,
                        p -> true).keepProbability(1).keepDirectoryChanges(1));
        try {
            Environment.open(home, recovery(fio, archive, false, target)).internals().abandon();
        } catch (RuntimeException expected) {
            // the power loss
        }
        assertTrue(fio.isCrashed(), "the power failed during the cut");
        TornWrite torn = fio.crashReport().torn();
        assertTrue(torn != null && torn.bytesPersisted() > 0, "part of the cut reached the disk: " + fio.crashReport());
        try (Environment env = Environment.open(home, recovery(NioFileIO.INSTANCE, archive, false, target))) {
            assertEquals(union(named("base", 0, 10), named("old", 0, KEPT)), keys(env), fio.crashReport().toString());
        }
        try (Environment env = Environment.open(home, config(NioFileIO.INSTANCE, archive, false))) {
            assertEquals(union(named("base", 0, 10), named("old", 0, KEPT)), keys(env));
        }
    }

    private void run(boolean archiving, boolean byTime) throws Exception {
        long seed = Seeds.seed("PointInTimeRecoveryPowerLossTest " + (archiving ? "archive " : "") + (byTime ? "time" : "txn"));
        Random rnd = new Random(seed);
        Path home = tmp.resolve("home");
        Path archive = tmp.resolve("archive");
        Path pristine = tmp.resolve("pristine");
        RecoveryTarget target = prepare(home, archive, archiving, byTime);
        TestSupport.copyTree(home, pristine.resolve("home"));
        if (archiving) {
            TestSupport.copyTree(archive, pristine.resolve("archive"));
        }
        Map<String, byte[]> oldHistory = segments(home.resolve("log"));
        TreeSet<String> expected = union(named("base", 0, 10), named("old", 0, KEPT));
        int crashes = 0;
        for (int n = 1; ; n++) {
            restore(pristine, home, archive, archiving);
            CrashOptions options = CrashOptions.lossOnly();
            if (rnd.nextInt(3) == 0) {
                options.keepDirectoryChanges(0.5);
            }
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-" + n), rnd.nextLong());
            fio.crashOnForce(n, p -> true, options);
            String what = "seed " + seed + ", power lost at force " + n + " of the recovery to " + target;
            try {
                Environment env = Environment.open(home, recovery(fio, archive, archiving, target));
                env.internals().abandon();
            } catch (RuntimeException e) {
                assertTrue(fio.isCrashed(), "the recovery failed for another reason than the power loss; " + what + ": "
                        + CrashRig.describe(e));
            }
            if (!fio.isCrashed()) {
                assertTrue(n > 5, "the recovery forced only " + (n - 1) + " times");
                break;
            }
            crashes++;
            what += " (" + fio.crashReport() + ")";
            assertOldHistoryKept(oldHistory, home, archive, "after the power loss; " + what);

            String notes;
            try (Environment env = Environment.open(home, recovery(NioFileIO.INSTANCE, archive, archiving, target))) {
                notes = String.join("\n", env.recoveryReport().notes());
                assertEquals(expected, keys(env), "the same recovery run again; " + what + "\n" + notes);
            } catch (RuntimeException e) {
                throw new AssertionError("the same recovery run again failed: " + e.getMessage() + "; " + what, e);
            }
            what += "\nnotes of the rerun:\n" + notes;
            assertOldHistoryKept(oldHistory, home, archive, "after the rerun; " + what);
            Path logAside = onlyAside(home.resolve("log"), what);
            long cutSegment = Long.parseLong(logAside.getFileName().toString().replaceAll(".*-at-(\\d+)_\\d+$", "$1"));
            if (archiving) {
                for (long seg : SegmentFiles.list(NioFileIO.INSTANCE, archive)) {
                    String name = SegmentFiles.name(seg);
                    assertFalse(seg >= cutSegment && Arrays.equals(oldHistory.get(name),
                            Files.readAllBytes(archive.resolve(name))), "the archive still holds the old history's " + name
                            + " under its name, which the new history takes; " + what);
                }
                Path archiveAside = onlyAside(archive, what);
                assertEquals(logAside.getFileName(), archiveAside.getFileName(), what);
            }
            try (Environment env = Environment.open(home, config(NioFileIO.INSTANCE, archive, archiving))) {
                assertEquals(expected, keys(env), "a normal open afterwards; " + what + "\n" + env.recoveryReport());
            }
        }
        System.out.println("[crash-test] point-in-time recovery " + (archiving ? "with archive, " : "") + "to " + target
                + ": " + crashes + " power losses, each run again");
    }

    /**
     * The home as the admin leaves it before the recovery: its own log of base and old commits, the
     * data files of a backup taken after the base ones. Returns the target: after old commit KEPT-1.
     */
    private RecoveryTarget prepare(Path home, Path archive, boolean archiving, boolean byTime) throws Exception {
        Path backup = tmp.resolve("backup");
        RecoveryTarget target;
        try (Environment env = Environment.open(home, config(NioFileIO.INSTANCE, archive, archiving))) {
            commit(env, "base", 0, 10);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(true));
            List<Long> ids = commit(env, "old", 0, KEPT);
            long after = System.currentTimeMillis();
            // The commits after the target come at a later millisecond than every one before it.
            TestSupport.awaitTrue(() -> System.currentTimeMillis() > after, "the clock to move on");
            commit(env, "old", KEPT, OLD);
            target = byTime ? RecoveryTarget.time(Instant.ofEpochMilli(after), true)
                    : RecoveryTarget.transaction(ids.get(KEPT - 1), true);
            if (archiving) {
                TestSupport.awaitArchived(env);
            }
        }
        assertTrue(SegmentFiles.list(NioFileIO.INSTANCE, home.resolve("log")).size() >= 3, "several segments");
        TestSupport.deleteTree(home.resolve("data"));
        TestSupport.copyTree(backup.resolve("data"), home.resolve("data"));
        return target;
    }

    private static void restore(Path pristine, Path home, Path archive, boolean archiving) throws Exception {
        TestSupport.deleteTree(home);
        TestSupport.copyTree(pristine.resolve("home"), home);
        if (archiving) {
            TestSupport.deleteTree(archive);
            TestSupport.copyTree(pristine.resolve("archive"), archive);
        }
    }

    /** Every segment of the old history, byte for byte, in log/, log/after-*, the archive or its after-*. */
    private static void assertOldHistoryKept(Map<String, byte[]> oldHistory, Path home, Path archive, String what)
            throws Exception {
        List<Path> places = new ArrayList<>(List.of(home.resolve("log"), archive));
        places.addAll(asides(home.resolve("log")));
        places.addAll(asides(archive));
        for (Map.Entry<String, byte[]> e : oldHistory.entrySet()) {
            boolean found = false;
            for (Path dir : places) {
                Path p = dir.resolve(e.getKey());
                found |= Files.isRegularFile(p) && Arrays.equals(e.getValue(), Files.readAllBytes(p));
            }
            assertTrue(found, "the old history's " + e.getKey() + " is lost: in none of " + places + "; " + what);
        }
    }

    private static List<Path> asides(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var s = Files.list(dir)) {
            return s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith("after-")).sorted().toList();
        }
    }

    private static Path onlyAside(Path dir, String what) throws Exception {
        List<Path> a = asides(dir);
        assertEquals(1, a.size(), "one after-* directory in " + dir + ": " + a + "; " + what);
        return a.get(0);
    }

    private static Map<String, byte[]> segments(Path dir) throws Exception {
        Map<String, byte[]> out = new HashMap<>();
        for (long seg : SegmentFiles.list(NioFileIO.INSTANCE, dir)) {
            out.put(SegmentFiles.name(seg), Files.readAllBytes(dir.resolve(SegmentFiles.name(seg))));
        }
        return out;
    }

    private static EnvironmentConfig recovery(FileIO io, Path archive, boolean archiving, RecoveryTarget target) {
        return config(io, archive, archiving).catastrophicRecovery(true).recoveryTarget(target);
    }

    private static EnvironmentConfig config(FileIO io, Path archive, boolean archiving) {
        EnvironmentConfig c = new EnvironmentConfig().fileIO(io).durability(Durability.SYNC).cacheSize(8L << 20)
                .logSegmentSize(64 << 10).checkpointerEnabled(false);
        return archiving ? c.archiveEnabled(true).archiveDir(archive) : c;
    }
}
