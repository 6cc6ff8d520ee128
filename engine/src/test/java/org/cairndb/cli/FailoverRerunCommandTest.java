package org.cairndb.cli;

import static org.cairndb.cli.HotbackupCommandTest.add;
import static org.cairndb.cli.HotbackupCommandTest.ok;
import static org.cairndb.cli.TestEnvironments.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.backup.BackupManifest;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn failover} stopped part way by a failing disk under the copy (the engine's
 * fault-injecting file layer, which the backup commands take in tests), then run again as its
 * message says: the second run finishes, no segment left the environment in between, and the copy
 * verifies and opens with every commit.
 */
class FailoverRerunCommandTest {

    @TempDir
    Path dir;

    private CliRun.Result failoverFailing(Path home, Path copy, Predicate<Path> failingWrites) {
        FaultInjectingFileIO io = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch"), 5)
                .failWrite(1, failingWrites, true);
        HotbackupCommand.fileIOForTests = io;
        try {
            return CliRun.run("failover", "-h", home.toString(), "-b", copy.toString());
        } finally {
            HotbackupCommand.fileIOForTests = null;
        }
    }

    private static CliRun.Result failover(Path home, Path copy) {
        return CliRun.run("failover", "-h", home.toString(), "-b", copy.toString());
    }

    /** Commits more and checkpoints, so that the next update has segments to move out of the environment. */
    private static void commitAndCheckpoint(Path home, int from, int n) {
        add(home, from, n);
        try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false))) {
            env.checkpoint(true);
        }
    }

    private static List<Long> segments(Path home) throws IOException {
        return SegmentFiles.list(NioFileIO.INSTANCE, home.resolve("log"));
    }

    private static void assertFailedOnce(CliRun.Result r, Path home, Path copy, String cause, String advice) {
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn failover: failover update of " + copy + " from " + home.toAbsolutePath()
                .normalize() + " failed: " + cause), r::toString);
        assertTrue(r.err().contains("; the environment is unharmed; " + advice), r::toString);
        assertTrue(r.err().contains("Input/output error"), r::toString);
    }

    /** The copy verifies and opens as an environment holding keys {@code 0..199} and {@code 1000..1299}. */
    private static void assertCopyHoldsEveryCommit(Path copy) {
        ok(CliRun.run("verifybackup", copy.toString()));
        try (Environment env = Environment.open(copy, new EnvironmentConfig().allowCreate(false))) {
            Database db = env.openDatabase("db", false);
            assertEquals(500, db.count());
            for (int i : new int[] {0, 199, 1000, 1299}) {
                assertNotNull(db.get(null, b(String.format("k%06d", i))), "commit of key " + i);
            }
        }
    }

    @Test
    void anUpdateStoppedWhileCopyingSegmentsFinishesWhenRunAgain() throws Exception {
        Path home = HotbackupCommandTest.environment(dir, 200);
        Path copy = dir.resolve("failover");
        ok(failover(home, copy));
        commitAndCheckpoint(home, 1000, 300);
        List<Long> before = segments(home);
        CliRun.Result r = failoverFailing(home, copy, p -> p.startsWith(copy.resolve("log")));
        // The write that failed names its file (the segment's copy under log/) before the device's error.
        assertFailedOnce(r, home, copy, copy.resolve("log").toString(), "the copy in " + copy
                + " still holds the previous update, recovered; run the update again");
        assertEquals(before, segments(home), "no segment left the environment");
        CliRun.Result again = failover(home, copy);
        ok(again);
        assertTrue(again.out().contains("\nupdated the failover copy ") && again.out().contains("; moved "), again::toString);
        assertCopyHoldsEveryCommit(copy);
    }

    @Test
    void anUpdateStoppedWritingItsManifestFinishesWhenRunAgain() throws Exception {
        Path home = HotbackupCommandTest.environment(dir, 200);
        Path copy = dir.resolve("failover");
        ok(failover(home, copy));
        commitAndCheckpoint(home, 1000, 300);
        List<Long> before = segments(home);
        CliRun.Result r = failoverFailing(home, copy,
                p -> p.getFileName().toString().startsWith(BackupManifest.FILE_NAME));
        assertFailedOnce(r, home, copy, "cannot write the backup manifest " + copy.resolve(BackupManifest.FILE_NAME),
                "the copy in " + copy + " still holds the previous update, recovered; run the update again");
        assertEquals(before, segments(home), "the segments copied into the copy stay in the environment until it is complete");
        ok(failover(home, copy));
        assertCopyHoldsEveryCommit(copy);
    }

    /**
     * Without an archive, log removal between two updates took a segment the copies need: the
     * update is refused before it changes anything, and says to start a new copy. The command added
     * the advice for an update stopped half-way ("run the update again"), which only met the same
     * refusal, beside the engine's "nothing was changed; take a new full backup".
     */
    @Test
    void anUpdateRefusedForARemovedSegmentDoesNotSayToRunItAgain() throws Exception {
        Path home = HotbackupCommandTest.environment(dir, 200);
        Path backup = dir.resolve("backup");
        Path copy = dir.resolve("failover");
        ok(CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString()));
        ok(failover(home, copy));
        commitAndCheckpoint(home, 1000, 300);
        ok(CliRun.run("archive", "-h", home.toString(), "-d")); // no archive: the removed segments are gone
        java.util.Map<String, String> backupBefore = org.cairndb.DirectorySnapshot.of(backup);
        java.util.Map<String, String> copyBefore = org.cairndb.DirectorySnapshot.of(copy);
        CliRun.Result update = CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString(), "-u");
        CliRun.Result again = failover(home, copy);
        for (CliRun.Result r : List.of(update, again)) {
            assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
            assertEquals(1, r.errLines().length, r::toString);
            assertTrue(r.err().contains(" is needed by the backup in ") && r.err().contains("nothing was changed; take a"
                    + " new full backup"), r::toString);
            assertTrue(!r.err().contains("run the update again") && !r.err().contains("half-way"), r::toString);
        }
        assertTrue(update.err().startsWith("cairn hotbackup: cannot update " + backup + ": log segment "), update::toString);
        assertTrue(again.err().startsWith("cairn failover: cannot update the failover copy " + copy + ": log segment "),
                again::toString);
        assertEquals(backupBefore, org.cairndb.DirectorySnapshot.of(backup));
        assertEquals(copyBefore, org.cairndb.DirectorySnapshot.of(copy));
    }

    /** Flips a byte in every page of {@code file} from offset 16384 on (past its two header pages). */
    private static void damagePages(Path file) throws IOException {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            for (long at = 16384 + 100; at < ch.size(); at += 4096) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
                ch.read(b, at);
                ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) ~b.get(0)}), at);
            }
        }
    }

    /**
     * A copy whose data file was damaged since its last update (a failing disk under the backup):
     * the update's recovery of the copy meets the damage. The commands said the update had stopped
     * half-way and to run it again, which meets the same damage every time; they now say the damage
     * is the copy's own and to take a new copy.
     */
    @Test
    void anUpdateThatMeetsDamageInTheCopySaysToTakeANewCopy() throws Exception {
        Path home = HotbackupCommandTest.environment(dir, 200);
        Path backup = dir.resolve("backup");
        Path copy = dir.resolve("failover");
        ok(CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString()));
        ok(failover(home, copy));
        add(home, 1000, 300);
        damagePages(backup.resolve("db.cdb"));
        damagePages(copy.resolve("data").resolve("db.cdb"));
        CliRun.Result update = CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString(), "-u");
        CliRun.Result again = failover(home, copy);
        for (CliRun.Result r : List.of(update, again)) {
            assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
            assertEquals(1, r.errLines().length, r::toString);
            assertTrue(r.err().contains("checksum mismatch") && r.err().contains("the damaged file is the copy's own,"
                    + " which running the update again meets again"), r::toString);
            assertTrue(!r.err().contains("run the update again"), r::toString);
        }
        assertTrue(update.err().contains("take a new backup into an empty or new directory"), update::toString);
        assertTrue(again.err().contains("update into a new, empty directory"), again::toString);
    }

    /** A first run stopped part way leaves no failover copy: as its message says, remove it and run again. */
    @Test
    void aFirstRunStoppedPartWayIsStartedAgainOnceRemoved() throws Exception {
        Path home = HotbackupCommandTest.environment(dir, 200);
        add(home, 1000, 300);
        Path copy = dir.resolve("failover");
        List<Long> before = segments(home);
        CliRun.Result r = failoverFailing(home, copy, p -> p.startsWith(copy.resolve("data")));
        assertFailedOnce(r, home, copy, copy.resolve("data").toString(), copy + " is not a usable failover copy yet (no "
                + BackupManifest.FILE_NAME + "): remove it and try again");
        assertEquals(before, segments(home), "no segment left the environment");
        CliRun.Result unremoved = failover(home, copy);
        assertEquals(ExitCodes.FAILED, unremoved.exit(), unremoved::toString);
        assertTrue(unremoved.err().contains("did not finish"), unremoved::toString);
        try (Stream<Path> s = Files.walk(copy)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        CliRun.Result again = failover(home, copy);
        ok(again);
        assertTrue(again.out().contains("\ncreated the failover copy "), again::toString);
        assertCopyHoldsEveryCommit(copy);
    }
}
