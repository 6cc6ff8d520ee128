package org.cairndb.cli;

import static org.cairndb.cli.TestEnvironments.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.backup.BackupManifest;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cairn hotbackup}, {@code cairn failover} and {@code cairn verifybackup} on a closed environment. */
class HotbackupCommandTest {

    @TempDir
    Path dir;

    /** An environment of 64 KiB segments holding {@code n} records of 1000 bytes in "db". */
    Path environment(int n) throws Exception {
        return environment(dir, n);
    }

    /** {@link #environment(int)} in {@code dir}/env. */
    static Path environment(Path dir, int n) throws Exception {
        Path home = dir.resolve("env");
        Files.createDirectories(home);
        Files.writeString(home.resolve("cairn.properties"), "cairn.log.segment.size=64k\n");
        Environment.open(home).close();
        add(home, 0, n);
        return home;
    }

    static void add(Path home, int from, int n) {
        try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false))) {
            Database db = env.openDatabase("db");
            try (Transaction t = env.beginTransaction(new TransactionConfig().durability(Durability.WRITE_NO_SYNC))) {
                for (int i = from; i < from + n; i++) {
                    db.put(t, b(String.format("k%06d", i)), new byte[1000]);
                }
                t.commit();
            }
        }
    }

    static long count(Path home) {
        try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false))) {
            return env.openDatabase("db", false).count();
        }
    }

    static void ok(CliRun.Result r) {
        assertEquals(0, r.exit(), r::toString);
    }

    @Test
    void aBackupReportsProgressAndASummaryAndOpensAsAnEnvironment() throws Exception {
        Path home = environment(500);
        Path backup = dir.resolve("backup");
        CliRun.Result r = CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString(), "-c");
        ok(r);
        assertTrue(r.out().contains("hotbackup: recovery: "), r::toString);
        assertTrue(r.out().contains("backed up " + home.toAbsolutePath().normalize() + " to " + backup.toAbsolutePath()
                + ": "), r::toString);
        assertTrue(r.out().contains(" MB/s); log ") && r.out().contains("; flat layout"), r::toString);
        assertTrue(r.out().contains("\nrecovered the copy: replayed the log from "), r::toString);
        assertTrue(r.out().contains("\nmanifest: " + backup.toAbsolutePath().resolve(BackupManifest.FILE_NAME)), r::toString);
        assertTrue(Files.isRegularFile(backup.resolve("db.cdb")), "flat: data files and segments side by side");
        CliRun.Result v = CliRun.run("verifybackup", backup.toString());
        ok(v);
        assertTrue(v.out().contains("files: 2 of 2 match the manifest") || v.out().contains(" match the manifest"), v::toString);
        assertTrue(v.out().endsWith("verified backup " + backup.toAbsolutePath() + ": no problems\n"), v::toString);
        assertEquals(500, count(backup));
    }

    /**
     * The last commit a backup holds is found by the backup's own recovery, kept in its manifest
     * (for verifybackup) and in its data files' checkpoint: a later catastrophic recovery of the
     * copy starts from that checkpoint, replays nothing, and still names it.
     */
    @Test
    void theLastCommitOfABackupIsNamedByVerifybackupAndByItsRecovery() throws Exception {
        Path home = environment(10);
        Path backup = dir.resolve("backup");
        long lastTxn;
        try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false).checkpointerEnabled(false))) {
            Database db = env.openDatabase("db");
            Transaction t = env.beginTransaction();
            db.put(t, b("after-the-checkpoint"), b("v"));
            t.commit();
            lastTxn = t.id();
            org.cairndb.backup.HotBackup.run(env.internals(), backup, org.cairndb.backup.BackupOptions.defaults());
        }
        BackupManifest m = BackupManifest.read(backup);
        assertNotNull(m.lastCommit(), "the copy's recovery replayed the commit");
        assertEquals(lastTxn, m.lastCommit().txnId());
        CliRun.Result v = CliRun.run("verifybackup", backup.toString());
        ok(v);
        assertTrue(v.out().contains("\nlast commit: transaction " + lastTxn + " at " + m.lastCommit().committedAt() + "\n"),
                v::toString);
        CliRun.Result r = CliRun.run("recover", "-c", "-h", backup.toString());
        ok(r);
        assertTrue(r.out().contains(" 0 transactions redone"), r::toString);
        assertTrue(r.out().contains("\nlast commit: transaction " + lastTxn + " at " + m.lastCommit().committedAt() + " (")
                && r.out().contains("local time), which the data files' checkpoint holds\n"), r::toString);
        // Written to and checkpointed since: the newer commit is named.
        add(backup, 100, 1);
        CliRun.Result after = CliRun.run("recover", "-c", "-h", backup.toString());
        ok(after);
        java.util.regex.Matcher named = java.util.regex.Pattern.compile("\nlast commit: transaction (\\d+) at ")
                .matcher(after.out());
        assertTrue(named.find(), after::toString);
        assertTrue(Long.parseLong(named.group(1)) > lastTxn, after::toString);
    }

    @Test
    void theToolsReadAFlatBackupAsAnEnvironment() throws Exception {
        Path home = environment(20);
        Path backup = dir.resolve("backup");
        ok(CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString()));
        ok(CliRun.run("recover", "-c", "-h", backup.toString()));
        CliRun.Result dump = CliRun.run("dump", "-p", "-h", backup.toString(), "db");
        ok(dump);
        assertTrue(dump.out().contains("\n k000019\n"), dump::toString);
        assertEquals(20, dump.out().lines().filter(l -> l.startsWith(" k0000")).count(), dump::toString);
        CliRun.Result verify = CliRun.run("verify", "-h", backup.toString());
        ok(verify);
        assertTrue(verify.out().contains("db: ") && !verify.out().contains("log: 0 segments"), verify::toString);
        CliRun.Result empty = CliRun.run("dump", "-h", dir.resolve("nothing-here").toString(), "db");
        assertTrue(empty.exit() != 0 && empty.err().contains("does not exist"), empty::toString);
    }

    @Test
    void aSplitBackupLeftForRecoveryIsUpdatedWithTheNewLog() throws Exception {
        Path home = environment(300);
        Path backup = dir.resolve("backup");
        CliRun.Result r = CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString(), "-D", "--no-recover",
                "--max-rate", "50");
        ok(r);
        assertTrue(r.out().contains("not recovered (--no-recover): restore it with cairn recover -c"), r::toString);
        assertTrue(Files.isRegularFile(backup.resolve("data/db.cdb")) && Files.isDirectory(backup.resolve("log")));
        add(home, 300, 200);
        CliRun.Result u = CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString(), "-u", "--no-recover");
        ok(u);
        assertTrue(u.out().contains("updated the backup of "), u::toString);
        ok(CliRun.run("verifybackup", backup.toString()));
        ok(CliRun.run("recover", "-c", "-h", backup.toString()));
        assertEquals(500, count(backup));
    }

    /** cairn failover takes --max-rate as cairn hotbackup does: n MB copied at r MB/s take at least about n / r seconds. */
    @Test
    void failoverKeepsToMaxRate() throws Exception {
        Path home = environment(2000);
        CliRun.Result r = CliRun.run("failover", "-h", home.toString(), "-b", dir.resolve("failover").toString(),
                "--max-rate", "2");
        ok(r);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9.]+) MB copied in ([0-9.]+) s").matcher(r.out());
        assertTrue(m.find(), r::toString);
        double mb = Double.parseDouble(m.group(1));
        double seconds = Double.parseDouble(m.group(2));
        assertTrue(mb >= 1.5, "too little copied to tell: " + r);
        assertTrue(seconds >= 0.8 * mb / 2, mb + " MB in " + seconds + " s at 2 MB/s at most: " + r);
        CliRun.Result bad = CliRun.run("failover", "-h", home.toString(), "-b", dir.resolve("f2").toString(),
                "--max-rate", "-1");
        assertEquals(ExitCodes.USAGE, bad.exit(), bad::toString);
        assertTrue(bad.err().contains("--max-rate takes a number of MB/s, or 0 for no limit, not -1"), bad::toString);
        assertFalse(Files.exists(dir.resolve("f2")));
    }

    @Test
    void badRatesAndUpdatesOfNonBackupsAreRefused() throws Exception {
        Path home = environment(10);
        CliRun.Result rate = CliRun.run("hotbackup", "-h", home.toString(), "-b", dir.resolve("b").toString(),
                "--max-rate", "-3");
        assertEquals(ExitCodes.USAGE, rate.exit(), rate::toString);
        // 0 is accepted as no limit, so the message must not say "positive" alone
        assertTrue(rate.err().contains("--max-rate takes a number of MB/s, or 0 for no limit, not -3"), rate::toString);
        Path none = dir.resolve("none");
        CliRun.Result absent = CliRun.run("hotbackup", "-h", home.toString(), "-b", none.toString(), "-u");
        assertEquals(ExitCodes.FAILED, absent.exit(), absent::toString);
        assertTrue(absent.err().contains("cannot update " + none.toAbsolutePath() + ": it does not exist; take a full"
                + " backup there (without -u)"), absent::toString);
        assertFalse(Files.exists(none));
        Path empty = Files.createDirectories(dir.resolve("empty"));
        CliRun.Result u = CliRun.run("hotbackup", "-h", home.toString(), "-b", empty.toString(), "-u");
        assertEquals(ExitCodes.FAILED, u.exit(), u::toString);
        assertEquals(1, u.errLines().length, u::toString);
        assertTrue(u.err().contains("cannot update " + empty.toAbsolutePath() + ": it holds no backup.manifest"),
                u::toString);
        CliRun.Result missing = CliRun.run("hotbackup", "-h", dir.resolve("nowhere").toString(), "-b", empty.toString());
        assertEquals(ExitCodes.FAILED, missing.exit(), missing::toString);
        assertTrue(missing.err().contains("does not exist"), missing::toString);
    }

    /** Every file under {@code root}, relative, with its size. */
    static java.util.SortedMap<String, Long> files(Path root) throws java.io.IOException {
        java.util.SortedMap<String, Long> m = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                // The next log segment is prepared ahead by a thread of its own whenever the
                // environment is open (the commands open it before refusing): it comes and goes.
                if (!p.getFileName().toString().equals(org.cairndb.log.SegmentFiles.PREALLOCATED)) {
                    m.put(root.relativize(p).toString(), Files.isDirectory(p) ? -1 : Files.size(p));
                }
            }
        }
        return m;
    }

    /**
     * A target inside the environment's own files, or inside its log archive (where a backup's
     * copies of unfinished segments would sit beside the archived ones under the same names), is
     * refused before anything is written.
     */
    @Test
    void targetsInsideTheEnvironmentOrItsArchiveAreRefused() throws Exception {
        Path home = environment(10);
        Files.createDirectories(home.resolve("archive"));
        Path elsewhere = dir.resolve("arch");
        java.util.SortedMap<String, Long> before = files(home);
        for (String inside : new String[] {".", "data", "log/b", "archive", "archive/b"}) {
            Path target = home.resolve(inside).normalize();
            CliRun.Result r = CliRun.run("hotbackup", "-h", home.toString(), "-b", target.toString());
            assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
            assertEquals(1, r.errLines().length, r::toString);
            assertTrue(r.err().contains("backup target " + target + " lies inside"), r::toString);
            CliRun.Result f = CliRun.run("failover", "-h", home.toString(), "-b", target.toString());
            assertEquals(ExitCodes.FAILED, f.exit(), f::toString);
            assertTrue(f.err().contains(target + " lies inside"), f::toString);
        }
        assertEquals(before, files(home), "nothing was written into the environment");
        // An archive directory configured elsewhere is protected the same way.
        Files.writeString(home.resolve("cairn.properties"), "cairn.log.segment.size=64k\ncairn.archive.dir=" + elsewhere
                + "\n");
        Files.createDirectories(elsewhere);
        CliRun.Result r = CliRun.run("hotbackup", "-h", home.toString(), "-b", elsewhere.resolve("b").toString());
        assertTrue(r.err().contains("lies inside the log archive directory (" + elsewhere + ")"), r::toString);
        assertFalse(Files.exists(elsewhere.resolve("b")));
        ok(CliRun.run("hotbackup", "-h", home.toString(), "-b", home.resolve("beside").toString()));
        assertEquals(10, count(home.resolve("beside")));
    }

    /**
     * The same refusal when a symbolic link leads there: the home given through a link (/srv/store
     * linking to /data/store) and the target spelled with the real path, or the other way round.
     */
    @Test
    void targetsInsideTheEnvironmentReachedThroughASymbolicLinkAreRefused() throws Exception {
        Path home = environment(10);
        Files.createDirectories(home.resolve("archive"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), home);
        java.util.SortedMap<String, Long> before = files(home);
        String[][] cases = {
            {link.toString(), home.resolve("log/b").toString()},
            {link.toString(), home.resolve("archive").toString()},
            {home.toString(), link.resolve("data/b").toString()},
            {home.toString(), link.resolve("archive").toString()},
        };
        for (String[] c : cases) {
            for (String command : new String[] {"hotbackup", "failover"}) {
                CliRun.Result r = CliRun.run(command, "-h", c[0], "-b", c[1]);
                assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
                assertEquals(1, r.errLines().length, r::toString);
                assertTrue(r.err().contains(" lies inside the "), r::toString);
            }
        }
        assertEquals(before, files(home), "nothing was written into the environment");
    }

    @Test
    void anEnvironmentInUseIsNamedByEveryBackupCommand() throws Exception {
        Path home = environment(10);
        try (Environment env = Environment.open(home)) {
            for (String cmd : new String[] {"hotbackup", "failover"}) {
                CliRun.Result r = CliRun.run(cmd, "-h", home.toString(), "-b", dir.resolve(cmd).toString());
                assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
                assertEquals(1, r.errLines().length, r::toString);
                assertTrue(r.err().startsWith("cairn " + cmd + ": environment ") && r.err().contains("in use by process"),
                        r::toString);
                assertFalse(Files.exists(dir.resolve(cmd)), "nothing written");
            }
        }
    }

    @Test
    void aFullDiskDuringABackupIsAClearErrorAndHarmsNothing() throws Exception {
        Path home = environment(3000); // about 3 MB of data files
        Path backup = dir.resolve("backup");
        FaultInjectingFileIO io = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch"), 42)
                .spaceLimit(1 << 20);
        HotbackupCommand.fileIOForTests = io;
        CliRun.Result r;
        try {
            r = CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString());
        } finally {
            HotbackupCommand.fileIOForTests = null;
        }
        System.out.println("[full disk] " + r.err().strip());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        // The write that failed names its file in the backup before the device's error.
        assertTrue(r.err().startsWith("cairn hotbackup: hot backup of " + home.toAbsolutePath().normalize() + " to "
                + backup + " failed: " + backup + "/"), r::toString);
        assertTrue(r.err().contains(": No space left on device"), r::toString);
        assertTrue(r.err().contains("the environment is unharmed; " + backup + " holds an incomplete backup (no"
                + " backup.manifest): remove it and try again"), r::toString);
        CliRun.Result v = CliRun.run("verifybackup", backup.toString());
        assertEquals(ExitCodes.FAILED, v.exit(), v::toString);
        assertTrue(v.err().contains("not a complete backup"), v::toString);
        ok(CliRun.run("verify", "-h", home.toString()));
        assertEquals(3000, count(home));
        // With space again, the same command succeeds into a new directory.
        Path again = dir.resolve("again");
        ok(CliRun.run("hotbackup", "-h", home.toString(), "-b", again.toString()));
        assertEquals(3000, count(again));
    }

    /**
     * A backup given as a relative path and cut short left a lock file naming it as given ("hot
     * backup to backup"): every later refusal (recover, stat, an open, run from any other directory)
     * then quoted that path, which says nothing about where the backup was going. It is named by its
     * absolute path, like the summary names it.
     */
    @Test
    void anUnfinishedBackupGivenByARelativePathIsNamedByItsAbsolutePath() throws Exception {
        Path home = environment(3000);
        Path backup = dir.resolve("backup");
        Path relative = Path.of("").toAbsolutePath().relativize(backup);
        assertFalse(relative.isAbsolute());
        long dataFiles = 0;
        try (var files = Files.list(home.resolve("data"))) {
            for (Path f : files.toList()) {
                dataFiles += Files.size(f);
            }
        }
        // The disk fills while the log is copied: the data files are in place, an unfinished copy.
        HotbackupCommand.fileIOForTests = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch"), 42)
                .spaceLimit(dataFiles + (1 << 19));
        CliRun.Result r;
        try {
            r = CliRun.run("hotbackup", "-h", home.toString(), "-b", relative.toString());
        } finally {
            HotbackupCommand.fileIOForTests = null;
        }
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().contains(" to " + backup + " failed: "), r::toString);
        CliRun.Result rc = CliRun.run("recover", "-c", "-h", backup.toString());
        assertEquals(ExitCodes.FAILED, rc.exit(), rc::toString);
        assertTrue(rc.err().contains("(hot backup to " + backup + ")"), rc::toString);
    }

    /**
     * A backup holding an in-doubt transaction and a heuristic outcome, looked at with stat, dump
     * and bench --check: its log stays as it was, so it is still a copy of the source's history
     * and a restore with the source's later log works.
     */
    @Test
    void lookingAtABackupWithTransactionsInDoubtChangesNothingAndItStillRestores() throws Exception {
        Path home = dir.resolve("env");
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(home, new EnvironmentConfig())) {
            Database db = env.openDatabase("db");
            db.put(null, b("a"), b("1"));
            Transaction doubt = env.beginTransaction();
            db.put(doubt, b("in doubt"), b("2"));
            doubt.prepare(b("gid-doubt"));
            Transaction decided = env.beginTransaction();
            db.put(decided, b("decided"), b("3"));
            decided.prepare(b("gid-decided"));
            decided.heuristicCommit();
            db.put(null, b("b"), b("4"));
            org.cairndb.backup.HotBackup.run(env.internals(), backup, org.cairndb.backup.BackupOptions.defaults());
            byte[] log = Files.readAllBytes(backup.resolve("log.0000000001"));
            for (String[] look : new String[][] {{"stat"}, {"dump", "db"}, {"archive"}, {"stat", "-d", "db"}}) {
                String[] args = new String[look.length + 2];
                args[0] = look[0];
                args[1] = "-h";
                args[2] = backup.toString();
                System.arraycopy(look, 1, args, 3, look.length - 1);
                CliRun.Result r = CliRun.run(args);
                assertEquals(0, r.exit(), r::toString);
                assertTrue(java.util.Arrays.equals(log, Files.readAllBytes(backup.resolve("log.0000000001"))),
                        String.join(" ", look) + " wrote into the backup's log");
            }
            db.put(null, b("c"), b("5"));
        }
        CliRun.Result r = CliRun.run("recover", "-c", "-h", backup.toString(), "--logs", home.resolve("log").toString());
        assertEquals(0, r.exit(), r::toString);
        try (Environment restored = Environment.open(backup, new EnvironmentConfig().allowCreate(false))) {
            assertEquals("5", TestEnvironments.s(restored.openDatabase("db", false).get(null, b("c"))));
            assertEquals(1, restored.preparedTransactions().size());
            assertEquals(1, restored.heuristicOutcomes().size());
        }
    }

    @Test
    void failoverCreatesThenUpdatesACopyReadyToOpen() throws Exception {
        Path home = environment(200);
        Path failover = dir.resolve("failover");
        CliRun.Result first = CliRun.run("failover", "-h", home.toString(), "-b", failover.toString());
        ok(first);
        assertTrue(first.out().contains("\ncreated the failover copy " + failover.toAbsolutePath()), first::toString);
        assertTrue(Files.isRegularFile(failover.resolve("data/db.cdb")), "failover copies keep data/ and log/");
        for (int round = 1; round <= 3; round++) {
            add(home, round * 1000, 300);
            try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false))) {
                env.checkpoint(true);
            }
            CliRun.Result u = CliRun.run("failover", "-h", home.toString(), "-b", failover.toString());
            ok(u);
            assertTrue(u.out().contains("\nupdated the failover copy "), u::toString);
            assertTrue(u.out().contains("; moved "), "the checkpointed log left the environment: " + u);
            assertTrue(u.out().contains("\nrecovered the copy: "), u::toString);
            ok(CliRun.run("verifybackup", failover.toString()));
        }
        try (Environment copy = Environment.open(failover, new EnvironmentConfig().allowCreate(false))) {
            Database db = copy.openDatabase("db", false);
            assertEquals(1100, db.count());
            assertNotNull(db.get(null, b("k003299")));
        }
    }

    /**
     * A backup or failover copy whose manifest was damaged (a truncated write, an editor): the
     * update is refused before anything changes, and the message must not send the admin to run it
     * again (it fails the same way) nor to remove a failover copy, which holds the segments the
     * environment gave away (its log archive).
     */
    @Test
    void aDamagedManifestIsNamedAndNothingIsRemoved() throws Exception {
        Path home = environment(200);
        Path backup = dir.resolve("backup");
        Path failover = dir.resolve("failover");
        ok(CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString()));
        ok(CliRun.run("failover", "-h", home.toString(), "-b", failover.toString()));
        for (Path d : new Path[] {backup, failover}) {
            Files.writeString(d.resolve(BackupManifest.FILE_NAME), "{\"format\": \"cairn-backup\", \"ver");
        }
        CliRun.Result u = CliRun.run("hotbackup", "-h", home.toString(), "-b", backup.toString(), "-u");
        assertEquals(ExitCodes.FAILED, u.exit(), u::toString);
        assertTrue(u.err().contains(backup.resolve(BackupManifest.FILE_NAME) + " is not a readable backup manifest"), u::toString);
        assertFalse(u.err().contains("run the update again"), u::toString);
        assertTrue(u.err().contains("Nothing was changed"), u::toString);
        CliRun.Result f = CliRun.run("failover", "-h", home.toString(), "-b", failover.toString());
        assertEquals(ExitCodes.FAILED, f.exit(), f::toString);
        assertTrue(f.err().contains(failover.resolve(BackupManifest.FILE_NAME) + " is not a readable backup manifest"), f::toString);
        assertFalse(f.err().contains("remove it"), f::toString);
        assertTrue(f.err().contains("Nothing was changed"), f::toString);
        assertEquals(200, count(home));
    }
}
