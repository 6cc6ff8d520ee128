package org.cairndb.cli;

import static org.cairndb.cli.TestEnvironments.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn recover -c} and its point-in-time options on the command line (the outcomes: procedures tests). */
class RecoverCatastrophicCommandTest {

    @TempDir
    Path dir;

    private Path home() {
        Path home = dir.resolve("env");
        TestEnvironments.create(home, "db", 10);
        return home;
    }

    private static void assertUsage(CliRun.Result r, String words) {
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn recover: ") && r.err().contains(words), r::toString);
    }

    @Test
    void contradictoryOrIncompleteTargetsAreUsageErrors() {
        String h = home().toString();
        assertUsage(CliRun.run("recover", "-h", h, "-t", "2026-11-22T03:00:00Z", "--to-txn", "5"), "at most one of");
        assertUsage(CliRun.run("recover", "-h", h, "-c", "--exclusive"), "go with -t, --to-lsn or --to-txn");
        assertUsage(CliRun.run("recover", "-h", h, "--to-txn", "3", "--inclusive", "--exclusive"), "mutually exclusive");
        assertUsage(CliRun.run("recover", "-h", h, "--logs", dir.toString()), "add -c");
        assertUsage(CliRun.run("recover", "-h", h, "-t", "last tuesday"), "cannot read the time 'last tuesday'");
        assertUsage(CliRun.run("recover", "-h", h, "--to-lsn", "12"), "--to-lsn: not an LSN (segment/offset): 12");
        assertUsage(CliRun.run("recover", "-h", h, "--to-txn", "0"), "positive");
    }

    /**
     * A transaction the data files hold already (committed before their checkpoint): the refusal
     * said only to "give a time or an LSN instead", which is refused in turn (the data files are
     * past it); it now says what recovers to it, older data files.
     */
    @Test
    void aTransactionBeforeTheDataFilesCheckpointSaysToRestoreOlderDataFiles() {
        CliRun.Result r = CliRun.run("recover", "-h", home().toString(), "--to-txn", "1");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("recovery target transaction 1 does not commit in the log after the data files'"
                + " checkpoint"), r::toString);
        assertTrue(r.err().contains("restore data files from a backup taken before it"), r::toString);
    }

    /** As docs/cli.md says: a target past the end of the log replays all of it, moves nothing aside, and says so. */
    @Test
    void aTargetAfterTheEndOfTheLogRecoversToTheEndAndSaysSo() throws Exception {
        Path home = home();
        CliRun.Result r = CliRun.run("recover", "-h", home.toString(), "--to-lsn", "99/99");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("the log ends before the recovery target, LSN 99/99 (inclusive): recovered to its end"),
                r::toString);
        try (java.util.stream.Stream<Path> log = Files.list(home.resolve("log"))) {
            assertTrue(log.noneMatch(p -> p.getFileName().toString().startsWith("after-")), r::toString);
        }
    }

    /**
     * A flat hot backup's files copied over an environment (data/ and log/ still there): every
     * command read data/ and log/ alone, so `recover -c` "restored" nothing and said it succeeded.
     * Each command now refuses the mixed home, naming the loose files and what to do, and changes
     * nothing.
     */
    @Test
    void aFlatBackupCopiedOverAnEnvironmentIsRefusedNotIgnored() throws Exception {
        Path home = home();
        Path backup = dir.resolve("backup");
        assertEquals(0, CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString()).exit());
        try (java.util.stream.Stream<Path> files = Files.list(backup)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, home.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        java.util.Map<String, String> before = org.cairndb.DirectorySnapshot.of(home);
        for (String[] command : new String[][] {{"recover", "-c"}, {"recover"}, {"verify"}, {"stat"}, {"archive", "-l"}}) {
            String[] args = java.util.stream.Stream.concat(java.util.Arrays.stream(command),
                    java.util.stream.Stream.of("-h", home.toString())).toArray(String[]::new);
            CliRun.Result r = CliRun.run(args);
            assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
            assertEquals(1, r.errLines().length, r::toString);
            assertTrue(r.err().contains(home + " holds data/ and log/ and also ") && r.err().contains("db.cdb")
                    && r.err().contains("Restore a flat backup into an empty directory"), r::toString);
        }
        assertEquals(before, org.cairndb.DirectorySnapshot.of(home), "a refused command changed the home");
        org.cairndb.CairnException e = assertThrows(org.cairndb.CairnException.class,
                () -> org.cairndb.Environment.open(home));
        assertTrue(e.getMessage().contains("holds data/ and log/ and also "), e.getMessage());
    }

    @Test
    void aMissingLogsDirectoryIsNamed() {
        Path none = dir.resolve("no-such-archive");
        CliRun.Result r = CliRun.run("recover", "-h", home().toString(), "-c", "--logs", none.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().contains("--logs " + none + " does not exist"), r::toString);
    }

    /**
     * The walkthrough's restore gives the failed home's log/ as well; after a catastrophe that took
     * the whole home, the refusal says what to do (leave it out), not only what is wrong.
     */
    @Test
    void aLostHomesLogGivenToLogsSaysToLeaveItOut() throws Exception {
        Path home = home();
        Path lost = dir.resolve("lost-store").resolve("log");
        CliRun.Result r = CliRun.run("recover", "-c", "-h", home.toString(), "--logs", lost.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("--logs " + lost + " does not exist: correct the path, or leave the option out if"
                + " nothing survived there"), r::toString);
        assertTrue(r.err().contains("nothing was changed"), r::toString);
    }

    @Test
    void aLogsFileIsNamedAsNotADirectory() throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("log.0000000001.gz"), "x");
        CliRun.Result r = CliRun.run("recover", "-h", home().toString(), "-c", "--logs", file.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().contains("--logs " + file + " is not a directory"), r::toString);
    }

    @Test
    void catastrophicRecoveryOfAFlatHotBackupPrintsTheReport() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(home)) {
            TestEnvironments.fill(env, "db", 20);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withRecover(false));
            env.openDatabase("db").put(null, b("after"), b("backup"));
        }
        CliRun.Result r = CliRun.run("recover", "-c", "-v", "-h", backup.toString(), "--logs", home.resolve("log").toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("catastrophic recovery of " + backup.toAbsolutePath().normalize()
                + ": replayed the log from "), r::toString);
        assertTrue(java.util.regex.Pattern.compile("databases?; \\d+ log records? in \\d+\\.\\d\\d s\n").matcher(r.out()).find(),
                "the replay's size and time: " + r);
        assertTrue(r.out().contains("\nlast commit: transaction "), r::toString);
        assertTrue(r.out().contains(": took the copy from " + home.resolve("log")), r::toString);
        // the segment it replaced lies beside the data files in a flat backup, which has no log/
        assertTrue(r.out().contains(" over the one in " + backup.toAbsolutePath().normalize() + " (valid to offset "),
                r::toString);
        assertTrue(r.out().contains("\nrecovery replayed the log from"), "-v adds the full report: " + r);
        try (Environment restored = Environment.open(backup, new EnvironmentConfig().allowCreate(false))) {
            assertEquals(21, restored.openDatabase("db", false).count());
        }
    }

    @Test
    void catastrophicRecoveryOfAnEnvironmentInUseNamesTheHolder() {
        Path home = home();
        try (Environment env = Environment.open(home)) {
            CliRun.Result r = CliRun.run("recover", "-c", "-h", home.toString(), "-t", "2026-01-01T00:00:00Z");
            assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
            assertEquals(1, r.errLines().length, r::toString);
            assertTrue(r.err().contains("is in use by process"), r::toString);
        }
    }

    @Test
    void aDirectoryThatIsNoEnvironmentIsRefused() throws Exception {
        Path other = dir.resolve("photos");
        Files.createDirectories(other);
        Files.writeString(other.resolve("a.jpg"), "x");
        CliRun.Result r = CliRun.run("recover", "-c", "-h", other.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().contains("is not a Cairn environment"), r::toString);
        assertEquals(1, Files.list(other).count());
    }

    /** A backup of 20 records without recovery, then about 1.6 MB more in {@code home}: several segments the backup lacks. */
    private static void backupThenSeveralSegments(Path home, Path backup) throws Exception {
        EnvironmentConfig small = new EnvironmentConfig().logSegmentSize(256 << 10).checkpointerEnabled(false);
        try (Environment env = Environment.open(home, small)) {
            TestEnvironments.fill(env, "db", 20);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withRecover(false));
            org.cairndb.Database db = env.openDatabase("db");
            for (int i = 0; i < 400; i++) {
                db.put(null, b("later" + i), new byte[4000]);
            }
        }
    }

    /** Many segments taken from one place make one line of the report, not one line each. */
    @Test
    void segmentsTakenFromOnePlaceAreReportedAsARun() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        backupThenSeveralSegments(home, backup);
        CliRun.Result r = CliRun.run("recover", "-c", "-h", backup.toString(), "--logs", home.resolve("log").toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(java.util.regex.Pattern.compile("log\\.\\d{10} to log\\.\\d{10} \\(\\d+ segments\\): took the copies from "
                + java.util.regex.Pattern.quote(home.resolve("log").toString())).matcher(r.out()).find(), r::toString);
        try (Environment restored = Environment.open(backup, new EnvironmentConfig().allowCreate(false))) {
            assertEquals(420, restored.openDatabase("db", false).count());
        }
    }

    /**
     * A damaged segment in a --logs directory: catastrophic recovery gathered it into the backup's
     * log, refused it there and took it out again, and its message named that copy (a file no
     * longer there) instead of the damaged one, so the admin could not tell which copy to replace.
     * It now names the damaged copy where it lies, and the backup is as it was.
     */
    @Test
    void aDamagedSegmentFromALogsDirectoryIsNamedWhereItLies() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        backupThenSeveralSegments(home, backup);
        java.util.List<Long> segments = org.cairndb.log.SegmentFiles.list(org.cairndb.io.NioFileIO.INSTANCE,
                home.resolve("log"));
        String name = org.cairndb.log.SegmentFiles.name(segments.get(segments.size() - 2)); // not the last one
        Path damaged = home.resolve("log").resolve(name);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(damaged,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {(byte) 0xff}), 1000); // inside its first record
        }
        java.util.Map<String, String> before = org.cairndb.DirectorySnapshot.of(backup);
        before.remove("cairn.lock"); // every open writes its holder there
        CliRun.Result r = CliRun.run("recover", "-c", "-h", backup.toString(), "--logs", home.resolve("log").toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().startsWith("cairn recover: " + damaged + ": corrupt at offset "), r::toString);
        assertTrue(r.err().contains("the copy this catastrophic recovery gathered into " + backup), r::toString);
        java.util.Map<String, String> after = org.cairndb.DirectorySnapshot.of(backup);
        after.remove("cairn.lock");
        assertEquals(before, after, "the backup is as it was");
    }

    /**
     * The only copy of a needed segment in a --logs directory is another environment's: recovery
     * left it out and then stopped at "log segment ... is missing", while the directory visibly held
     * that file; the note saying why it was left out went only into the report of a recovery that
     * succeeded. The error now carries it.
     */
    @Test
    void aMissingSegmentWhoseOnlyCopyIsAnotherEnvironmentsSaysSo() throws Exception {
        Path home = dir.resolve("env");
        Path other = dir.resolve("other");
        Path backup = dir.resolve("backup");
        EnvironmentConfig small = new EnvironmentConfig().logSegmentSize(256 << 10).checkpointerEnabled(false);
        for (Path h : new Path[] {home, other}) {
            try (Environment env = Environment.open(h, small)) {
                TestEnvironments.fill(env, "db", 20);
                if (h == home) {
                    HotBackup.run(env.internals(), backup, BackupOptions.defaults().withRecover(false));
                }
                org.cairndb.Database db = env.openDatabase("db");
                for (int i = 0; i < 400; i++) {
                    db.put(null, b("later" + i), new byte[4000]); // about 1.6 MB: several segments
                }
            }
        }
        java.util.List<Long> segments = org.cairndb.log.SegmentFiles.list(org.cairndb.io.NioFileIO.INSTANCE,
                home.resolve("log"));
        String name = org.cairndb.log.SegmentFiles.name(segments.get(segments.size() - 2));
        Path logs = Files.createDirectories(dir.resolve("logs"));
        for (long seg : segments) {
            String n = org.cairndb.log.SegmentFiles.name(seg);
            Files.copy((n.equals(name) ? other : home).resolve("log").resolve(n), logs.resolve(n));
        }
        CliRun.Result r = CliRun.run("recover", "-c", "-h", backup.toString(), "--logs", logs.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("log segment " + name + " is missing"), r::toString);
        assertTrue(r.err().contains("this catastrophic recovery found and ignored " + logs.resolve(name)
                + ": it belongs to environment "), r::toString);
    }

    /**
     * A restored backup taken back in time beside its original, which still archives into the same
     * directory, leaves the archive alone. Its report used to pass on the archive's advice for any
     * copy (take the archive over), which after a point-in-time recovery is not enough: the old
     * history's segments stay under the names the new log takes next, and archiving stopped at the
     * first of them ("already exists and differs"). The report now says to move them out too, and
     * doing what it says lets the new history archive there.
     */
    @Test
    void aCopyTakenBackInTimeBesideItsOriginalIsToldHowToTakeTheArchiveOver() throws Exception {
        Path home = dir.resolve("env");
        Path archive = dir.resolve("archive");
        Path backup = dir.resolve("backup");
        Files.createDirectories(home);
        Files.writeString(home.resolve("cairn.properties"), "cairn.log.segment.size=64k\ncairn.archive.enabled=true\n"
                + "cairn.archive.dir=" + archive.toString().replace('\\', '/') + "\n");
        EnvironmentConfig config = new EnvironmentConfig().checkpointerEnabled(false);
        long target;
        try (Environment env = Environment.open(home, config)) {
            TestEnvironments.fill(env, "db", 10);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            org.cairndb.Database db = env.openDatabase("db");
            for (int i = 0; i < 60; i++) {
                db.put(null, b("old" + i), new byte[2000]);
            }
            target = env.internals().log().endLsn(); // the next commit's record: kept out (--exclusive)
            for (int i = 60; i < 120; i++) {
                db.put(null, b("old" + i), new byte[2000]);
            }
        } // archives the finished segments
        String lsn = org.cairndb.log.Lsn.toString(target);
        CliRun.Result r = CliRun.run("recover", "-h", backup.toString(), "--to-lsn", lsn, "--exclusive");
        assertEquals(0, r.exit(), r::toString);
        String cut = org.cairndb.log.SegmentFiles.name(org.cairndb.log.Lsn.segment(target));
        assertTrue(r.out().contains("left as they are: " + archive.toRealPath() + " is written by " + home.toRealPath()),
                r::toString);
        assertTrue(r.out().contains("run cairn archive -h " + backup.toRealPath() + " --take-over and move those segments ("
                + cut + " on) out of the archive"), r::toString);

        // Doing what it says: the restored copy's new history archives there.
        assertEquals(0, CliRun.run("archive", "-h", backup.toString(), "--take-over").exit());
        Path aside = Files.createDirectories(archive.resolve("after-old-history"));
        for (long n = org.cairndb.log.Lsn.segment(target); Files.exists(archive.resolve(
                org.cairndb.log.SegmentFiles.name(n))); n++) {
            String name = org.cairndb.log.SegmentFiles.name(n);
            Files.move(archive.resolve(name), aside.resolve(name));
        }
        try (Environment env = Environment.open(backup, config)) {
            long first = env.internals().log().currentSegment();
            org.cairndb.Database db = env.openDatabase("db");
            for (int i = 0; env.internals().log().currentSegment() < first + 2; i++) {
                db.put(null, b("new" + i), new byte[2000]);
            }
            env.internals().archiver().archiveFinished();
            assertEquals(0, env.internals().archiveStatus().failures(), env.internals().archiveStatus().toString());
            assertTrue(Files.exists(archive.resolve(org.cairndb.log.SegmentFiles.name(first))), "the new history archived");
        }
    }
}
