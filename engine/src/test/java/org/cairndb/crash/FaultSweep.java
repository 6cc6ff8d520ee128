package org.cairndb.crash;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cairndb.CairnException;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.FaultInjectingFileIO.Operation;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.tools.Verifier;

/**
 * Runs one scenario (an operation on an environment) once to count the file operations it makes,
 * then once per operation index N with the N-th failing: once (an I/O error, the next operation
 * works again), for good (a device gone bad), or with the power lost there. After each run it
 * checks what {@link Scenario} promises nobody can tell from the outside: that the failure was
 * named, that the environment either still works durably or refuses work, that a normal reopen
 * holds every acknowledged change and nothing rolled back, that the files verify, and that no
 * file handle or thread of the failed operation is left.
 */
public final class FaultSweep {

    /** How the N-th operation goes wrong. */
    enum Mode {
        /** It throws an I/O error; later ones work. */
        FAIL_ONCE,
        /** It and every later one throw (a device gone bad, a full disk). */
        FAIL_FROM_THEN_ON,
        /** The power fails instead of it (write, force, truncation or directory sync). */
        POWER_LOSS,
        /**
         * The power fails right after the N-th write, which reaches the disk torn; each other unforced
         * write, and each directory's unsynced changes, survive or not at random (seeded).
         */
        TORN_WRITE
    }

    static final Duration DEADLINE = Duration.ofSeconds(30);
    static final String PROBE = "t/probe";

    /** One operation under test, with what it must leave behind. */
    interface Scenario {
        /** Builds the starting point under {@code dir} with the plain file layer. */
        void prepare(Path dir) throws Exception;

        /** Opens the environment the operation runs on (no fault armed yet), or null if it opens none. */
        default Environment open(Run run) {
            return Environment.open(run.home(), config(run.fio));
        }

        /** Work before the fault is armed. */
        default void setUp(Run run) throws Exception {
        }

        /** The state the environment holds once the operation took effect, given the state before it. */
        default TreeSet<String> after(TreeSet<String> before) {
            return before;
        }

        /** The operation; sets {@link Run#acked} pieces as they are acknowledged. */
        void act(Run run) throws Exception;

        /**
         * Opens the environment after the faults are cleared, as an admin would (normal recovery);
         * a scenario may resolve what it left in doubt (a prepared transaction) here.
         */
        default Environment reopen(Run run) {
            return Environment.open(run.home(), config(NioFileIO.INSTANCE));
        }

        /**
         * Whether {@code found}, reopened after the operation failed, is a state it may leave besides
         * the one before and the one after it (the unsynced commits it was to make durable, a prefix of
         * them kept).
         */
        default boolean allowedAfterFailure(Run run, TreeSet<String> found) {
            return false;
        }

        /** Checks with the faults cleared and the environment reopened (a copy verifies, a retry works). */
        default void afterwards(Run run, Environment env) throws Exception {
        }
    }

    /** One run of a scenario with one fault. */
    static final class Run {
        final Path dir;
        final FaultInjectingFileIO fio;
        final String what;
        Environment env;
        TreeSet<String> before;
        /** Set when the operation returned normally. */
        boolean acked;
        /** Set by a scenario once its effect may no longer be lost even if the operation fails (a prepare acknowledged). */
        boolean promised;
        /** Scenario-specific acknowledgements (a prepare before its commit). */
        final List<String> steps = new ArrayList<>();
        Throwable failure;

        Run(Path dir, FaultInjectingFileIO fio, String what) {
            this.dir = dir;
            this.fio = fio;
            this.what = what;
        }

        Path home() {
            return dir.resolve("home");
        }
    }

    private final Path tmp;
    private final String name;
    private final Scenario scenario;
    private final Random random;
    private final long seed;
    private final int maxRuns;
    private final List<String> problems = new ArrayList<>();
    private int runs;

    /** The kinds of operation {@link Mode#FAIL_ONCE} and {@link Mode#FAIL_FROM_THEN_ON} fail. */
    private Set<Operation> failKinds = Operation.CHANGES;

    /** Fails reads (of every file) instead of changes: sweep with {@link Mode#FAIL_ONCE} and {@link Mode#FAIL_FROM_THEN_ON}. */
    FaultSweep reads() {
        failKinds = java.util.EnumSet.of(Operation.READ);
        return this;
    }

    FaultSweep(Path tmp, String name, Scenario scenario, int maxRuns) {
        this.tmp = tmp;
        this.name = name;
        this.scenario = scenario;
        this.seed = Seeds.seed("FaultSweep " + name);
        this.random = new Random(seed);
        this.maxRuns = maxRuns;
    }

    /** The configuration of the scenarios: small segments, no background checkpoints, SYNC commits. */
    static EnvironmentConfig config(FileIO io) {
        return new EnvironmentConfig().fileIO(io).durability(Durability.SYNC).logSegmentSize(64 << 10)
                .logBufferSize(64 << 10).cacheSize(8L << 20).checkpointerEnabled(false).pageReuseDelay(Duration.ZERO)
                .lockTimeout(Duration.ofSeconds(2));
    }

    /** Sweeps every mode; throws listing every problem found. */
    void sweep(Mode... modes) throws Exception {
        Path pristine = tmp.resolve(name + "-pristine");
        scenario.prepare(pristine);
        for (Mode mode : modes) {
            Set<Operation> kinds = switch (mode) {
                case POWER_LOSS -> Operation.CRASH_POINTS;
                case TORN_WRITE -> java.util.EnumSet.of(Operation.WRITE);
                default -> failKinds;
            };
            long count = count(pristine, kinds);
            List<Long> indices = indices(count);
            for (long n : indices) {
                runOnce(pristine, mode, kinds, n);
            }
            System.out.println("[fault-sweep] " + name + " " + mode + ": " + count + " operations, " + indices.size()
                    + " runs" + (indices.size() < count ? " (one in " + Math.max(1, (count + maxRuns - 1) / maxRuns) + ", from a start"
                    + " the seed " + seed + " chose)" : ""));
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(problems.size() + " of " + runs + " runs of " + name + " went wrong (seed " + seed
                    + "):\n" + String.join("\n", problems.subList(0, Math.min(12, problems.size()))));
        }
    }

    /** 1..count, or every k-th of them from a random start when there are more than maxRuns. */
    private List<Long> indices(long count) {
        return sampledIndices(count, maxRuns, random);
    }

    /** 1..count, or every k-th of them from a random start when there are more than {@code maxRuns}. */
    public static List<Long> sampledIndices(long count, int maxRuns, Random random) {
        List<Long> out = new ArrayList<>();
        long step = Math.max(1, (count + maxRuns - 1) / maxRuns);
        for (long n = 1 + (step > 1 ? random.nextLong(step) : 0); n <= count; n += step) {
            out.add(n);
        }
        return out;
    }

    private long count(Path pristine, Set<Operation> kinds) throws Exception {
        Run run = start(pristine, "count");
        long before = run.fio.operations(kinds);
        scenario.act(run);
        long count = run.fio.operations(kinds) - before;
        if (run.env != null) {
            run.env.close();
        }
        return count;
    }

    private Run start(Path pristine, String label) throws Exception {
        Path dir = tmp.resolve(name + "-" + label);
        TestSupport.deleteTree(dir);
        TestSupport.copyTree(pristine, dir);
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve(name + "-scratch-" + label),
                random.nextLong());
        Run run = new Run(dir, fio, name + ", " + label + ", seed " + seed);
        run.env = scenario.open(run);
        scenario.setUp(run);
        run.before = run.env != null ? state(run.env) : null;
        return run;
    }

    private void runOnce(Path pristine, Mode mode, Set<Operation> kinds, long n) throws Exception {
        runs++;
        List<String> threadsBefore = org.cairndb.env.LeakProbe.cairnThreads();
        Run run = start(pristine, mode + "-" + n);
        switch (mode) {
            case FAIL_ONCE -> run.fio.failOperation(n, kinds, false);
            case FAIL_FROM_THEN_ON -> run.fio.failOperation(n, kinds, true);
            case POWER_LOSS -> run.fio.crashAfterOperations(n, CrashOptions.lossOnly());
            case TORN_WRITE -> run.fio.crashOnWrite(n, p -> true, CrashOptions.tear(FaultInjectingFileIO.Tear.ANY, p -> true)
                    .keepProbability(0.5).keepDirectoryChanges(0.5));
        }
        String what = run.what;
        try {
            try {
                bounded("the operation", () -> {
                    scenario.act(run);
                    return null;
                });
                run.acked = true;
            } catch (ExecutionException e) {
                run.failure = e.getCause();
                checkNamed(run, mode, e.getCause());
            }
            what += ", " + (run.fio.lastFailedOperation() != null ? "failed " + run.fio.lastFailedOperation()
                    : String.valueOf(run.fio.crashReport())) + ", operation " + (run.acked ? "succeeded" : "failed: "
                    + CrashRig.describe(run.failure)) + (run.steps.isEmpty() ? "" : ", acknowledged " + run.steps);
            // After a power loss nothing builds on what the environment showed: the machine is gone.
            TreeSet<String> visible = run.acked || run.fio.isCrashed() ? null : visibleState(run.env);
            Boolean probe = run.env != null && !run.env.internals().isClosed() ? probe(run.env) : null;
            what += probe == null ? "" : probe ? ", then a commit succeeded" : ", then a commit was refused";
            finish(run);
            assertNoLeftovers(run, threadsBefore);
            run.fio.clearFaults();
            checkReopened(run, probe, visible);
        } catch (AssertionError e) {
            problems.add(mode + " at operation " + n + ": " + e.getMessage() + "\n    (" + what + ")");
            System.out.println("[fault-sweep] " + name + " " + mode + " at operation " + n + ": " + e.getMessage());
            CrashRig.preserve(run.dir, "fault-sweep-" + name + "-" + mode + "-" + n);
        }
    }

    /** A failed operation names what failed: an I/O error (or the power loss) and its file, in a Cairn or I/O exception. */
    private static void checkNamed(Run run, Mode mode, Throwable t) {
        if (!(t instanceof CairnException) && !(t instanceof java.io.IOException)
                && !(t instanceof java.io.UncheckedIOException)) {
            throw new AssertionError("the operation failed with " + CrashRig.describe(t) + ", not an exception of"
                    + " Cairn or of the I/O layer", t);
        }
        String m = String.valueOf(t.getMessage());
        boolean named = mode == Mode.POWER_LOSS || mode == Mode.TORN_WRITE ? m.contains("power loss") || m.contains("Input/output error")
                || m.contains("failed") : m.contains("Input/output error");
        if (!named) {
            throw new AssertionError("the exception does not say what failed: " + CrashRig.describe(t), t);
        }
    }

    /**
     * What an environment that goes on working after a failed operation shows (and so what later work
     * builds on), or null when it refuses work: reopened, it must hold that.
     */
    private static TreeSet<String> visibleState(Environment env) {
        if (env == null || env.internals().isClosed()) {
            return null;
        }
        try {
            env.internals().checkUsable();
            return state(env);
        } catch (CairnException refused) {
            return null;
        }
    }

    /** A SYNC commit after the operation: true if acknowledged; if refused, it must say the environment failed or closed. */
    private static boolean probe(Environment env) throws InterruptedException {
        try {
            bounded("a commit after the operation", () -> {
                Database db = env.openDatabase("t", true);
                try (Transaction t = env.beginTransaction()) {
                    db.put(t, b("probe"), b("p"));
                    t.commit();
                }
                return null;
            });
            return true;
        } catch (ExecutionException e) {
            Throwable t = e.getCause();
            String m = String.valueOf(t.getMessage());
            if (!(t instanceof CairnException) || !(m.contains("fail") || m.contains("closed") || m.contains("Input/output")
                    || m.contains("power loss"))) {
                throw new AssertionError("a commit after the operation was refused unclearly: " + CrashRig.describe(t), t);
            }
            return false;
        }
    }

    private static void finish(Run run) throws Exception {
        if (run.env == null) {
            return;
        }
        if (run.fio.isCrashed()) {
            run.env.internals().abandon();
            return;
        }
        try {
            bounded("closing the environment", () -> {
                run.env.close();
                return null;
            });
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof CairnException)) {
                throw new AssertionError("closing failed with " + CrashRig.describe(e.getCause()), e.getCause());
            }
        }
    }

    private static void assertNoLeftovers(Run run, List<String> threadsBefore) throws InterruptedException {
        if (!run.fio.isCrashed()) {
            List<Path> open = run.fio.openHandles();
            if (!open.isEmpty()) {
                throw new AssertionError("files still open after the environment was closed: " + open);
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> extra;
        while (!(extra = without(org.cairndb.env.LeakProbe.cairnThreads(), threadsBefore)).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("threads left behind: " + extra);
            }
            Thread.sleep(5);
        }
    }

    private static List<String> without(List<String> all, List<String> allowed) {
        List<String> rest = new ArrayList<>(all);
        allowed.forEach(rest::remove);
        return rest;
    }

    /** Reopened without faults: before or after the operation (after if acknowledged), the probe if acknowledged; verifies. */
    private void checkReopened(Run run, Boolean probe, TreeSet<String> visible) throws Exception {
        Environment env;
        try {
            env = scenario.reopen(run);
        } catch (RuntimeException e) {
            throw new AssertionError("the reopen failed: " + CrashRig.describe(e), e);
        }
        try {
            if (run.before != null) {
                TreeSet<String> found = state(env);
                boolean probeThere = found.remove(PROBE);
                if (Boolean.TRUE.equals(probe) && !probeThere) {
                    throw new AssertionError("the commit acknowledged after the operation is lost");
                }
                // What an operation failed to make durable (unsynced commits) an environment may show and
                // lose: a state the scenario allows after a failure passes, unless a commit after it was
                // acknowledged (which made everything before it durable).
                boolean unsyncedLost = !Boolean.TRUE.equals(probe) && !run.acked && scenario.allowedAfterFailure(run, found);
                if (visible != null && !found.equals(visible) && !unsyncedLost) {
                    throw new AssertionError("after the failed operation the environment went on working with one state,"
                            + " and reopened it holds another: " + diff(found, visible, visible));
                }
                TreeSet<String> after = scenario.after(run.before);
                boolean ok = found.equals(after) || (!run.acked && !run.promised && (found.equals(run.before)
                        || scenario.allowedAfterFailure(run, found)));
                if (!ok) {
                    throw new AssertionError("reopened, the environment holds neither the state before nor the one after"
                            + " the operation" + (run.acked ? " (acknowledged)" : "") + ": " + diff(found, run.before, after));
                }
            }
            scenario.afterwards(run, env);
        } finally {
            env.close();
        }
        Verifier.Report report = new Verifier(run.home()).verify(List.of());
        if (!report.ok()) {
            throw new AssertionError("verify fails after the reopen: " + report.problems());
        }
    }

    private static String diff(TreeSet<String> found, TreeSet<String> before, TreeSet<String> after) {
        return "missing from after " + minus(after, found) + ", extra to after " + minus(found, after) + "; missing from"
                + " before " + minus(before, found) + ", extra to before " + minus(found, before);
    }

    private static List<String> minus(TreeSet<String> a, TreeSet<String> b) {
        List<String> out = new ArrayList<>();
        for (String s : a) {
            if (!b.contains(s)) {
                out.add(s);
            }
        }
        return out.size() > 6 ? List.of(out.subList(0, 6) + "... (" + out.size() + ")") : out;
    }

    /** What an environment holds: "db:NAME" for each database, "NAME/key" for each record. */
    static TreeSet<String> state(Environment env) {
        TreeSet<String> out = new TreeSet<>();
        for (String dbName : env.databaseNames()) {
            out.add("db:" + dbName);
            try (Cursor c = env.openDatabase(dbName, false).openCursor(null)) {
                while (c.next()) {
                    out.add(dbName + "/" + new String(c.key(), StandardCharsets.US_ASCII));
                }
            }
        }
        return out;
    }

    /** Runs {@code c} in a thread of its own and waits at most {@link #DEADLINE}; a hang is a failure naming the stack. */
    static <T> T bounded(String what, Callable<T> c) throws ExecutionException, InterruptedException {
        FutureTask<T> task = new FutureTask<>(c);
        Thread t = new Thread(task, "fault-sweep " + what);
        t.setDaemon(true);
        t.start();
        try {
            return task.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            StringBuilder stack = new StringBuilder();
            for (StackTraceElement s : t.getStackTrace()) {
                stack.append("\n        at ").append(s);
            }
            throw new AssertionError(what + " hangs (more than " + DEADLINE + "):" + stack);
        }
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
