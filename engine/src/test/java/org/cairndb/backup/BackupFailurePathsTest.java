package org.cairndb.backup;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.backup.HotBackupTest.Writer;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.cairndb.tools.BackupVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hot backup and failover when things go wrong while writers commit: a target that stops taking
 * writes half-way, an update run again after that, targets that are not what -u expects, a failover
 * copy that is open or was written to, and a record larger than a log segment.
 */
class BackupFailurePathsTest {

    @TempDir
    Path dir;

    private FaultInjectingFileIO faults() {
        return new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch"), 7);
    }

    private static EnvironmentConfig cfg(FaultInjectingFileIO io) {
        return HotBackupTest.cfg().fileIO(io);
    }

    /** Every file under {@code root} (relative path) with its size, leaving out {@code except} subtrees. */
    private static Map<String, Long> tree(Path root, List<Path> except) throws IOException {
        Map<String, Long> m = new TreeMap<>();
        try (var w = Files.walk(root)) {
            for (Path p : (Iterable<Path>) w::iterator) {
                // log.next.tmp: the segment an open environment prepares ahead, its own writing.
                if (except.stream().anyMatch(p::startsWith) || !Files.isRegularFile(p)
                        || p.getFileName().toString().equals("log.next.tmp")) {
                    continue;
                }
                m.put(root.relativize(p).toString(), Files.size(p));
            }
        }
        return m;
    }

    private static List<Long> segments(Path logDir) throws IOException {
        return SegmentFiles.list(NioFileIO.INSTANCE, logDir);
    }

    /**
     * An update whose target stops taking writes half-way (a full disk) fails naming the cause, the
     * environment keeps committing, and the same update run again brings the backup up to date.
     */
    @Test
    void anUpdateThatFailsHalfWayCanBeRunAgain() throws Exception {
        FaultInjectingFileIO io = faults();
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        long ackedBeforeRetry;
        try (Environment env = Environment.open(home, cfg(io)); Writer w = new Writer(env, 0)) {
            w.awaitAcked(300);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            w.awaitAcked(w.acked() + 2500); // a few 256 KiB segments more
            io.failWrite(2, p -> p.startsWith(backup), true);
            IOException e = assertThrows(IOException.class,
                    () -> HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true)));
            assertTrue(String.valueOf(e.getMessage()).length() > 0);
            io.clearFaults();
            long after = w.acked();
            w.awaitAcked(after + 200); // the source goes on committing
            ackedBeforeRetry = w.acked();
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true));
        }
        assertTrue(new BackupVerifier(backup).verify().ok(), "the backup matches its manifest");
        HotBackupTest.assertHoldsAtLeast(backup, ackedBeforeRetry);
        HotBackupTest.assertHoldsAtLeast(home, ackedBeforeRetry);
    }

    /**
     * Found by FaultSweepTest: an update whose recovery of the copy fails (an I/O error writing a
     * copied data file) has replaced segments the previous manifest lists. The copy's recovery
     * rewrote the lock file without the line saying files were being copied in, so verifybackup
     * took the update's files for damage ("changed after the backup", "take the backup again")
     * instead of naming the unfinished update and its rerun as the cure. The recovery now keeps the
     * line; only a finished copy (its manifest written) drops it.
     */
    @Test
    void anUpdateWhoseRecoveryOfTheCopyFailsIsNamedAsUnfinished() throws Exception {
        FaultInjectingFileIO io = faults();
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(home, cfg(io))) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < 300; i++) {
                db.put(null, b(String.format("k%08d", i)), new byte[300]);
            }
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            for (int i = 300; i < 2000; i++) {
                db.put(null, b(String.format("k%08d", i)), new byte[300]);
            }
            // Copied files arrive under temporary names: the first write to t.cdb itself is the recovery's.
            io.failWrite(1, p -> p.equals(backup.resolve("t.cdb")), false);
            org.cairndb.StorageException e = assertThrows(org.cairndb.StorageException.class,
                    () -> HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true)));
            assertTrue(e.getMessage().contains("cannot recover the copy"), e.getMessage());
            BackupVerifier.Report r = new BackupVerifier(backup).verify();
            assertFalse(r.ok(), "the update changed files the previous manifest lists");
            assertTrue(r.problems().toString().contains("stopped before it finished"),
                    "verifybackup names the unfinished update: " + r.problems());
            io.clearFaults();
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true));
        }
        BackupVerifier.Report r = new BackupVerifier(backup).verify();
        assertTrue(r.ok(), "the update run again finished the copy: " + r.problems());
        HotBackupTest.assertHoldsAtLeast(backup, 1999);
    }

    /**
     * A first backup that fails half-way leaves a directory without a manifest: run again without
     * -u it is refused (not empty), with -u it is refused (no manifest); neither message may send the
     * admin to the other one, and the environment keeps working.
     */
    @Test
    void aFirstBackupThatFailedHalfWayIsNamedAsIncomplete() throws Exception {
        FaultInjectingFileIO io = faults();
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(home, cfg(io)); Writer w = new Writer(env, 0)) {
            w.awaitAcked(2000);
            io.failWrite(3, p -> p.startsWith(backup), true);
            assertThrows(IOException.class, () -> HotBackup.run(env.internals(), backup, BackupOptions.defaults()));
            io.clearFaults();
            IllegalArgumentException again = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), backup, BackupOptions.defaults()));
            assertTrue(again.getMessage().contains(backup.toString()), again.getMessage());
            assertFalse(again.getMessage().contains("with -u"), "an incomplete backup cannot be updated: " + again.getMessage());
            IllegalArgumentException update = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true)));
            assertTrue(update.getMessage().contains("holds no backup.manifest"), update.getMessage());
            w.awaitAcked(w.acked() + 100);
        }
    }

    /**
     * The first failover update stops after it moved the segments the environment no longer needs
     * (the disk of the copy fills while it copies the segments still in use). The environment has
     * no other archive, so those segments exist only in the failover directory now; the documented
     * answer to an unfinished first update is "move it away or empty it". Emptying it must not lose
     * log the environment had: nothing may have left the environment before the copy is complete.
     */
    @Test
    void anUnfinishedFirstFailoverUpdateTakesNoSegmentFromTheEnvironment() throws Exception {
        FaultInjectingFileIO io = faults();
        Path home = dir.resolve("env");
        Path failover = dir.resolve("failover");
        try (Environment env = Environment.open(home, cfg(io))) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < 3000; i++) {
                db.put(null, b(String.format("k%08d", i)), new byte[300]);
            }
            env.checkpoint(true);
            List<Path> archivable = env.internals().logArchive().archivable();
            assertTrue(archivable.size() >= 2, "segments the environment no longer needs: " + archivable);
            List<Long> before = segments(home.resolve("log"));
            // Fails on the first segment copied after the archivable ones were moved.
            io.failWrite(archivable.size() + 1, p -> p.startsWith(failover.resolve("log")), true);
            assertThrows(IOException.class, () -> Failover.update(env.internals(), failover, BackupOptions.defaults()));
            io.clearFaults();
            assertEquals(before, segments(home.resolve("log")),
                    "an unfinished first failover update left the environment's log as it was");
            db.put(null, b("later"), b("x"));
            // As documented: empty it (here: a new directory), then update again.
            Failover.update(env.internals(), dir.resolve("failover2"), BackupOptions.defaults());
        }
        HotBackupTest.assertHoldsAtLeast(dir.resolve("failover2"), 2999);
    }

    /** A failover update while the copy is open (someone failed over to it, in this JVM) is refused naming the holder. */
    @Test
    void aFailoverUpdateOfAnOpenCopyIsRefusedNamingIt() throws Exception {
        Path home = dir.resolve("env");
        Path failover = dir.resolve("failover");
        try (Environment env = Environment.open(home, HotBackupTest.cfg()); Writer w = new Writer(env, 0)) {
            w.awaitAcked(500);
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            Map<String, Long> copyBefore;
            try (Environment open = Environment.open(failover, HotBackupTest.cfg().allowCreate(false))) {
                copyBefore = tree(failover, List.of());
                w.awaitAcked(w.acked() + 500);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> Failover.update(env.internals(), failover, BackupOptions.defaults()));
                assertTrue(e.getMessage().contains(failover.toString()) && e.getMessage().contains("Nothing was changed"),
                        e.getMessage());
                assertEquals(copyBefore, tree(failover, List.of()), "the open copy was left alone");
            }
            w.awaitAcked(w.acked() + 100);
            Failover.update(env.internals(), failover, BackupOptions.defaults());
        }
    }

    /**
     * The application failed over to the copy and wrote to it; the old environment is then updated
     * into the copy again (a cron job nobody stopped). The update is refused and the application's
     * commits stay, also when the application's writes went into segments of their own.
     */
    @Test
    void aFailoverCopyWrittenToIsNotOverwritten() throws Exception {
        Path home = dir.resolve("env");
        Path failover = dir.resolve("failover");
        try (Environment env = Environment.open(home, HotBackupTest.cfg()); Writer w = new Writer(env, 0)) {
            w.awaitAcked(500);
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            try (Environment app = Environment.open(failover, HotBackupTest.cfg().allowCreate(false))) {
                Database db = app.openDatabase("t", false);
                for (int i = 0; i < 2000; i++) { // several segments of the application's own
                    db.put(null, b(String.format("app%06d", i)), new byte[300]);
                }
            }
            w.awaitAcked(w.acked() + 3000);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Failover.update(env.internals(), failover, BackupOptions.defaults()));
            assertTrue(e.getMessage().contains("differs"), e.getMessage());
            IllegalArgumentException h = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), failover, BackupOptions.defaults().withUpdate(true)));
            assertTrue(h.getMessage().contains("differs"), h.getMessage());
        }
        try (Environment app = Environment.open(failover, HotBackupTest.cfg().allowCreate(false))) {
            Database db = app.openDatabase("t", false);
            for (int i = 0; i < 2000; i++) {
                assertTrue(db.get(null, b(String.format("app%06d", i))) != null, "application commit " + i);
            }
        }
    }

    /** -u of a directory that is not a backup of this environment, or whose manifest is damaged, changes nothing. */
    @Test
    void updatesOfTheWrongDirectoriesChangeNothing() throws Exception {
        Path other = dir.resolve("other");
        Path otherBackup = dir.resolve("other-backup");
        try (Environment env = Environment.open(other, HotBackupTest.cfg())) {
            env.openDatabase("t").put(null, b("o"), b("o"));
            HotBackup.run(env.internals(), otherBackup, BackupOptions.defaults());
        }
        Path home = dir.resolve("env");
        Path damaged = dir.resolve("damaged");
        try (Environment env = Environment.open(home, HotBackupTest.cfg()); Writer w = new Writer(env, 0)) {
            w.awaitAcked(300);
            HotBackup.run(env.internals(), damaged, BackupOptions.defaults());
            Files.writeString(damaged.resolve(BackupManifest.FILE_NAME), "{\"format\": \"cairn-backup\", \"vers");
            Map<String, Long> otherBefore = tree(otherBackup, List.of());
            Map<String, Long> damagedBefore = tree(damaged, List.of());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), otherBackup, BackupOptions.defaults().withUpdate(true)));
            assertTrue(e.getMessage().contains("backup of environment"), e.getMessage());
            IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                    () -> Failover.update(env.internals(), otherBackup, BackupOptions.defaults()));
            assertTrue(f.getMessage().contains("backup of environment"), f.getMessage());
            IllegalArgumentException d = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), damaged, BackupOptions.defaults().withUpdate(true)));
            assertTrue(d.getMessage().contains(damaged.resolve(BackupManifest.FILE_NAME).toString()), d.getMessage());
            assertEquals(otherBefore, tree(otherBackup, List.of()));
            assertEquals(damagedBefore, tree(damaged, List.of()));
            w.awaitAcked(w.acked() + 100);
        }
    }

    /** A record bigger than several log segments goes through a hot backup under load and the copy's recovery. */
    @Test
    void aRecordLargerThanASegmentIsBackedUpWhole() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        byte[] big = new byte[(256 << 10) * 3 + 12345];
        new java.util.Random(3).nextBytes(big);
        try (Environment env = Environment.open(home, HotBackupTest.cfg()); Writer w = new Writer(env, 0)) {
            w.awaitAcked(100);
            Database db = env.openDatabase("big");
            db.put(null, b("big"), big);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            db.put(null, b("big2"), big);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true));
        }
        try (Environment copy = Environment.open(backup, HotBackupTest.cfg().allowCreate(false))) {
            assertArrayEquals(big, copy.openDatabase("big", false).get(null, b("big")));
            assertArrayEquals(big, copy.openDatabase("big", false).get(null, b("big2")));
        }
    }

    static List<String> names(List<Path> ps) {
        List<String> out = new ArrayList<>();
        ps.forEach(p -> out.add(p.getFileName().toString()));
        return out;
    }
    /**
     * Found by ChaosTest: a failover update moves the segments the environment no longer needs and
     * has archived into the copy. With archiving behind (here held at segment 1 by a differing copy
     * of segment 2 in the archive), the first update found none to move and began the copy's log at
     * the recovery start (segment 4); the next moved segment 1 alone, and the copy's log had a gap
     * where segments 2 and 3 belong, which verifybackup (and a catastrophic recovery using the copy
     * as a log source) refuses. The segments between are now copied too.
     */
    @Test
    void segmentsMovedBelowTheCopysLogAreJoinedToItWithoutAGap() throws Exception {
        Path home = dir.resolve("env");
        Path failover = dir.resolve("failover");
        Path archive = Files.createDirectories(dir.resolve("archive"));
        byte[] differs = new byte[64];
        Files.write(archive.resolve(SegmentFiles.name(1)), differs);
        Files.write(archive.resolve(SegmentFiles.name(2)), differs);
        EnvironmentConfig config = HotBackupTest.cfg().archiveEnabled(true).archiveDir(archive).checkpointerEnabled(false);
        try (Environment env = Environment.open(home, config)) {
            Database db = env.openDatabase("d");
            int k = 0;
            while (segments(home.resolve("log")).size() < 4) {
                db.put(null, b("k" + k++), new byte[1000]);
            }
            env.checkpoint(true); // the recovery start moves into segment 4
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            assertEquals(4L, segments(failover.resolve("log")).get(0), "nothing archived, so nothing moved");

            Files.copy(home.resolve("log").resolve(SegmentFiles.name(1)), archive.resolve(SegmentFiles.name(1)),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING); // segment 1 archives now; 2 still differs
            assertThrows(IOException.class, () -> env.internals().archiver().archiveFinished());
            assertEquals(List.of(home.resolve("log").resolve(SegmentFiles.name(1))), env.internals().logArchive().archivable());
            for (int i = 0; i < 300; i++) {
                db.put(null, b("k" + k++), new byte[1000]);
            }
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            List<Long> copied = segments(failover.resolve("log"));
            for (int i = 1; i < copied.size(); i++) {
                assertEquals(copied.get(i - 1) + 1, copied.get(i), "the copy's log is one chain: " + copied);
            }
            assertEquals(1L, copied.get(0));
            BackupVerifier.Report verified = new BackupVerifier(failover).verify();
            assertTrue(verified.ok(), verified.problems().toString());
            int written = k;
            env.close();
            try (Environment copy = Environment.open(failover, new EnvironmentConfig().allowCreate(false))) {
                assertEquals(written, copy.openDatabase("d", false).count());
            }
        }
    }

    /**
     * The backup forces the log first (commits acknowledged without a force are then in the copy).
     * When that force failed, the backup failed but the environment went on as if nothing had
     * happened: open, reporting no failure, until a commit met the log the failure had stopped.
     * It fails now, at once, naming the log's failure, as a failed commit or checkpoint fails it.
     */
    @Test
    void aFailedLogForceAtTheBackupsStartFailsTheEnvironment() throws Exception {
        FaultInjectingFileIO io = faults();
        Path home = dir.resolve("home");
        try (Environment env = Environment.open(home, cfg(io))) {
            org.cairndb.Database db = env.openDatabase("t", true);
            db.put(null, org.cairndb.TestSupport.b("synced"), org.cairndb.TestSupport.b("v"));
            try (org.cairndb.Transaction t = env.beginTransaction(new org.cairndb.TransactionConfig()
                    .durability(org.cairndb.Durability.NO_SYNC))) {
                db.put(t, org.cairndb.TestSupport.b("unsynced"), org.cairndb.TestSupport.b("v"));
                t.commit();
            }
            io.failForce(1, p -> p.getParent().getFileName().toString().equals("log"), true);
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> HotBackup.run(env.internals(), dir.resolve("b"), BackupOptions.defaults()));
            org.cairndb.EnvironmentFailureException failed = org.junit.jupiter.api.Assertions.assertThrows(
                    org.cairndb.EnvironmentFailureException.class, () -> env.internals().checkUsable(),
                    "the environment went on after its log could not be forced: " + e);
            org.junit.jupiter.api.Assertions.assertTrue(failed.getMessage().contains("log"), failed.getMessage());
        }
        io.clearFaults();
        try (Environment env = Environment.open(home, cfg(io))) {
            org.junit.jupiter.api.Assertions.assertNotNull(env.openDatabase("t", false).get(null, org.cairndb.TestSupport.b("synced")));
        }
    }
}
