package org.cairndb.procedures;

import static org.cairndb.KeyedCommits.commit;
import static org.cairndb.KeyedCommits.keys;
import static org.cairndb.KeyedCommits.named;
import static org.cairndb.KeyedCommits.union;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A point-in-time recovery of an environment that archives continuously: its new history takes
 * the segment names the archive holds for the old one. The archive's old copies move aside (kept)
 * like the log's, so that archiving goes on in the same directory and a later catastrophic recovery
 * from the archive sees the new history only; a restored copy taken back in time beside its
 * still-running original leaves the original's archive alone.
 */
class PointInTimeRecoveryArchiveTest {

    @TempDir
    Path tmp;

    private EnvironmentConfig config(Path archive) {
        return TestSupport.config().logSegmentSize(64 << 10).archiveEnabled(true).archiveDir(archive);
    }
    private static Map<String, byte[]> contents(Path dir) throws Exception {
        Map<String, byte[]> out = new HashMap<>();
        for (long seg : SegmentFiles.list(NioFileIO.INSTANCE, dir)) {
            out.put(SegmentFiles.name(seg), Files.readAllBytes(dir.resolve(SegmentFiles.name(seg))));
        }
        return out;
    }

    @Test
    void archivingGoesOnAfterAPointInTimeRecoveryAndTheArchiveRecoversTheNewHistory() throws Exception {
        Path home = tmp.resolve("home");
        Path archive = tmp.resolve("archive");
        Path backup = tmp.resolve("backup");
        List<Long> ids;
        try (Environment env = Environment.open(home, config(archive))) {
            commit(env, "base", 0, 10);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(true));
            ids = commit(env, "old", 0, 200); // some 300 KB: several segments, archived as they finish
        }
        // The admin undoes a mistake in place: the data files from the backup, the home's own log.
        TestSupport.deleteTree(home.resolve("data"));
        TestSupport.copyTree(backup.resolve("data"), home.resolve("data"));
        int kept = 120;
        try (Environment env = Environment.open(home, config(archive).catastrophicRecovery(true)
                .recoveryTarget(RecoveryTarget.transaction(ids.get(kept - 1), true)))) {
            String notes = String.join("\n", env.recoveryReport().notes());
            assertTrue(notes.contains("moved them aside into"), notes);
        }
        List<Path> aside;
        try (var s = Files.list(archive)) {
            aside = s.filter(p -> p.getFileName().toString().startsWith("after-")).toList();
        }
        assertEquals(1, aside.size(), "one directory of the old history in the archive: " + aside);
        assertFalse(SegmentFiles.list(NioFileIO.INSTANCE, aside.get(0)).isEmpty());

        try (Environment env = Environment.open(home, config(archive))) {
            assertEquals(union(named("base", 0, 10), named("old", 0, kept)), keys(env));
            commit(env, "new", 0, 150);
            TestSupport.awaitArchived(env);
            assertNull(env.internals().archiveStatus().lastError());
            assertEquals(0, env.internals().archiveStatus().failures(), env.internals().archiveStatus().toString());
        }

        // The disk is lost: the backup and the archive (and nothing else) give back the new history.
        Path restored = tmp.resolve("restored");
        TestSupport.copyTree(backup, restored);
        TestSupport.deleteTree(home);
        try (Environment env = Environment.open(restored, TestSupport.config().catastrophicRecovery(true)
                .logSources(List.of(archive)))) {
            TreeSet<String> got = keys(env);
            assertTrue(got.containsAll(union(named("base", 0, 10), named("old", 0, kept))), got::toString);
            assertTrue(got.stream().noneMatch(k -> k.startsWith("old") && Integer.parseInt(k.substring(3)) >= kept),
                    "nothing of the old history after the target: " + got);
            assertTrue(got.stream().anyMatch(k -> k.startsWith("new")), "the archived part of the new history: " + got);
        }
    }

    /**
     * The home's log is lost but for the segment being written; recovery takes the rest from the
     * archive into log/, reaches the target, moves the archive's copies of the old history aside,
     * and then fails to cut the segment holding the target (an I/O error). The failed recovery took
     * the segments it had gathered back out of log/, while the archive's copies were already moved
     * aside: run again, it found the log ending before the target, "recovered to its end" and
     * silently lost the commits in those segments. Run again, it must recover exactly the commits
     * up to the target.
     */
    @Test
    void aRecoveryThatFailsAtTheCutAfterTheArchiveMovedAsideRecoversEverythingRunAgain() throws Exception {
        Path home = tmp.resolve("home");
        Path archive = tmp.resolve("archive");
        Path backup = tmp.resolve("backup");
        List<Long> ids;
        try (Environment env = Environment.open(home, config(archive))) {
            commit(env, "base", 0, 10);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(true));
            ids = commit(env, "old", 0, 200);
            TestSupport.awaitArchived(env);
        }
        TestSupport.deleteTree(home.resolve("data"));
        TestSupport.copyTree(backup.resolve("data"), home.resolve("data"));
        for (long seg : SegmentFiles.list(NioFileIO.INSTANCE, archive)) {
            Files.delete(home.resolve("log").resolve(SegmentFiles.name(seg))); // lost: the archive holds them
        }
        int kept = 120;
        RecoveryTarget target = RecoveryTarget.transaction(ids.get(kept - 1), true);
        org.cairndb.io.FaultInjectingFileIO io = new org.cairndb.io.FaultInjectingFileIO(NioFileIO.INSTANCE,
                tmp.resolve("scratch"), 1).failWrite(1, p -> p.getFileName().toString().endsWith(".cut"), false);
        org.cairndb.CairnException e = org.junit.jupiter.api.Assertions.assertThrows(org.cairndb.CairnException.class,
                () -> Environment.open(home, config(archive).fileIO(io).catastrophicRecovery(true).recoveryTarget(target))
                        .close());
        assertTrue(e.getMessage().contains(".cut"), e::toString);
        try (Environment env = Environment.open(home, config(archive).catastrophicRecovery(true).recoveryTarget(target))) {
            String notes = String.join("\n", env.recoveryReport().notes());
            assertTrue(notes.contains("stopped at the recovery target"), notes);
            assertEquals(union(named("base", 0, 10), named("old", 0, kept)), keys(env));
        }
        try (Environment env = Environment.open(home, config(archive))) {
            assertEquals(union(named("base", 0, 10), named("old", 0, kept)), keys(env));
        }
    }

    @Test
    void aRestoredCopyTakenBackInTimeLeavesTheRunningOriginalsArchiveAlone() throws Exception {
        Path home = tmp.resolve("home");
        Path archive = tmp.resolve("archive");
        Path backup = tmp.resolve("backup");
        try (Environment env = Environment.open(home, config(archive))) {
            commit(env, "base", 0, 10);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(true));
            List<Long> ids = commit(env, "old", 0, 200);
            TestSupport.awaitArchived(env);
            Map<String, byte[]> before = contents(archive);

            Path restored = tmp.resolve("restored");
            TestSupport.copyTree(backup, restored);
            try (Environment copy = Environment.open(restored, config(archive).catastrophicRecovery(true)
                    .recoveryTarget(RecoveryTarget.transaction(ids.get(119), true)))) {
                String notes = String.join("\n", copy.recoveryReport().notes());
                assertTrue(notes.contains("left as they are") && notes.contains(home.toRealPath().toString()), notes);
                assertEquals(union(named("base", 0, 10), named("old", 0, 120)), keys(copy));
            }
            Map<String, byte[]> after = contents(archive);
            assertEquals(before.keySet(), after.keySet(), "the original's archive kept every segment");
            for (String name : before.keySet()) {
                assertArrayEquals(before.get(name), after.get(name), name);
            }
            try (var s = Files.list(archive)) {
                assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith("after-")));
            }
            commit(env, "more", 0, 100);
            TestSupport.awaitArchived(env);
            assertNull(env.internals().archiveStatus().lastError());
        }
    }
}
