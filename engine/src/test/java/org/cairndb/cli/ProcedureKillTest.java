package org.cairndb.cli;

import static org.cairndb.cli.HotbackupCommandTest.add;
import static org.cairndb.cli.HotbackupCommandTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.backup.BackupManifest;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StoppingFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The admin procedures killed for real part way: a child JVM ({@link ProcedureChild}) runs the
 * command and is killed with SIGKILL when it reaches a seeded step (its n-th write, force, rename,
 * deletion or directory sync under the files the procedure changes; the steps are counted by a
 * run in this process first). Then, for each procedure:
 *
 * <ul>
 * <li>the environment opens and holds every commit it held, or that was acknowledged;</li>
 * <li>the same command run again succeeds, or refuses in one line saying what to do, and doing
 * that succeeds;</li>
 * <li>the backup, failover copy or recovered directory passes {@code cairn verifybackup} where
 * that applies and holds every commit it must;</li>
 * <li>what the killed run left half-written is not taken for complete: {@code verifybackup} and
 * {@code recover -c} refuse an interrupted backup.</li>
 * </ul>
 *
 * Repeat a run with {@code -Dcairn.crash.seed=<seed>} (printed); {@code -Dcairn.crash.rounds=<n>}
 * kills each procedure at n steps.
 */
class ProcedureKillTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private long seed;
    private Random rnd;

    private void seed(String test) {
        String s = System.getProperty("cairn.crash.seed");
        seed = s != null && !s.isBlank() ? Long.parseLong(s.trim()) : System.nanoTime();
        rnd = new Random(seed);
        System.out.println("[crash-test] ProcedureKillTest." + test + ": seed " + seed + " (repeat with -Dcairn.crash.seed="
                + seed + ")");
    }

    private static int rounds(int defaultRounds) {
        return Integer.getInteger("cairn.crash.rounds", defaultRounds);
    }

    /** How the child ended: stopped at {@code reached} (then killed), or finished with {@code exit}. */
    record Stopped(String reached, int exit, String output) {
        boolean killed() {
            return reached != null;
        }
    }

    /** Where a procedure's files are in one round. */
    interface Setup {
        void create(Path round) throws Exception;
    }

    /** The command line of a procedure in one round's directory. */
    interface Command {
        String[] args(Path round) throws Exception;
    }

    /** The checks after a kill in one round's directory. */
    interface Checks {
        void after(Path round, Stopped stopped, String what) throws Exception;
    }

    /**
     * Counts the steps of the procedure (in this process, on a round of its own), then for each of a
     * few seeded steps sets a round up, kills the child there and runs the checks.
     */
    private void killAtSeededSteps(String name, Setup setup, String counted, Command command, Checks checks)
            throws Exception {
        long steps = countSteps(name, setup, counted, command).count();
        assertTrue(steps > 0, name + ": the procedure changes files under " + counted);
        for (int i = 0; i < rounds(2); i++) {
            Path round = dir.resolve(name + "-" + i);
            setup.create(round);
            long stop = 1 + (long) (rnd.nextDouble() * steps);
            Stopped s = runChild(round, stop, round.resolve(counted).toString(), concat(new String[] {"cli"}, command.args(round)));
            String what = name + ", seed " + seed + ", stopped at step " + stop + " of " + steps + ": "
                    + (s.killed() ? s.reached() : "finished first, exit " + s.exit());
            System.out.println("[crash-test] " + what);
            checks.after(round, s, what);
        }
    }

    /** Runs the procedure once in this process, in a round of its own, counting its steps under {@code counted}. */
    private StoppingFileIO countSteps(String name, Setup setup, String counted, Command command) throws Exception {
        Path counting = dir.resolve(name + "-count");
        setup.create(counting);
        StoppingFileIO io = new StoppingFileIO(NioFileIO.INSTANCE, p -> p.startsWith(counting.resolve(counted)), 0,
                what -> { });
        Homes.fileIOForTests = io;
        HotbackupCommand.fileIOForTests = io;
        try {
            ok(CliRun.run(command.args(counting)));
        } finally {
            Homes.fileIOForTests = null;
            HotbackupCommand.fileIOForTests = null;
        }
        return io;
    }

    /** Runs the child in {@code round}, stopping it at step {@code stop} of those under (or matching) {@code counted}. */
    private Stopped runChild(Path round, long stop, String counted, String... rest) throws Exception {
        Path reached = round.resolve("reached");
        Path log = round.resolve("child.log");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-Xshare:auto", "-cp", cp, ProcedureChild.class.getName(), reached.toString(), Long.toString(stop),
                counted));
        cmd.addAll(List.of(rest));
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (!Files.exists(reached) && child.isAlive()) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the child reached neither step " + stop + " nor its end within " + DEADLINE
                            + "; its output:\n" + Files.readString(log));
                }
                child.waitFor(5, TimeUnit.MILLISECONDS);
            }
        } finally {
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed child exits");
        }
        String output = Files.readString(log);
        if (Files.exists(reached)) {
            return new Stopped(Files.readString(reached).trim(), -1, output);
        }
        return new Stopped(null, child.exitValue(), output);
    }

    // ---- fixtures and checks ----

    /** An environment of 64 KiB segments in {@code round}/env holding keys 0..n-1 of "db". */
    private static Path environment(Path round, int n) throws Exception {
        Files.createDirectories(round);
        return HotbackupCommandTest.environment(round, n);
    }

    /**
     * Opens {@code home}, or a fresh copy of it when {@code copyFirst} (a backup is checked without
     * being changed by the check, so that it can be verified or opened again after).
     */
    private static Environment openOrCopy(Path home, boolean copyFirst) throws IOException {
        Path open = home;
        if (copyFirst) {
            open = home.resolveSibling(home.getFileName() + "-opened");
            TestSupport.deleteTree(open);
            TestSupport.copyTree(home, open);
        }
        return Environment.open(open, new EnvironmentConfig().allowCreate(false));
    }

    /** Opens (a copy of, when {@code copyFirst}) {@code home} and checks that "db" holds exactly {@code keys}. */
    private static void assertHolds(Path home, boolean copyFirst, List<Integer> keys, String what) throws IOException {
        try (Environment env = openOrCopy(home, copyFirst)) {
            Database db = env.openDatabase("db", false);
            for (int k : keys) {
                assertTrue(db.get(null, TestEnvironments.b(String.format("k%06d", k))) != null, "key " + k + " in " + home
                        + "; " + what);
            }
            assertEquals(keys.size(), db.count(), "records in " + home + "; " + what);
        }
    }

    private static List<Integer> range(int from, int to) {
        List<Integer> l = new ArrayList<>();
        for (int i = from; i < to; i++) {
            l.add(i);
        }
        return l;
    }

    private static List<Integer> ranges(int[]... rs) {
        List<Integer> l = new ArrayList<>();
        for (int[] r : rs) {
            l.addAll(range(r[0], r[1]));
        }
        return l;
    }

    private static boolean holdsMoreThanItsLock(Path target) throws IOException {
        if (!Files.isDirectory(target)) {
            return false;
        }
        try (Stream<Path> s = Files.walk(target)) {
            return s.anyMatch(p -> Files.isRegularFile(p) && !p.getFileName().toString().equals("cairn.lock"));
        }
    }

    private static void assertOneLineFailure(CliRun.Result r, String command, String what) {
        assertEquals(ExitCodes.FAILED, r.exit(), () -> what + "\n" + r);
        assertEquals(1, r.errLines().length, () -> what + "\n" + r);
        assertTrue(r.err().startsWith("cairn " + command + ": "), () -> what + "\n" + r);
    }

    /**
     * A backup or first failover update killed part way: nothing takes it for complete, and the
     * rerun refuses it saying to empty it; emptied, the rerun makes a backup that verifies and holds
     * {@code keys}.
     */
    private void assertUnfinishedFirstCopyRefusedThenRedone(Path round, Path target, Stopped s, String what,
            String[] rerun, List<Integer> keys) throws Exception {
        boolean failover = rerun[0].equals("failover");
        if (failover && Files.exists(target.resolve(BackupManifest.FILE_NAME))) {
            // Complete; the rerun is an update.
            ok(CliRun.run("verifybackup", target.toString()));
            ok(CliRun.run(rerun));
        } else if (Files.exists(target.resolve(BackupManifest.FILE_NAME))) {
            // Killed after its manifest was in place: the backup is complete, and a second full one
            // into it is refused, pointing to an update.
            ok(CliRun.run("verifybackup", target.toString()));
            assertHolds(target, true, keys, what);
            CliRun.Result again = CliRun.run(rerun);
            assertOneLineFailure(again, rerun[0], what);
            assertTrue(again.err().contains("update the backup there with -u"), () -> what + "\n" + again);
            ok(CliRun.run(concat(rerun, new String[] {"-u"})));
        } else if (holdsMoreThanItsLock(target)) {
            CliRun.Result v = CliRun.run("verifybackup", target.toString());
            assertOneLineFailure(v, "verifybackup", what);
            assertTrue(v.err().contains("not a complete backup"), () -> what + "\n" + v);
            // On the directory itself (a copy made by TestSupport.copyTree would leave its lock file behind).
            Path attempt = target;
            // Killed while it copied, the backup lacks files; killed while its copy was recovered, it
            // has them all and recovers to what it must hold. Either way nothing is silently short.
            CliRun.Result rc = CliRun.run("recover", "-c", "-h", attempt.toString());
            if (rc.exit() == 0) {
                assertHolds(attempt, false, keys, what + " (catastrophic recovery of the interrupted backup)");
            } else {
                // "an unfinished copy", or, when not even a data file is in place yet, "not a Cairn environment".
                assertOneLineFailure(rc, "recover", what);
            }
            CliRun.Result again = CliRun.run(rerun);
            assertOneLineFailure(again, rerun[0], what);
            assertTrue(again.err().contains("move it away or empty it"), () -> what + "\n" + again);
            TestSupport.deleteTree(target);
            ok(CliRun.run(rerun));
        } else {
            ok(CliRun.run(rerun));
        }
        ok(CliRun.run("verifybackup", target.toString()));
        assertHolds(target, true, keys, what + " (after the rerun)");
    }

    // ---- the procedures ----

    @Test
    void aKilledHotBackupIsNeverTakenForCompleteAndRunsAgain() throws Exception {
        seed("aKilledHotBackupIsNeverTakenForCompleteAndRunsAgain");
        for (String[] options : List.of(new String[0], new String[] {"-c", "-D"})) {
            Command cmd = r -> concat(new String[] {"hotbackup", "-h", r.resolve("env").toString(), "-b",
                    r.resolve("backup").toString()}, options);
            killAtSeededSteps("hotbackup" + String.join("", options), r -> environment(r, 200), "backup", cmd,
                    (r, s, what) -> {
                        assertHolds(r.resolve("env"), false, range(0, 200), what);
                        assertUnfinishedFirstCopyRefusedThenRedone(r, r.resolve("backup"), s, what, cmd.args(r),
                                range(0, 200));
                    });
        }
    }

    /**
     * A hot backup by a running application (the API, as the adapter's MBean runs it) killed after
     * it put the first log segment in place and before the second: the copy has data files and a
     * log that stops early. Recovered, it would hold fewer commits than were acknowledged before the
     * backup began, and say nothing; so it is refused, naming what to do, and doing that works.
     */
    @Test
    void aBackupKilledWhileCopyingTheLogIsRefusedInsteadOfRecoveredShort() throws Exception {
        Path round = dir.resolve("writer");
        Path home = environment(round, 10);
        Path backup = round.resolve("backup");
        Path acks = round.resolve("acks");
        String segmentInPlace = "regex:" + java.util.regex.Pattern.quote(backup.toAbsolutePath().normalize().toString())
                + "/log\\.\\d{10}";
        Stopped s = runChild(round, 2, segmentInPlace, "writer", home.toString(), acks.toString(), "hotbackup",
                backup.toString());
        String what = "stopped at " + s.reached();
        assertTrue(s.killed(), () -> "the backup did not reach its second segment: " + s.output());
        List<Long> acked = acked(acks);
        long begin = acked.indexOf(-1L);
        assertTrue(begin >= 20, () -> "the backup began after 20 acknowledged commits: " + acked);
        List<Long> before = acked.subList(0, (int) begin);
        List<Long> all = acked.stream().filter(n -> n >= 0).toList();
        assertHoldsAcked(home, false, all, 10, what);

        CliRun.Result v = CliRun.run("verifybackup", backup.toString());
        assertOneLineFailure(v, "verifybackup", what);
        CliRun.Result rc = CliRun.run("recover", "-c", "-h", backup.toString());
        assertOneLineFailure(rc, "recover", what + " (catastrophic recovery of the interrupted backup)");
        assertTrue(rc.err().contains(backup + " is an unfinished copy: process ") && rc.err().contains("(hot backup to "
                + backup + ") was copying files into it") && rc.err().endsWith("take the backup again into an empty"
                + " directory (remove or move this one away first)\n"), rc::toString);

        String[] rerun = {"hotbackup", "-h", home.toString(), "-b", backup.toString()};
        CliRun.Result again = CliRun.run(rerun);
        assertOneLineFailure(again, "hotbackup", what);
        assertTrue(again.err().contains("move it away or empty it"), again::toString);
        TestSupport.deleteTree(backup);
        ok(CliRun.run(rerun));
        ok(CliRun.run("verifybackup", backup.toString()));
        assertHoldsAcked(backup, true, before, 10, what + " (the backup taken again)");
    }

    /**
     * Point-in-time recovery of a restored environment (data files from before the target, every
     * segment in its log/, no other copy anywhere) killed while it moves the log after the target
     * aside: at each step that puts a segment into log/after-*, and at a seeded one among the
     * others there. Run again, the same command finishes and the environment holds exactly the
     * commits up to the target; before, a kill after the segment holding the target had been cut
     * left the later segments behind it, a broken chain that no rerun could recover.
     */
    @Test
    void aPointInTimeRecoveryKilledWhileMovingTheLogAsideFinishesWhenRunAgain() throws Exception {
        seed("aPointInTimeRecoveryKilledWhileMovingTheLogAsideFinishesWhenRunAgain");
        Setup setup = r -> {
            Path home = environment(r, 50); // transaction 1: keys 0..49
            Path restored = r.resolve("restored");
            TestSupport.copyTree(home, restored); // data files from before the target
            for (int t = 0; t < 3; t++) {
                add(home, 1000 + 100 * t, 100); // transactions 2, 3 and 4, over several segments
            }
            try (Stream<Path> logs = Files.list(home.resolve("log"))) {
                for (Path p : logs.toList()) {
                    Files.copy(p, restored.resolve("log").resolve(p.getFileName()),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        };
        Command cmd = r -> new String[] {"recover", "-h", r.resolve("restored").toString(), "--to-txn", "2"};
        List<Integer> keys = ranges(new int[] {0, 50}, new int[] {1000, 1100});
        StoppingFileIO counted = countSteps("pitr", setup, "restored/log", cmd);
        List<String> steps = counted.steps();
        List<Long> stops = new ArrayList<>();
        int firstAside = -1;
        int lastAside = -1;
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i).contains("/after-")) {
                firstAside = firstAside < 0 ? i : firstAside;
                lastAside = i;
                if (steps.get(i).startsWith("rename ") && !steps.get(i).endsWith(".copying")) {
                    stops.add((long) i + 1);
                }
            }
        }
        assertTrue(firstAside >= 0 && stops.size() > 1, () -> "the log after the target was moved aside: " + steps);
        stops.add(firstAside + 1 + (long) rnd.nextInt(lastAside - firstAside + 3));
        for (int i = 0; i < stops.size(); i++) {
            Path round = dir.resolve("pitr-" + i);
            setup.create(round);
            long stop = stops.get(i);
            Stopped s = runChild(round, stop, round.resolve("restored/log").toString(), concat(new String[] {"cli"},
                    cmd.args(round)));
            String what = "seed " + seed + ", stopped at step " + stop + " of " + steps.size() + ": "
                    + (s.killed() ? s.reached() : "finished first, exit " + s.exit());
            System.out.println("[crash-test] point-in-time recovery, " + what);
            ok(CliRun.run(cmd.args(round)));
            assertHolds(round.resolve("restored"), false, keys, what);
        }
    }

    /** The numbers in an ack file of {@link ProcedureChild}'s writer, BEGIN as -1 (a torn last line left out). */
    private static List<Long> acked(Path acks) throws IOException {
        String text = Files.readString(acks);
        List<Long> l = new ArrayList<>();
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            if (line.equals("BEGIN")) {
                l.add(-1L);
            } else if (!line.isEmpty() && !line.equals("DONE")) {
                l.add(Long.parseLong(line));
            }
        }
        return l;
    }

    /** {@code home} holds the writer's keys {@code acked} and the first {@code initial} keys of the fixture. */
    private static void assertHoldsAcked(Path home, boolean copyFirst, List<Long> acked, int initial, String what)
            throws IOException {
        try (Environment env = openOrCopy(home, copyFirst)) {
            Database db = env.openDatabase("db", false);
            for (long n : acked) {
                assertTrue(db.get(null, TestEnvironments.b(ProcedureChild.key(n))) != null, "acknowledged commit "
                        + ProcedureChild.key(n) + " in " + home + "; " + what);
            }
            for (int k = 0; k < initial; k++) {
                assertTrue(db.get(null, TestEnvironments.b(String.format("k%06d", k))) != null, "key " + k + "; " + what);
            }
        }
    }

    @Test
    void aKilledFailoverRunsAgainAndLosesNoSegment() throws Exception {
        seed("aKilledFailoverRunsAgainAndLosesNoSegment");
        Command cmd = r -> new String[] {"failover", "-h", r.resolve("env").toString(), "-b", r.resolve("copy").toString()};
        // The first update: a half-made copy is refused until emptied, as a backup is.
        killAtSeededSteps("failover-first", r -> {
            Path home = environment(r, 200);
            add(home, 1000, 300);
        }, "copy", cmd, (r, s, what) -> {
            assertHolds(r.resolve("env"), false, ranges(new int[] {0, 200}, new int[] {1000, 1300}), what);
            assertUnfinishedFirstCopyRefusedThenRedone(r, r.resolve("copy"), s, what, cmd.args(r),
                    ranges(new int[] {0, 200}, new int[] {1000, 1300}));
        });
        // A later update: segments move out of the environment, and only once the copy is complete.
        killAtSeededSteps("failover-update", r -> {
            Path home = environment(r, 200);
            ok(CliRun.run(cmd.args(r)));
            add(home, 1000, 300);
            ok(CliRun.run("checkpoint", "-h", home.toString(), "-1"));
        }, "copy", cmd, (r, s, what) -> {
            List<Integer> all = ranges(new int[] {0, 200}, new int[] {1000, 1300});
            assertHolds(r.resolve("env"), false, all, what);
            // Failed over to now, the copy opens and holds at least what the previous update brought.
            Path copy = r.resolve("copy");
            Path opened = r.resolve("copy-opened");
            TestSupport.copyTree(copy, opened);
            try (Environment env = Environment.open(opened, new EnvironmentConfig().allowCreate(false))) {
                Database db = env.openDatabase("db", false);
                for (int k : range(0, 200)) {
                    assertTrue(db.get(null, TestEnvironments.b(String.format("k%06d", k))) != null, "key " + k + "; " + what);
                }
            }
            ok(CliRun.run(cmd.args(r)));
            ok(CliRun.run("verifybackup", copy.toString()));
            assertHolds(copy, true, all, what + " (after the rerun)");
        });
    }

    @Test
    void aKilledCatastrophicRecoveryOfABackupAndTheLogRunsAgain() throws Exception {
        seed("aKilledCatastrophicRecoveryOfABackupAndTheLogRunsAgain");
        Command cmd = r -> new String[] {"recover", "-c", "-h", r.resolve("restored").toString(), "--logs",
                r.resolve("env/log").toString()};
        List<Integer> all = ranges(new int[] {0, 200}, new int[] {1000, 1200});
        killAtSeededSteps("recover-c", r -> {
            Path home = environment(r, 200);
            ok(CliRun.run("hotbackup", "-h", home.toString(), "-b", r.resolve("backup").toString(), "--no-recover"));
            add(home, 1000, 100);
            add(home, 1100, 100);
            TestSupport.copyTree(r.resolve("backup"), r.resolve("restored"));
        }, "restored", cmd, (r, s, what) -> {
            assertHolds(r.resolve("env"), true, all, what);
            ok(CliRun.run(cmd.args(r)));
            assertHolds(r.resolve("restored"), false, all, what + " (after the rerun)");
        });
    }

    @Test
    void killedLogRemovalCheckpointAndLoadRunAgain() throws Exception {
        seed("killedLogRemovalCheckpointAndLoadRunAgain");
        List<Integer> all = ranges(new int[] {0, 200}, new int[] {1000, 1300});
        Setup twoBatches = r -> {
            Path home = environment(r, 200);
            add(home, 1000, 300);
        };
        Command remove = r -> new String[] {"archive", "-h", r.resolve("env").toString(), "-d"};
        killAtSeededSteps("archive-d", twoBatches, "env", remove, (r, s, what) -> {
            assertHolds(r.resolve("env"), false, all, what);
            ok(CliRun.run(remove.args(r)));
            CliRun.Result listing = CliRun.run("archive", "-h", r.resolve("env").toString());
            ok(listing);
            assertEquals("", listing.out(), () -> "nothing unneeded is left; " + what);
            assertHolds(r.resolve("env"), false, all, what + " (after the rerun)");
        });
        Command checkpoint = r -> new String[] {"checkpoint", "-h", r.resolve("env").toString(), "-1"};
        killAtSeededSteps("checkpoint", twoBatches, "env", checkpoint, (r, s, what) -> {
            assertHolds(r.resolve("env"), false, all, what);
            ok(CliRun.run(checkpoint.args(r)));
            assertHolds(r.resolve("env"), false, all, what + " (after the rerun)");
        });
        Command load = r -> new String[] {"load", "-h", r.resolve("env").toString(), "-f", r.resolve("db.dump").toString(),
                "--batch", "50", "copied"};
        killAtSeededSteps("load", r -> {
            Path home = environment(r, 200);
            ok(CliRun.run("dump", "-h", home.toString(), "-f", r.resolve("db.dump").toString(), "db"));
        }, "env", load, (r, s, what) -> {
            assertHolds(r.resolve("env"), false, range(0, 200), what);
            long before = copiedRecords(r.resolve("env"));
            assertEquals(0, before % 50, () -> "whole batches survive a kill (" + before + " records); " + what);
            ok(CliRun.run(load.args(r)));
            assertEquals(200, copiedRecords(r.resolve("env")), what + " (after the rerun)");
        });
    }

    /** Records of database "copied", 0 when a killed load left none. */
    private static long copiedRecords(Path home) {
        try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false))) {
            return env.databaseNames().contains("copied") ? env.openDatabase("copied", false).count() : 0;
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
