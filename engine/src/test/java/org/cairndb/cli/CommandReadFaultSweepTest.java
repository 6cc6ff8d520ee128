package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.DirectorySnapshot;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.crash.FaultSweep;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.Operation;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A sweep of read failures through the commands that read an environment or a backup (through
 * their Java entry point, with {@link Homes#fileIOForTests} failing the N-th read, once or from
 * then on): each read the command makes fails in turn. The command must then exit non-zero with one
 * line on stderr naming the file whose read failed (no stack trace), or, if it succeeds all the
 * same, print exactly what it prints without the fault; the looks leave the directory byte for byte
 * as they found it; {@code archive -d} never removes a segment the run without the fault keeps,
 * and everything committed is still there afterwards. Where a command makes more reads than
 * {@link #MAX_RUNS}, every k-th is failed from a seeded start; {@code -Dcairn.sweep.runs=1000}
 * fails them all and {@code -Dcairn.crash.seed} repeats a run.
 */
class CommandReadFaultSweepTest {

    private static final int MAX_RUNS = Integer.getInteger("cairn.sweep.runs", 6);
    private static final String SEED = System.getProperty("cairn.crash.seed");

    @TempDir
    Path tmp;

    private Path pristine;
    private TreeSet<String> committed;

    /**
     * A home of 64 KB segments, some no longer needed (a checkpoint came after them), whose last
     * commits are only in the log (it was abandoned as by a crash, so opening it replays them), and
     * a backup of it taken before those.
     */
    @BeforeEach
    void prepare() throws Exception {
        pristine = tmp.resolve("pristine");
        EnvironmentConfig config = new EnvironmentConfig().durability(Durability.SYNC).logSegmentSize(64 << 10)
                .checkpointerEnabled(false).cacheSize(1 << 20);
        Environment env = Environment.open(pristine.resolve("home"), config);
        commit(env, "t", "a", 300);
        env.openDatabase("u", true).put(null, b("u1"), b("one"));
        env.checkpoint(true);
        HotBackup.run(env.internals(), pristine.resolve("backup"), BackupOptions.defaults());
        commit(env, "t", "b", 100);
        committed = keys(env);
        env.internals().abandon();
    }

    private static void commit(Environment env, String db, String prefix, int n) {
        Database d = env.openDatabase(db, true);
        for (int i = 0; i < n; i += 10) {
            try (Transaction t = env.beginTransaction()) {
                for (int j = i; j < i + 10; j++) {
                    d.put(t, b(String.format("%s%05d", prefix, j)), new byte[500]);
                }
                t.commit();
            }
        }
    }

    private static TreeSet<String> keys(Environment env) {
        TreeSet<String> out = new TreeSet<>();
        for (String name : env.databaseNames()) {
            try (Cursor c = env.openDatabase(name, false).openCursor(null)) {
                while (c.next()) {
                    out.add(name + "/" + new String(c.key(), StandardCharsets.US_ASCII));
                }
            }
        }
        return out;
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The commands that only look, each run in a copy of the pristine directories ({@code HOME}, {@code BACKUP}). */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"verify -h HOME", "verify -h HOME t", "printlog -h HOME", "printlog -h HOME -v",
            "dump -h HOME t", "dump -h HOME -l", "stat -h HOME", "archive -h HOME", "archive -h HOME -v",
            "verifybackup BACKUP"})
    void aLookWithAFailingRead(String command) throws Exception {
        new Sweep(command, false).run();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"archive -h HOME -d"})
    void aRemovalWithAFailingRead(String command) throws Exception {
        new Sweep(command, true).run();
    }

    /** One command, swept. */
    private final class Sweep {
        private final String command;
        private final boolean removes;
        private final long seed;
        private final Random random;
        private final List<String> problems = new ArrayList<>();
        private int runs;
        /** What the command prints and removes without a fault. */
        private String expectedOut;
        private TreeSet<String> expectedRemoved;

        Sweep(String command, boolean removes) {
            this.command = command;
            this.removes = removes;
            this.seed = SEED != null ? Long.parseLong(SEED.trim()) : System.nanoTime() ^ command.hashCode();
            this.random = new Random(seed);
        }

        void run() throws Exception {
            Path dir = copy("count");
            FaultInjectingFileIO counting = io(dir);
            CliRun.Result clean = runWith(counting, dir);
            assertEquals(0, clean.exit(), () -> command + " without a fault: " + clean);
            long count = counting.operations(EnumSet.of(Operation.READ));
            expectedOut = clean.out();
            expectedRemoved = removedFrom(dir);
            for (boolean sticky : new boolean[] {false, true}) {
                for (long n : indices(count)) {
                    runOnce(n, sticky);
                }
            }
            System.out.println("[read-sweep] " + command + ": " + count + " reads, " + runs + " runs (seed " + seed + ")");
            if (!problems.isEmpty()) {
                throw new AssertionError(problems.size() + " of " + runs + " runs of '" + command + "' went wrong (seed "
                        + seed + ", repeat with -Dcairn.crash.seed=" + seed + "):\n"
                        + String.join("\n", problems.subList(0, Math.min(12, problems.size()))));
            }
        }

        private List<Long> indices(long count) {
            return FaultSweep.sampledIndices(count, MAX_RUNS, random);
        }

        private void runOnce(long n, boolean sticky) throws Exception {
            runs++;
            Path dir = copy((sticky ? "sticky-" : "once-") + n);
            Map<String, String> before = DirectorySnapshot.of(dir);
            FaultInjectingFileIO fio = io(dir).failOperation(n, EnumSet.of(Operation.READ), sticky);
            CliRun.Result r = runWith(fio, dir);
            String failed = fio.lastFailedOperation();
            String what = "read " + n + (sticky ? " and every later one" : "") + " failing (" + failed + ")";
            try {
                check(r, failed);
                if (!fio.openHandles().isEmpty()) {
                    throw new AssertionError("files left open: " + fio.openHandles());
                }
                if (!removes) {
                    Map<String, String> after = DirectorySnapshot.of(dir);
                    if (!after.equals(before)) {
                        throw new AssertionError("the look changed the directory: " + changes(before, after));
                    }
                } else {
                    checkRemoval(dir);
                }
            } catch (AssertionError e) {
                problems.add(what + ": " + e.getMessage() + "\n    " + r.toString().replace("\n", "\n    "));
            }
        }

        /** Failed: one line naming the file, no stack trace. Succeeded: exactly the output without the fault. */
        private void check(CliRun.Result r, String failed) {
            if (failed == null) {
                return; // fewer reads this time (a cache warmed differently): nothing failed
            }
            if (r.exit() == 0) {
                if (!comparable(r.out()).equals(comparable(expectedOut))) {
                    throw new AssertionError("succeeded despite the failed read, printing something else than without it;"
                            + " without the fault it printed:\n" + expectedOut);
                }
                return;
            }
            String file = Path.of(failed.substring(failed.lastIndexOf(" of ") + 4)).getFileName().toString();
            if (r.exit() != ExitCodes.FAILED) {
                throw new AssertionError("exit status " + r.exit() + ", not " + ExitCodes.FAILED);
            }
            if (r.errLines().length != 1) {
                throw new AssertionError("not one line on stderr");
            }
            // The simulated error names the file itself; a real one ("Input/output error") does not.
            if (!withoutSimulatedDetail(r.err()).contains(file)) {
                throw new AssertionError("the error does not name " + file + " (but for the simulated I/O error's own words)");
            }
            if (r.err().contains("internal error") || r.err().contains("\tat ")) {
                throw new AssertionError("an internal error or a stack trace");
            }
        }

        /** Removes only what the run without a fault removed; everything committed is still there. */
        private void checkRemoval(Path dir) throws Exception {
            TreeSet<String> removed = removedFrom(dir);
            TreeSet<String> extra = new TreeSet<>(removed);
            extra.removeAll(expectedRemoved);
            if (!extra.isEmpty()) {
                throw new AssertionError("removed " + extra + ", which the run without the fault keeps");
            }
            try (Environment env = Environment.open(dir.resolve("home"), new EnvironmentConfig().allowCreate(false)
                    .checkpointerEnabled(false))) {
                TreeSet<String> found = keys(env);
                if (!found.equals(committed)) {
                    throw new AssertionError("reopened, the home holds " + found.size() + " records, not the "
                            + committed.size() + " committed");
                }
            }
        }

        private TreeSet<String> removedFrom(Path dir) throws Exception {
            TreeSet<String> out = new TreeSet<>();
            for (long seg : SegmentFiles.list(NioFileIO.INSTANCE, pristine.resolve("home/log"))) {
                if (!java.nio.file.Files.exists(dir.resolve("home/log").resolve(SegmentFiles.name(seg)))) {
                    out.add(SegmentFiles.name(seg));
                }
            }
            return out;
        }

        private Path copy(String label) throws Exception {
            Path dir = tmp.resolve(command.replaceAll("[^a-z]+", "-") + label);
            TestSupport.deleteTree(dir);
            TestSupport.copyTree(pristine, dir);
            return dir;
        }

        private FaultInjectingFileIO io(Path dir) {
            return new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), seed);
        }

        private CliRun.Result runWith(FaultInjectingFileIO fio, Path dir) throws Exception {
            List<String> args = new ArrayList<>();
            for (String word : command.split(" ")) {
                args.add(word.equals("HOME") ? dir.resolve("home").toString()
                        : word.equals("BACKUP") ? dir.resolve("backup").toString() : word);
            }
            Homes.fileIOForTests = fio;
            try {
                return bounded(() -> CliRun.run(args.toArray(new String[0])));
            } finally {
                Homes.fileIOForTests = null;
            }
        }
    }

    /** Runs {@code c} with a deadline: a command that hangs on a failed read is a failure, with its stack. */
    private static CliRun.Result bounded(java.util.concurrent.Callable<CliRun.Result> c) throws Exception {
        java.util.concurrent.FutureTask<CliRun.Result> task = new java.util.concurrent.FutureTask<>(c);
        Thread t = new Thread(task, "read-sweep command");
        t.setDaemon(true);
        t.start();
        try {
            return task.get(Duration.ofSeconds(30).toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the command hangs: " + java.util.Arrays.toString(t.getStackTrace()));
        }
    }

    /**
     * A command's output with what differs between two runs of it in two copies of the same
     * directories left out: the copy's path, and how many milliseconds recovery took (cairn stat
     * prints it). A read a command can do without (the first segment's header, when the
     * environment's id is read from the log and the next segment has it too) fails, the command
     * prints the same, and comparing the raw text took the other copy's path and timing for a change.
     */
    private String comparable(String out) {
        return out.replaceAll(java.util.regex.Pattern.quote(tmp.toString()) + "/[^/\\s]+", "DIR")
                .replaceAll(" in \\d+ ms", " in N ms");
    }

    /** {@code text} without the words the simulated I/O error adds to "Input/output error", which name the file. */
    static String withoutSimulatedDetail(String text) {
        return text.replaceAll(" \\(simulated: [^)]*\\)", "");
    }

    private static String changes(Map<String, String> before, Map<String, String> after) {
        List<String> out = new ArrayList<>();
        for (String k : new TreeSet<>(before.keySet())) {
            if (!after.containsKey(k)) {
                out.add("-" + k);
            } else if (!after.get(k).equals(before.get(k))) {
                out.add("~" + k);
            }
        }
        for (String k : after.keySet()) {
            if (!before.containsKey(k)) {
                out.add("+" + k);
            }
        }
        return out.toString();
    }
}
