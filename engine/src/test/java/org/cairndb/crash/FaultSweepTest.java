package org.cairndb.crash;

import static org.cairndb.crash.FaultSweep.b;
import static org.cairndb.crash.FaultSweep.config;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.archive.ContinuousArchiver;
import org.cairndb.backup.BackupManifest;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.Failover;
import org.cairndb.backup.HotBackup;
import org.cairndb.crash.FaultSweep.Mode;
import org.cairndb.crash.FaultSweep.Run;
import org.cairndb.crash.FaultSweep.Scenario;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.cairndb.tools.BackupVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A systematic sweep of I/O faults (see {@link FaultSweep}): every write, force, truncation,
 * directory sync, rename, deletion and file creation of each operation below fails in turn, once
 * and from then on; the power fails at each write, force, truncation and directory sync, and right
 * after each write, torn. Where an operation makes more than {@link #MAX_RUNS} of one kind, every
 * k-th is swept from a seeded start (so that the suite stays fast; each run covers other indices):
 * {@code -Dcairn.sweep.runs=1000} sweeps them all (about five times as long), and
 * {@code -Dcairn.crash.seed} repeats a run.
 */
class FaultSweepTest {

    private static final int MAX_RUNS = Integer.getInteger("cairn.sweep.runs", 8);
    private static final Mode[] ALL = Mode.values();

    @TempDir
    Path tmp;

    private void sweep(String name, Scenario s) throws Exception {
        new FaultSweep(tmp, name, s, MAX_RUNS).sweep(ALL);
    }

    // ---- starting points ----

    /** A home with database "t" of {@code records} records of {@code size} bytes, committed in groups of ten. */
    private static void home(Path dir, int records, int size) {
        try (Environment env = Environment.open(dir.resolve("home"), config(NioFileIO.INSTANCE))) {
            commit(env, "k", 0, records, size);
        }
    }

    private static void commit(Environment env, String prefix, int from, int to, int size) {
        Database db = env.openDatabase("t", true);
        for (int i = from; i < to; i += 10) {
            try (Transaction t = env.beginTransaction()) {
                for (int j = i; j < Math.min(to, i + 10); j++) {
                    db.put(t, b(String.format("%s%05d", prefix, j)), new byte[size]);
                }
                t.commit();
            }
        }
    }

    private static TreeSet<String> with(TreeSet<String> before, String... entries) {
        TreeSet<String> out = new TreeSet<>(before);
        out.addAll(List.of(entries));
        return out;
    }

    // ---- the environment's own operations ----

    @Test
    void aSyncCommitOfSeveralRecords() throws Exception {
        sweep("commit", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 300, 100);
            }

            @Override
            public TreeSet<String> after(TreeSet<String> before) {
                TreeSet<String> out = new TreeSet<>(before);
                for (int j = 0; j < 20; j++) {
                    out.add(String.format("t/c%05d", j));
                }
                return out;
            }

            @Override
            public void act(Run run) {
                Database db = run.env.openDatabase("t", false);
                try (Transaction t = run.env.beginTransaction()) {
                    for (int j = 0; j < 20; j++) {
                        db.put(t, b(String.format("c%05d", j)), new byte[300]);
                    }
                    t.commit();
                }
            }
        });
    }

    @Test
    void aCommitLargerThanASegment() throws Exception {
        sweep("large-commit", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 100, 100);
            }

            @Override
            public TreeSet<String> after(TreeSet<String> before) {
                TreeSet<String> out = new TreeSet<>(before);
                for (int j = 0; j < 250; j++) {
                    out.add(String.format("t/L%05d", j));
                }
                return out;
            }

            @Override
            public void act(Run run) {
                Database db = run.env.openDatabase("t", false);
                try (Transaction t = run.env.beginTransaction()) {
                    for (int j = 0; j < 250; j++) {
                        db.put(t, b(String.format("L%05d", j)), new byte[300]); // 80 KB: two segment switches
                    }
                    t.commit();
                }
            }
        });
    }

    @Test
    void aCheckpoint() throws Exception {
        sweep("checkpoint", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 300, 100);
            }

            @Override
            public void setUp(Run run) {
                commit(run.env, "u", 0, 100, 200);
            }

            @Override
            public void act(Run run) {
                run.env.checkpoint(true);
            }
        });
    }

    /** A checkpoint of several databases, each with pages to write, after a removal freed a file's worth. */
    @Test
    void aCheckpointOfSeveralDatabases() throws Exception {
        sweep("checkpoint-many", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 300, 100);
            }

            @Override
            public void setUp(Run run) {
                for (String name : List.of("a", "b", "c")) {
                    Database db = run.env.openDatabase(name, true);
                    for (int i = 0; i < 60; i++) {
                        db.put(null, b(name + i), new byte[400]);
                    }
                }
                commit(run.env, "u", 0, 100, 300);
            }

            @Override
            public void act(Run run) {
                run.env.checkpoint(true);
            }
        });
    }

    /** A checkpoint that then removes the log segments no longer needed (cairn.log.autoremove). */
    @Test
    void aCheckpointThatRemovesLog() throws Exception {
        sweep("checkpoint-autoremove", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 300, 500);
            }

            @Override
            public Environment open(Run run) {
                return Environment.open(run.home(), config(run.fio).logAutoRemove(true));
            }

            @Override
            public void setUp(Run run) {
                commit(run.env, "u", 0, 100, 500);
            }

            @Override
            public void act(Run run) {
                run.env.checkpoint(true);
            }

            @Override
            public Environment reopen(Run run) {
                return Environment.open(run.home(), config(NioFileIO.INSTANCE).logAutoRemove(true));
            }
        });
    }

    /** The creation of a new environment and its first database. */
    @Test
    void aNewEnvironment() throws Exception {
        sweep("new-environment", new Scenario() {
            @Override
            public void prepare(Path dir) throws Exception {
                Files.createDirectories(dir);
            }

            @Override
            public Environment open(Run run) {
                return null; // the creation is the operation
            }

            @Override
            public void act(Run run) {
                run.env = Environment.open(run.home(), config(run.fio));
                run.env.openDatabase("t", true);
            }

            @Override
            public void afterwards(Run run, Environment env) {
                TreeSet<String> found = FaultSweep.state(env);
                found.remove(FaultSweep.PROBE);
                assertTrue(found.isEmpty() || found.equals(new TreeSet<>(List.of("db:t"))), "an empty environment: " + found);
                env.openDatabase("t", true).put(null, b("after"), b("x")); // and it works
            }
        });
    }

    /** The open of a home whose last run stopped without a checkpoint: recovery replays and checkpoints. */
    @Test
    void aRecovery() throws Exception {
        TreeSet<String> expected = new TreeSet<>();
        sweep("recovery", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 200, 100);
                Environment env = Environment.open(dir.resolve("home"), config(NioFileIO.INSTANCE));
                commit(env, "r", 0, 200, 400); // over segments, none checkpointed
                env.openDatabase("late", true).put(null, b("x"), b("y"));
                expected.addAll(FaultSweep.state(env));
                env.internals().abandon(); // as a killed process leaves it
            }

            @Override
            public Environment open(Run run) {
                return null; // the open is the operation
            }

            @Override
            public void act(Run run) {
                run.env = Environment.open(run.home(), config(run.fio));
            }

            @Override
            public void afterwards(Run run, Environment env) {
                TreeSet<String> found = FaultSweep.state(env);
                found.remove(FaultSweep.PROBE);
                assertEquals(expected, found, "every commit acknowledged before the stop");
            }
        });
    }

    @Test
    void aDatabaseCreation() throws Exception {
        sweep("create", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 300, 100);
            }

            @Override
            public TreeSet<String> after(TreeSet<String> before) {
                return with(before, "db:fresh");
            }

            @Override
            public void act(Run run) {
                run.env.openDatabase("fresh", true);
            }
        });
    }

    @Test
    void aDatabaseRemoval() throws Exception {
        sweep("remove", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 300, 100);
                try (Environment env = Environment.open(dir.resolve("home"), config(NioFileIO.INSTANCE))) {
                    Database db = env.openDatabase("gone", true);
                    for (int i = 0; i < 50; i++) {
                        db.put(null, b("g" + i), new byte[100]);
                    }
                    env.checkpoint(true);
                }
            }

            @Override
            public TreeSet<String> after(TreeSet<String> before) {
                TreeSet<String> out = new TreeSet<>(before);
                out.removeIf(e -> e.equals("db:gone") || e.startsWith("gone/"));
                return out;
            }

            @Override
            public void act(Run run) {
                run.env.removeDatabase("gone");
            }
        });
    }

    @Test
    void anEnvironmentClose() throws Exception {
        sweep("close", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 300, 100);
            }

            @Override
            public void setUp(Run run) {
                commit(run.env, "u", 0, 50, 200);
            }

            @Override
            public void act(Run run) {
                run.env.close();
            }
        });
    }

    @Test
    void aPrepareThenCommit() throws Exception {
        twoPhase("two-phase", true);
    }

    @Test
    void aPrepareThenRollback() throws Exception {
        twoPhase("two-phase-rollback", false);
    }

    /** Prepare, then commit or roll back; after a failure the coordinator completes it as it decided. */
    private void twoPhase(String name, boolean commit) throws Exception {
        byte[] gid = b("sweep-gid");
        sweep(name, new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 300, 100);
            }

            @Override
            public TreeSet<String> after(TreeSet<String> before) {
                TreeSet<String> out = new TreeSet<>(before);
                for (int j = 0; commit && j < 10; j++) {
                    out.add("t/x" + j);
                }
                return out;
            }

            @Override
            public void act(Run run) {
                Database db = run.env.openDatabase("t", false);
                Transaction t = run.env.beginTransaction();
                for (int j = 0; j < 10; j++) {
                    db.put(t, b("x" + j), new byte[300]);
                }
                t.prepare(gid);
                run.promised = commit; // prepared: a crash may no longer lose it, only its coordinator may roll it back
                run.steps.add("prepare");
                if (commit) {
                    t.commit();
                } else {
                    t.abort();
                }
            }

            /** The coordinator's part: completes what it saw prepared as it decided, rolls back what it did not. */
            @Override
            public Environment reopen(Run run) {
                Environment env = Environment.open(run.home(), config(NioFileIO.INSTANCE));
                Transaction t = env.preparedTransaction(gid);
                if (t != null) {
                    if (commit && run.steps.contains("prepare")) {
                        t.commit();
                    } else {
                        t.abort();
                    }
                }
                return env;
            }
        });
    }

    // ---- archiving, backups, failover, point-in-time recovery ----

    @Test
    void archivingOfFinishedSegments() throws Exception {
        UUID[] id = new UUID[1];
        sweep("archive", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 300, 500);
                try (Environment env = Environment.open(dir.resolve("home"), config(NioFileIO.INSTANCE))) {
                    id[0] = env.internals().environmentId();
                }
            }

            @Override
            public Environment open(Run run) {
                return null; // the archiver reads the home's finished segments; the environment is closed
            }

            @Override
            public void act(Run run) throws Exception {
                Path home = run.home();
                List<Long> segments = SegmentFiles.list(NioFileIO.INSTANCE, home.resolve("log"));
                long current = segments.get(segments.size() - 1);
                new ContinuousArchiver(run.fio, EnvironmentHome.detect(home), run.dir.resolve("archive"), () -> current,
                        id[0]).archiveFinished();
            }

            @Override
            public Environment reopen(Run run) {
                assertArchivedWhole(run);
                return Environment.open(run.home(), config(NioFileIO.INSTANCE).archiveEnabled(true)
                        .archiveDir(run.dir.resolve("archive")));
            }

            @Override
            public void afterwards(Run run, Environment env) throws Exception {
                TestSupport.awaitArchived(env); // archiving goes on where the failed pass stopped
                assertArchivedWhole(run);
            }
        });
    }

    /** Every segment in the archive under its final name is the home's, byte for byte. */
    private static void assertArchivedWhole(Run run) {
        try {
            Path archive = run.dir.resolve("archive");
            for (long seg : SegmentFiles.list(NioFileIO.INSTANCE, archive)) {
                Path own = run.home().resolve("log").resolve(SegmentFiles.name(seg));
                assertArrayEquals(Files.readAllBytes(own), Files.readAllBytes(archive.resolve(SegmentFiles.name(seg))),
                        "archived " + SegmentFiles.name(seg) + " is the home's");
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aHotBackup() throws Exception {
        sweep("backup", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 300, 500);
            }

            @Override
            public void act(Run run) throws Exception {
                HotBackup.run(run.env.internals(), run.dir.resolve("backup"), BackupOptions.defaults());
            }

            @Override
            public void afterwards(Run run, Environment env) throws Exception {
                Path backup = run.dir.resolve("backup");
                if (!run.acked) {
                    assertCompleteOrWithoutManifest(backup);
                    TestSupport.deleteTree(backup); // as documented: an unfinished first backup is removed and taken again
                    HotBackup.run(env.internals(), backup, BackupOptions.defaults());
                }
                assertBackupHolds(backup, run.before);
            }
        });
    }

    @Test
    void aHotBackupWithACheckpointFirstInTheSplitLayout() throws Exception {
        BackupOptions options = BackupOptions.defaults().withCheckpointFirst(true).withSplitLayout(true);
        sweep("backup-c-split", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 300, 500);
            }

            @Override
            public void setUp(Run run) {
                commit(run.env, "u", 0, 50, 500); // for the checkpoint to write
            }

            @Override
            public void act(Run run) throws Exception {
                HotBackup.run(run.env.internals(), run.dir.resolve("backup"), options);
            }

            @Override
            public void afterwards(Run run, Environment env) throws Exception {
                Path backup = run.dir.resolve("backup");
                if (!run.acked) {
                    assertCompleteOrWithoutManifest(backup);
                    TestSupport.deleteTree(backup);
                    HotBackup.run(env.internals(), backup, options);
                }
                assertBackupHolds(backup, run.before);
            }
        });
    }

    @Test
    void aBackupUpdate() throws Exception {
        sweep("backup-update", new Scenario() {
            @Override
            public void prepare(Path dir) throws Exception {
                home(dir, 100, 500);
                try (Environment env = Environment.open(dir.resolve("home"), config(NioFileIO.INSTANCE))) {
                    HotBackup.run(env.internals(), dir.resolve("backup"), BackupOptions.defaults());
                    commit(env, "n", 0, 200, 500);
                }
            }

            @Override
            public void act(Run run) throws Exception {
                HotBackup.run(run.env.internals(), run.dir.resolve("backup"), BackupOptions.defaults().withUpdate(true));
            }

            @Override
            public void afterwards(Run run, Environment env) throws Exception {
                Path backup = run.dir.resolve("backup");
                if (!run.acked) {
                    assertCompleteOrWithoutManifest(backup);
                    HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true)); // run again
                }
                assertBackupHolds(backup, run.before);
            }
        });
    }

    @Test
    void aFailoverUpdate() throws Exception {
        sweep("failover", new Scenario() {
            @Override
            public void prepare(Path dir) throws Exception {
                home(dir, 100, 500);
                try (Environment env = Environment.open(dir.resolve("home"), config(NioFileIO.INSTANCE))) {
                    Failover.update(env.internals(), dir.resolve("failover"), BackupOptions.defaults());
                    commit(env, "n", 0, 200, 500);
                    env.checkpoint(true); // the older segments are no longer needed: this update moves them
                }
            }

            @Override
            public void act(Run run) throws Exception {
                Failover.update(run.env.internals(), run.dir.resolve("failover"), BackupOptions.defaults());
            }

            @Override
            public void afterwards(Run run, Environment env) throws Exception {
                Path failover = run.dir.resolve("failover");
                if (!run.acked) {
                    Failover.update(env.internals(), failover, BackupOptions.defaults()); // run again
                }
                assertBackupHolds(failover, run.before);
            }
        });
    }

    /** With an archive, the segments the update moves are archived ones; the update must keep them in one place at least. */
    @Test
    void aFailoverUpdateOfAHomeThatArchives() throws Exception {
        sweep("failover-archive", new Scenario() {
            private EnvironmentConfig config(Path dir, org.cairndb.io.FileIO io) {
                return FaultSweep.config(io).archiveEnabled(true).archiveDir(dir.resolve("archive"));
            }

            @Override
            public void prepare(Path dir) throws Exception {
                home(dir, 100, 500);
                try (Environment env = Environment.open(dir.resolve("home"), config(dir, NioFileIO.INSTANCE))) {
                    Failover.update(env.internals(), dir.resolve("failover"), BackupOptions.defaults());
                    commit(env, "n", 0, 200, 500);
                    env.checkpoint(true);
                    TestSupport.awaitArchived(env);
                }
            }

            @Override
            public Environment open(Run run) {
                return Environment.open(run.home(), config(run.dir, run.fio));
            }

            @Override
            public void act(Run run) throws Exception {
                Failover.update(run.env.internals(), run.dir.resolve("failover"), BackupOptions.defaults());
            }

            @Override
            public Environment reopen(Run run) {
                return Environment.open(run.home(), config(run.dir, NioFileIO.INSTANCE));
            }

            @Override
            public void afterwards(Run run, Environment env) throws Exception {
                Path failover = run.dir.resolve("failover");
                if (!run.acked) {
                    Failover.update(env.internals(), failover, BackupOptions.defaults()); // run again
                }
                assertBackupHolds(failover, run.before);
            }
        });
    }

    @Test
    void aPointInTimeRecovery() throws Exception {
        pointInTimeRecovery("pitr", false);
    }

    @Test
    void aPointInTimeRecoveryOfAHomeThatArchives() throws Exception {
        pointInTimeRecovery("pitr-archive", true);
    }

    private void pointInTimeRecovery(String name, boolean archiving) throws Exception {
        TreeSet<String> expected = new TreeSet<>();
        RecoveryTarget[] target = new RecoveryTarget[1];
        sweep(name, new Scenario() {
            private EnvironmentConfig config(Run run, org.cairndb.io.FileIO io) {
                return config(run.dir, io);
            }

            private EnvironmentConfig config(Path dir, org.cairndb.io.FileIO io) {
                EnvironmentConfig c = FaultSweep.config(io);
                return archiving ? c.archiveEnabled(true).archiveDir(dir.resolve("archive")) : c;
            }

            @Override
            public void prepare(Path dir) throws Exception {
                Path home = dir.resolve("home");
                Path backup = dir.resolve("pitr-backup");
                try (Environment env = Environment.open(home, config(dir, NioFileIO.INSTANCE))) {
                    commit(env, "b", 0, 50, 500);
                    HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(true));
                    commit(env, "o", 0, 100, 500);
                    long after = System.currentTimeMillis();
                    TestSupport.awaitTrue(() -> System.currentTimeMillis() > after, "the clock to move on");
                    expected.addAll(FaultSweep.state(env));
                    commit(env, "l", 0, 100, 500);
                    target[0] = RecoveryTarget.time(Instant.ofEpochMilli(after), true);
                    if (archiving) {
                        TestSupport.awaitArchived(env);
                    }
                }
                TestSupport.deleteTree(home.resolve("data"));
                TestSupport.copyTree(backup.resolve("data"), home.resolve("data"));
            }

            @Override
            public Environment open(Run run) {
                return null; // the recovery is the operation
            }

            @Override
            public void act(Run run) {
                run.env = Environment.open(run.home(), recovery(config(run, run.fio)));
            }

            private EnvironmentConfig recovery(EnvironmentConfig c) {
                return c.catastrophicRecovery(true).recoveryTarget(target[0]);
            }

            /** After a failed recovery the admin runs the same again; after one that finished, a normal open. */
            @Override
            public Environment reopen(Run run) {
                return Environment.open(run.home(), run.acked ? config(run, NioFileIO.INSTANCE)
                        : recovery(config(run, NioFileIO.INSTANCE)));
            }

            @Override
            public void afterwards(Run run, Environment env) {
                TreeSet<String> found = FaultSweep.state(env);
                found.remove(FaultSweep.PROBE);
                assertEquals(expected, found, "the commits up to the target, no other");
            }
        });
    }

    // ---- checks of copies ----

    /**
     * A backup directory holds a manifest only when the copy is complete: if there is one, the files
     * match it, or (an update that stopped half-way, whose lock file says so) the verifier names the
     * unfinished update as the cause and its rerun as the cure.
     */
    private static void assertCompleteOrWithoutManifest(Path backup) throws Exception {
        if (Files.exists(backup.resolve(BackupManifest.FILE_NAME))) {
            BackupVerifier.Report r = new BackupVerifier(backup).verify();
            assertTrue(r.ok() || r.problems().toString().contains("stopped before it finished"),
                    "the backup's manifest names files that do not match it: " + r.problems());
        }
    }

    /** The backup verifies and, opened, holds exactly {@code state} (the probe commit after it may be there too). */
    private static void assertBackupHolds(Path backup, TreeSet<String> state) throws Exception {
        BackupVerifier.Report r = new BackupVerifier(backup).verify();
        assertTrue(r.ok(), "the backup verifies: " + r.problems());
        assertCopyHolds(backup, state);
    }

    private static void assertCopyHolds(Path copy, TreeSet<String> state) throws Exception {
        Path look = copy.resolveSibling(copy.getFileName() + "-opened");
        TestSupport.deleteTree(look);
        TestSupport.copyTree(copy, look); // opening writes to it; the copy itself stays a copy
        try (Environment env = Environment.open(look, config(NioFileIO.INSTANCE).allowCreate(false))) {
            TreeSet<String> found = FaultSweep.state(env);
            found.remove(FaultSweep.PROBE);
            assertEquals(state, found, "the copy " + copy + " holds what was committed before it was taken");
        }
    }
}
