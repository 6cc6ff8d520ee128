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
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.HeuristicOutcome;
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
 * {@code -Dcairn.crash.seed} repeats a run. Reads fail in the scenarios named so (once and from
 * then on); {@code -Dcairn.sweep.reads=true} fails the reads of every scenario instead of its changes.
 */
class FaultSweepTest {

    private static final int MAX_RUNS = Integer.getInteger("cairn.sweep.runs", 8);
    private static final Mode[] ALL = Mode.values();
    /** {@code -Dcairn.sweep.reads=true}: every scenario fails its reads instead of its changes. */
    private static final boolean READS_EVERYWHERE = Boolean.getBoolean("cairn.sweep.reads");


    @TempDir
    Path tmp;

    private void sweep(String name, Scenario s) throws Exception {
        if (READS_EVERYWHERE) {
            sweepReads(name, s);
        } else {
            new FaultSweep(tmp, name, s, MAX_RUNS).sweep(ALL);
        }
    }

    /** Fails the reads of the operation instead of its changes, once and from then on. */
    private void sweepReads(String name, Scenario s) throws Exception {
        new FaultSweep(tmp, name, s, MAX_RUNS).reads().sweep(Mode.FAIL_ONCE, Mode.FAIL_FROM_THEN_ON);
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

    /**
     * A home with database "t" of {@code records} keys {@code k00000...} holding {@link #valueOf}
     * their key, committed a hundred to a transaction and checkpointed, so that its pages are read
     * from the data file after a reopen.
     */
    private static void checkpointedHome(Path dir, int records) {
        try (Environment env = Environment.open(dir.resolve("home"), config(NioFileIO.INSTANCE))) {
            Database db = env.openDatabase("t", true);
            for (int i = 0; i < records; i += 100) {
                try (Transaction t = env.beginTransaction()) {
                    for (int j = i; j < Math.min(records, i + 100); j++) {
                        String k = String.format("k%05d", j);
                        db.put(t, b(k), valueOf(k));
                    }
                    t.commit();
                }
            }
            env.checkpoint(true);
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
        sweep("backup", hotBackup());
    }

    /** The data and log files a hot backup copies are read: a failed read fails the backup, naming the file. */
    @Test
    void readsOfAHotBackup() throws Exception {
        sweepReads("backup-reads", hotBackup());
    }

    private static Scenario hotBackup() {
        return new Scenario() {
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
        };
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

    /**
     * Recovery reads the backup's data files and every segment up to the target: a failed read must
     * stop it naming the file, never end the replay early as if the log ended there (the commits
     * after the failed read silently missing). Run again without the fault, it recovers exactly the
     * commits up to the target.
     */
    @Test
    void readsOfAPointInTimeRecovery() throws Exception {
        sweepReads("pitr-reads", pointInTimeRecoveryScenario(false, false, true));
    }

    /** As above, the segments read from the archive (the home's own are gone). */
    @Test
    void readsOfAPointInTimeRecoveryFromTheArchive() throws Exception {
        sweepReads("pitr-archive-reads", pointInTimeRecoveryScenario(true, true, true));
    }

    /**
     * The home's finished segments are gone: recovery gathers them from the archive into log/, and
     * then moves the archive's copies of the old history aside. A failure after that must leave the
     * gathered ones in log/, or the rerun finds the log ending before the target.
     */
    @Test
    void aPointInTimeRecoveryFromTheArchive() throws Exception {
        sweep("pitr-from-archive", pointInTimeRecoveryScenario(true, true, false));
    }

    private void pointInTimeRecovery(String name, boolean archiving) throws Exception {
        sweep(name, pointInTimeRecoveryScenario(archiving, false, false));
    }

    /**
     * A recovery to a time of a home whose data files a backup replaced; {@code homeLogLost}: the
     * home's finished segments are gone (the archive holds them); {@code reads}: a failure names the file.
     */
    private static Scenario pointInTimeRecoveryScenario(boolean archiving, boolean homeLogLost, boolean reads) {
        TreeSet<String> expected = new TreeSet<>();
        RecoveryTarget[] target = new RecoveryTarget[1];
        return new Scenario() {
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
                if (homeLogLost) {
                    // The home's finished segments are lost: recovery reads them from the archive.
                    Path archive = dir.resolve("archive");
                    for (long seg : SegmentFiles.list(NioFileIO.INSTANCE, archive)) {
                        Files.deleteIfExists(home.resolve("log").resolve(SegmentFiles.name(seg)));
                    }
                }
            }

            @Override
            public Environment open(Run run) {
                return null; // the recovery is the operation
            }

            @Override
            public void act(Run run) {
                try {
                    run.env = Environment.open(run.home(), recovery(config(run, run.fio)));
                } catch (RuntimeException e) {
                    throw reads ? assertNamesFile(run, e) : e;
                }
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
        };
    }

    // ---- unsynced commits made durable ----

    @Test
    void writeNoSyncCommitsThenACheckpoint() throws Exception {
        unsynced("nosync-checkpoint", Durability.WRITE_NO_SYNC, run -> run.env.checkpoint(true));
    }

    /** A SYNC commit makes the NO_SYNC commits before it durable too: the application's explicit sync. */
    @Test
    void noSyncCommitsThenASyncCommit() throws Exception {
        unsynced("nosync-sync", Durability.NO_SYNC, run -> {
            try (Transaction t = run.env.beginTransaction()) {
                run.env.openDatabase("t", false).put(t, b("synced"), b("s"));
                t.commit(Durability.SYNC);
            }
        });
    }

    @Test
    void noSyncCommitsThenAClose() throws Exception {
        unsynced("nosync-close", Durability.NO_SYNC, run -> run.env.close());
    }

    private interface Step {
        void run(Run run) throws Exception;
    }

    /**
     * Groups of commits of {@code durability}, then {@code makeDurable}: acknowledged, every group
     * survives; failed, the durable records and a prefix of the groups (each whole, in commit order).
     */
    private void unsynced(String name, Durability durability, Step makeDurable) throws Exception {
        int groups = 12;
        sweep(name, new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 200, 100);
            }

            @Override
            public void setUp(Run run) {
                Database db = run.env.openDatabase("t", false);
                for (int g = 0; g < groups; g++) {
                    try (Transaction t = run.env.beginTransaction()) {
                        for (int j = 0; j < 10; j++) {
                            db.put(t, b(String.format("w%02d-%02d", g, j)), new byte[700]); // 84 KB in all: over a segment
                        }
                        t.commit(durability);
                    }
                }
            }

            @Override
            public TreeSet<String> after(TreeSet<String> before) {
                return name.equals("nosync-sync") ? with(before, "t/synced") : before;
            }

            @Override
            public void act(Run run) throws Exception {
                makeDurable.run(run);
            }

            @Override
            public boolean allowedAfterFailure(Run run, TreeSet<String> found) {
                TreeSet<String> expect = new TreeSet<>(run.before);
                expect.removeIf(e -> e.startsWith("t/w"));
                found = new TreeSet<>(found);
                found.remove("t/synced"); // never acknowledged: a failed sync commit may still have reached the log
                for (int g = 0; g <= groups; g++) {
                    if (found.equals(expect)) {
                        return true;
                    }
                    for (int j = 0; g < groups && j < 10; j++) {
                        expect.add(String.format("t/w%02d-%02d", g, j));
                    }
                }
                return false;
            }
        });
    }

    // ---- heuristic decisions ----

    @Test
    void aHeuristicCommit() throws Exception {
        heuristic("heuristic-commit", true);
    }

    @Test
    void aHeuristicRollback() throws Exception {
        heuristic("heuristic-rollback", false);
    }

    /** A home with transaction {@code gid} prepared (ten records "t/x*"), left in doubt by a close. */
    private static void homeInDoubt(Path dir, byte[] gid) {
        home(dir, 200, 100);
        try (Environment env = Environment.open(dir.resolve("home"), config(NioFileIO.INSTANCE))) {
            Database db = env.openDatabase("t", false);
            Transaction t = env.beginTransaction();
            for (int j = 0; j < 10; j++) {
                db.put(t, b("x" + j), new byte[300]);
            }
            t.prepare(gid);
        }
    }

    /**
     * An admin's heuristic decision on a prepared transaction: acknowledged, the outcome and its
     * effect survive the reopen; failed, the transaction is either still prepared with no outcome
     * recorded (and the decision, taken again, works) or decided with its outcome recorded.
     */
    private void heuristic(String name, boolean commit) throws Exception {
        byte[] gid = b("sweep-heuristic");
        sweep(name, new Scenario() {
            @Override
            public void prepare(Path dir) {
                homeInDoubt(dir, gid);
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
                Transaction t = run.env.preparedTransaction(gid);
                if (commit) {
                    t.heuristicCommit();
                } else {
                    t.heuristicRollback();
                }
            }

            @Override
            public void afterwards(Run run, Environment env) {
                HeuristicOutcome outcome = env.heuristicOutcome(gid);
                Transaction t = env.preparedTransaction(gid);
                boolean effect = FaultSweep.state(env).contains("t/x0");
                if (run.acked) {
                    assertTrue(outcome != null && t == null, "an acknowledged decision is remembered: " + outcome
                            + ", still prepared: " + (t != null));
                }
                if (outcome != null) {
                    assertEquals(commit, outcome.committed(), "the outcome recorded is the one decided");
                    assertTrue(t == null, "a transaction with a recorded outcome is no longer prepared");
                    assertEquals(commit, effect, "the records are there exactly when it was committed");
                } else {
                    assertTrue(t != null && !effect, "without an outcome the transaction is still in doubt");
                    if (commit) { // taken again, the decision works
                        t.heuristicCommit();
                    } else {
                        t.heuristicRollback();
                    }
                    assertEquals(commit, env.heuristicOutcome(gid).committed());
                }
            }
        });
    }

    @Test
    void aForgetOfAHeuristicOutcome() throws Exception {
        byte[] gid = b("sweep-forget");
        sweep("heuristic-forget", new Scenario() {
            @Override
            public void prepare(Path dir) {
                homeInDoubt(dir, gid);
                try (Environment env = Environment.open(dir.resolve("home"), config(NioFileIO.INSTANCE))) {
                    env.preparedTransaction(gid).heuristicCommit();
                }
            }

            @Override
            public void act(Run run) {
                assertTrue(run.env.forgetHeuristic(gid), "an outcome to forget");
            }

            @Override
            public void afterwards(Run run, Environment env) {
                HeuristicOutcome outcome = env.heuristicOutcome(gid);
                if (run.acked) {
                    assertEquals(null, outcome, "an acknowledged forget survives the reopen");
                } else if (outcome != null) {
                    assertTrue(outcome.committed(), "the outcome kept is the one recorded");
                    assertTrue(env.forgetHeuristic(gid), "forgotten, taken again");
                }
                assertEquals(null, env.preparedTransaction(gid), "nothing prepared comes back");
            }
        });
    }

    /** A checkpoint that removes the log holding a heuristic decision: the outcome lives on in the checkpoint. */
    @Test
    void aCheckpointAfterAHeuristicDecision() throws Exception {
        byte[] gid = b("sweep-heuristic-cp");
        sweep("heuristic-checkpoint", new Scenario() {
            @Override
            public void prepare(Path dir) {
                homeInDoubt(dir, gid);
                try (Environment env = Environment.open(dir.resolve("home"), config(NioFileIO.INSTANCE))) {
                    env.preparedTransaction(gid).heuristicRollback();
                    commit(env, "u", 0, 200, 500); // the decision's segment is finished
                }
            }

            @Override
            public Environment open(Run run) {
                return Environment.open(run.home(), config(run.fio).logAutoRemove(true));
            }

            @Override
            public void act(Run run) {
                run.env.checkpoint(true);
            }

            @Override
            public Environment reopen(Run run) {
                return Environment.open(run.home(), config(NioFileIO.INSTANCE).logAutoRemove(true));
            }

            @Override
            public void afterwards(Run run, Environment env) {
                HeuristicOutcome outcome = env.heuristicOutcome(gid);
                assertTrue(outcome != null && !outcome.committed(), "the heuristic rollback is still remembered: " + outcome);
                assertEquals(null, env.preparedTransaction(gid), "nothing prepared comes back");
            }
        });
    }

    // ---- reads that fail ----

    /** Values a read can be checked against: the key, repeated. */
    private static byte[] valueOf(String key) {
        return (key + "|").repeat(40).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    /** A read failed: its message names the file whose read failed. */
    private static RuntimeException assertNamesFile(Run run, RuntimeException e) {
        String failed = run.fio.lastFailedOperation();
        if (failed != null) {
            String file = Path.of(failed.substring(failed.lastIndexOf(" of ") + 4)).getFileName().toString();
            // The simulated error names the file itself ("Input/output error (simulated: read of ...
            // of FILE failed)"); a real one does not: the file must be named besides.
            String message = String.valueOf(e.getMessage()).replaceAll(" \\(simulated: [^)]*\\)", "");
            if (!message.contains(file)) {
                throw new AssertionError("the failure of a " + failed + " does not name " + file + ": " + e, e);
            }
        }
        return e;
    }

    @Test
    void readsOfDataPagesByACursorAndGets() throws Exception {
        int records = 5000;
        sweepReads("reads", new Scenario() {
            @Override
            public void prepare(Path dir) {
                checkpointedHome(dir, records); // the pages are in the data file, read from there after the reopen
            }

            /** A cache far smaller than the data: the pages the state before the act read are gone again. */
            @Override
            public Environment open(Run run) {
                return Environment.open(run.home(), config(run.fio).cacheSize(1 << 20));
            }

            @Override
            public void act(Run run) {
                try {
                    scan(run);
                } catch (RuntimeException e) {
                    assertNamesFile(run, e);
                    if (run.what.contains(Mode.FAIL_ONCE.name())) {
                        scan(run); // the fault is gone: the same environment reads every record right, from its cache or the file
                    }
                    throw e;
                }
            }

            private void scan(Run run) {
                {
                    Database db = run.env.openDatabase("t", false);
                    int n = 0;
                    try (Cursor c = db.openCursor(null)) {
                        while (c.next()) {
                            String k = new String(c.key(), java.nio.charset.StandardCharsets.US_ASCII);
                            if (k.equals("probe")) {
                                continue; // the sweep's commit after the act, seen when the check runs again
                            }
                            assertEquals(String.format("k%05d", n), k, "the cursor's " + n + "th key");
                            assertArrayEquals(valueOf(k), c.value(), "the value of " + k);
                            n++;
                        }
                    }
                    assertEquals(records, n, "records a cursor sees");
                    for (int i = 7; i < records; i += 97) {
                        String k = String.format("k%05d", i);
                        assertArrayEquals(valueOf(k), db.get(null, b(k)), "get of " + k);
                    }
                }
            }

            @Override
            public void afterwards(Run run, Environment env) {
                act(run.env == env ? run : withEnv(run, env)); // committed data intact once the fault clears
            }
        });
    }

    private static Run withEnv(Run run, Environment env) {
        run.env = env;
        return run;
    }

    /** A commit whose puts land in leaves the cache let go: the reads it needs fail, and the commit with them. */
    @Test
    void readsOfACommit() throws Exception {
        int records = 5000;
        sweepReads("commit-reads", new Scenario() {
            @Override
            public void prepare(Path dir) {
                checkpointedHome(dir, records);
            }

            @Override
            public Environment open(Run run) {
                return Environment.open(run.home(), config(run.fio).cacheSize(1 << 20));
            }

            @Override
            public TreeSet<String> after(TreeSet<String> before) {
                TreeSet<String> out = new TreeSet<>(before);
                for (int i = 0; i < records; i += 400) {
                    out.add(String.format("t/k%05d-n", i));
                }
                return out;
            }

            @Override
            public void act(Run run) {
                try {
                    Database db = run.env.openDatabase("t", false);
                    try (Transaction t = run.env.beginTransaction()) {
                        for (int i = 0; i < records; i += 400) {
                            String k = String.format("k%05d-n", i);
                            db.put(t, b(k), valueOf(k)); // beside k{i}: into its leaf
                        }
                        t.commit();
                    }
                } catch (RuntimeException e) {
                    throw assertNamesFile(run, e);
                }
            }
        });
    }

    @Test
    void readsOfARecovery() throws Exception {
        TreeSet<String> expected = new TreeSet<>();
        sweepReads("recovery-reads", new Scenario() {
            @Override
            public void prepare(Path dir) {
                home(dir, 200, 100);
                Environment env = Environment.open(dir.resolve("home"), config(NioFileIO.INSTANCE));
                commit(env, "r", 0, 200, 400); // over segments, none checkpointed
                expected.addAll(FaultSweep.state(env));
                env.internals().abandon();
            }

            @Override
            public Environment open(Run run) {
                return null; // the open is the operation
            }

            @Override
            public void act(Run run) {
                try {
                    run.env = Environment.open(run.home(), config(run.fio));
                } catch (RuntimeException e) {
                    throw assertNamesFile(run, e);
                }
            }

            @Override
            public void afterwards(Run run, Environment env) {
                TreeSet<String> found = FaultSweep.state(env);
                found.remove(FaultSweep.PROBE);
                assertEquals(expected, found, "every commit acknowledged before the stop");
            }
        });
    }

    // ---- the background checkpointer ----

    /**
     * Commits, then the checkpoint the background thread runs for them (by log volume: 16 KB; or by
     * time: every 400 ms). A write, force or read failing inside it must fail the environment with
     * a message naming the file; every later operation gets that error; the reopen recovers every
     * acknowledged commit. (The checkpoint reads nothing here, its pages being in the cache: a sweep
     * of reads fails only the commits', as {@link #readsOfACommit} does.)
     */
    @Test
    void aBackgroundCheckpoint() throws Exception {
        sweep("background-checkpoint", backgroundCheckpoint(300, 8L << 20));
    }

    private static Scenario backgroundCheckpoint(int records, long cache) {
        return new Scenario() {
            @Override
            public void prepare(Path dir) {
                checkpointedHome(dir, records);
            }

            @Override
            public Environment open(Run run) {
                return Environment.open(run.home(), config(run.fio).cacheSize(cache).checkpointerEnabled(true)
                        .checkpointKBytes(16).checkpointInterval(java.time.Duration.ofMillis(400)));
            }

            /** Groups of ten of the act's commits acknowledged in the current run. */
            private int acked;

            @Override
            public void setUp(Run run) {
                acked = 0;
            }

            @Override
            public TreeSet<String> after(TreeSet<String> before) {
                TreeSet<String> out = new TreeSet<>(before);
                for (int j = 0; j < 60; j++) {
                    out.add(String.format("t/k%05d-u", j * 83 % records));
                }
                return out;
            }

            /** The background checkpoint failed the environment during the commits: those acknowledged are there. */
            @Override
            public boolean allowedAfterFailure(Run run, TreeSet<String> found) {
                for (int g = acked; g <= acked + 1; g++) {
                    TreeSet<String> expect = new TreeSet<>(run.before);
                    for (int j = 0; j < g * 10; j++) {
                        expect.add(String.format("t/k%05d-u", j * 83 % records));
                    }
                    if (found.equals(expect)) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public void act(Run run) throws Exception {
                Database db = run.env.openDatabase("t", false);
                try {
                    for (int g = 0; g < 6; g++) { // some 20 KB of log, into leaves all over the tree
                        try (Transaction t = run.env.beginTransaction()) {
                            for (int j = g * 10; j < g * 10 + 10; j++) {
                                String k = String.format("k%05d-u", j * 83 % records);
                                db.put(t, b(k), valueOf(k)); // beside k{n}: into its leaf
                            }
                            t.commit();
                        }
                        acked = g + 1;
                    }
                } catch (RuntimeException e) {
                    throw assertNamesFile(run, e);
                }
                run.steps.add("commits");
                org.cairndb.recovery.Checkpointer checkpointer = run.env.internals().checkpointer();
                long after = checkpointer.checkpoints();
                long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
                // Until a checkpoint that began after the commits finished, with no fault struck; a
                // fault that struck it must fail the environment. (The next segment's preallocation,
                // in the background too, may fail unreported: the log creates the segment itself.)
                while (true) {
                    try {
                        run.env.internals().checkUsable();
                    } catch (org.cairndb.EnvironmentFailureException failed) {
                        assertNamesFile(run, failed);
                        try (Transaction t = run.env.beginTransaction()) { // every later operation gets the same error
                            db.put(t, b("later"), b("x"));
                            t.commit();
                            throw new AssertionError("a commit after the failed background checkpoint succeeded");
                        } catch (org.cairndb.EnvironmentFailureException later) {
                            assertEquals(failed.getMessage(), later.getMessage(), "a later commit is told the failure");
                        }
                        run.steps.add("the environment failed");
                        throw failed;
                    }
                    String failed = run.fio.lastFailedOperation();
                    boolean struck = failed != null && !failed.contains(SegmentFiles.PREALLOCATED);
                    if (checkpointer.checkpoints() > after && !struck) {
                        return;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError(struck ? "the " + failed + " failed, and the environment went on as if"
                                + " nothing had: " + run.env.stats() : "no background checkpoint ran, and the environment"
                                + " did not fail: " + run.env.stats());
                    }
                    Thread.sleep(5);
                }
            }
        };
    }

    // ---- continuous archiving while the environment is open ----

    /**
     * Commits that finish segments, which the environment's archiver copies in the background. A
     * failure must show in the archive status, naming what failed; once the fault clears (a fault
     * that happened once) the archiver's next pass archives them; the archive never holds under a
     * segment's name anything but that segment.
     */
    @Test
    void archivingByTheRunningEnvironment() throws Exception {
        sweep("archive-open", archivingWhileOpen());
    }

    /** The archiver reads the segments it copies (and the copies it compares): a failed read is a failed pass. */
    @Test
    void readsOfArchivingByTheRunningEnvironment() throws Exception {
        sweepReads("archive-open-reads", archivingWhileOpen());
    }

    private static Scenario archivingWhileOpen() {
        return new Scenario() {
            private EnvironmentConfig config(Path dir, org.cairndb.io.FileIO io) {
                return FaultSweep.config(io).archiveEnabled(true).archiveDir(dir.resolve("archive"));
            }

            @Override
            public void prepare(Path dir) throws Exception {
                home(dir, 100, 500);
                try (Environment env = Environment.open(dir.resolve("home"), config(dir, NioFileIO.INSTANCE))) {
                    TestSupport.awaitArchived(env);
                }
            }

            @Override
            public Environment open(Run run) {
                return Environment.open(run.home(), config(run.dir, run.fio));
            }

            /** Groups of ten of the act's commits acknowledged in the current run. */
            private int acked;

            @Override
            public void setUp(Run run) throws Exception {
                acked = 0;
                TestSupport.awaitArchived(run.env); // nothing left for the archiver before the fault is armed
            }

            /** A commit failed: those acknowledged are there, the failed one may be. */
            @Override
            public boolean allowedAfterFailure(Run run, TreeSet<String> found) {
                for (int g = acked; g <= acked + 1; g++) {
                    TreeSet<String> expect = new TreeSet<>(run.before);
                    for (int j = 0; j < g * 10; j++) {
                        expect.add(String.format("t/a%05d", j));
                    }
                    if (found.equals(expect)) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public TreeSet<String> after(TreeSet<String> before) {
                TreeSet<String> out = new TreeSet<>(before);
                for (int j = 0; j < 60; j++) {
                    out.add(String.format("t/a%05d", j));
                }
                return out;
            }

            @Override
            public void act(Run run) throws Exception {
                long failuresBefore = run.env.internals().archiveStatus().failures();
                for (int g = 0; g < 6; g++) { // 30 KB: the segment the home began is finished
                    commit(run.env, "a", g * 10, g * 10 + 10, 500);
                    acked = g + 1;
                }
                run.steps.add("commits");
                long finished = run.env.internals().log().currentSegment() - 1;
                long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
                boolean reported = false;
                while (true) {
                    // Asked for a pass at each look, as an admin waiting would (the archiver's own
                    // retry comes a second later at the earliest: too slow for a sweep).
                    run.env.internals().archiver().wake();
                    org.cairndb.ArchiveStatus s = run.env.internals().archiveStatus();
                    if (s.lastArchivedSegment() >= finished && s.lastError() == null) {
                        String failed = run.fio.lastFailedOperation();
                        // The archiver's: what it writes, and (the commits read nothing) what it reads.
                        boolean archivers = failed != null && (failed.contains(run.dir.resolve("archive").toString())
                                || failed.startsWith("read"));
                        if (archivers && s.failures() == failuresBefore) {
                            throw new AssertionError("the " + failed + " failed, and the archive status never said so: " + s);
                        }
                        return; // archived (after a retry, if a failure was reported)
                    }
                    if (!reported && s.failures() > failuresBefore) {
                        reported = true;
                        run.steps.add("failure reported");
                        if (!run.what.contains(Mode.FAIL_ONCE.name())) {
                            throw new java.io.IOException("the archiver reports: " + s.lastError()); // checked: names the failure
                        }
                        if (!String.valueOf(s.lastError()).contains("Input/output error")) {
                            throw new AssertionError("the archive status does not say what failed: " + s.lastError());
                        } // the fault is gone: the next pass must archive
                    }
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the archiver neither archived up to " + finished + " nor reported a"
                                + " failure" + (reported ? " (it reported one; its retry did not succeed)" : "") + ": " + s);
                    }
                    Thread.sleep(5);
                }
            }

            @Override
            public Environment reopen(Run run) {
                assertArchivedWhole(run);
                return Environment.open(run.home(), config(run.dir, NioFileIO.INSTANCE));
            }

            @Override
            public void afterwards(Run run, Environment env) throws Exception {
                TestSupport.awaitArchived(env);
                assertArchivedWhole(run);
            }
        };
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
