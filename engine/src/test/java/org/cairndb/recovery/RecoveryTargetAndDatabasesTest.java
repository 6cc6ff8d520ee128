package org.cairndb.recovery;

import static org.cairndb.TestSupport.b;
import static org.cairndb.TestSupport.s;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.cairndb.Environment;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Point-in-time recovery around the creation and removal of databases: the recovered environment
 * holds exactly the databases that existed at the target, each with its records up to the target.
 */
class RecoveryTargetAndDatabasesTest {

    @TempDir
    Path dir;

    private static long commit(Environment env, String db, String key) {
        Transaction t = env.beginTransaction();
        env.openDatabase(db).put(t, b(key), b("v"));
        t.commit();
        return t.id();
    }

    private static void letTheClockPass() throws InterruptedException {
        long now = System.currentTimeMillis();
        TestSupport.awaitTrue(() -> System.currentTimeMillis() > now + 2, "the clock to move on");
    }

    /** A backup of {@code home} without its recovery, plus every segment of the environment's log. */
    private Path restoreWithTheWholeLog(Path home, Path backup) throws Exception {
        Path restored = dir.resolve("restored-" + System.nanoTime());
        TestSupport.copyTree(backup, restored);
        for (Path seg : Files.list(home.resolve("log")).filter(p -> p.getFileName().toString().startsWith("log.0")).toList()) {
            Files.copy(seg, restored.resolve("log").resolve(seg.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        return restored;
    }

    private static List<String> databasesAt(Path restored, RecoveryTarget target) {
        try (Environment env = Environment.open(restored, TestSupport.config().catastrophicRecovery(true)
                .recoveryTarget(target))) {
            return env.databaseNames().stream().sorted().toList();
        }
    }

    record History(Path backup, long beforeRemoval, long removedAt, long afterRemoval, Instant between, Instant beforeRemovalTime) {
    }

    /**
     * The backup holds "a" and "x"; then x is removed and created again, and "y" is created, each
     * between commits to "a" whose ids and times are noted.
     */
    private History removeAndRecreate(Path home) throws Exception {
        Path backup = dir.resolve("backup");
        long beforeRemoval;
        long afterRemoval;
        long removedAt;
        Instant between;
        Instant beforeRemovalTime;
        try (Environment env = Environment.open(home, TestSupport.config())) {
            commit(env, "a", "a0");
            commit(env, "x", "old");
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(true).withRecover(false));
            commit(env, "x", "old2");
            beforeRemoval = commit(env, "a", "a1");
            letTheClockPass();
            beforeRemovalTime = Instant.now();
            letTheClockPass();
            removedAt = env.internals().log().durableLsn();
            env.removeDatabase("x");
            afterRemoval = commit(env, "a", "a2");
            letTheClockPass();
            between = Instant.now();
            letTheClockPass();
            commit(env, "x", "new");
            commit(env, "y", "y0");
        }
        return new History(backup, beforeRemoval, removedAt, afterRemoval, between, beforeRemovalTime);
    }

    @Test
    void aTargetBetweenARemovalAndTheRecreationHasNoSuchDatabase() throws Exception {
        Path home = dir.resolve("env");
        History h = removeAndRecreate(home);
        assertEquals(List.of("a"), databasesAt(restoreWithTheWholeLog(home, h.backup()), RecoveryTarget.transaction(h.afterRemoval(), true)));
        Path byLsn = restoreWithTheWholeLog(home, h.backup());
        try (Environment env = Environment.open(byLsn, TestSupport.config().catastrophicRecovery(true)
                .recoveryTarget(RecoveryTarget.lsn(h.removedAt(), true)))) {
            assertEquals(List.of("a"), env.databaseNames().stream().sorted().toList(), env.recoveryReport().toString());
        }
    }

    @Test
    void aTargetBeforeTheRemovalHasTheOldIncarnation() throws Exception {
        Path home = dir.resolve("env");
        History h = removeAndRecreate(home);
        for (RecoveryTarget t : List.of(RecoveryTarget.transaction(h.beforeRemoval(), true),
                RecoveryTarget.lsn(h.removedAt(), false))) {
            Path restored = restoreWithTheWholeLog(home, h.backup());
            try (Environment env = Environment.open(restored, TestSupport.config().catastrophicRecovery(true)
                    .recoveryTarget(t))) {
                assertEquals(List.of("a", "x"), env.databaseNames().stream().sorted().toList(),
                        t + ": " + env.recoveryReport());
                assertEquals(2, env.openDatabase("x", false).count(), t.toString());
                assertEquals("v", s(env.openDatabase("x", false).get(null, b("old2"))));
            }
        }
    }

    /**
     * A recovery to a time stops at a database's removal or creation made after it, as at a commit.
     * These records carried no time, so the replay went on through them up to the first later
     * commit: a database removed after the target stayed removed (the mistake a recovery to just
     * before it is to undo), and one created after it was there.
     */
    @Test
    void aRecoveryToATimeStopsBeforeRemovalsAndCreationsAfterIt() throws Exception {
        Path home = dir.resolve("env");
        History h = removeAndRecreate(home);
        Path beforeRemoval = restoreWithTheWholeLog(home, h.backup());
        try (Environment env = Environment.open(beforeRemoval, TestSupport.config().catastrophicRecovery(true)
                .recoveryTarget(RecoveryTarget.time(h.beforeRemovalTime(), true)))) {
            assertEquals(List.of("a", "x"), env.databaseNames().stream().sorted().toList(), env.recoveryReport().toString());
            assertEquals("v", s(env.openDatabase("x", false).get(null, b("old2"))));
            assertEquals(2, env.openDatabase("x", false).count());
        }
        assertEquals(List.of("a"), databasesAt(restoreWithTheWholeLog(home, h.backup()), RecoveryTarget.time(h.between(), true)));
        // Nothing logged after the removal: the log ends after a target that lies before it.
        Path quiet = dir.resolve("quiet");
        Environment env = Environment.open(quiet, TestSupport.config());
        commit(env, "a", "a0");
        commit(env, "x", "x0");
        letTheClockPass();
        Instant target = Instant.now();
        letTheClockPass();
        env.removeDatabase("x");
        env.openDatabase("y");
        env.internals().abandon(); // no closing checkpoint: the log from the creations on is replayed
        assertEquals(List.of("a", "x"), databasesAt(quiet, RecoveryTarget.time(target, true)));
    }

    /** The same for a database created after a time target whose file no checkpoint wrote since. */
    @Test
    void aDatabaseCreatedAfterATimeIsAbsentThoughItsFileIsThere() throws Exception {
        Path home = dir.resolve("env");
        Environment env = Environment.open(home, TestSupport.config());
        commit(env, "a", "a0");
        env.checkpoint(true);
        commit(env, "a", "a1");
        letTheClockPass();
        Instant target = Instant.now();
        letTheClockPass();
        env.openDatabase("late");
        commit(env, "late", "l0");
        env.internals().abandon();
        assertEquals(List.of("a"), databasesAt(home, RecoveryTarget.time(target, true)));
    }

    /**
     * A database created after the target, in data files that were never checkpointed since (its
     * file has only the header of its creation): it did not exist at the target.
     */
    @Test
    void aDatabaseCreatedAfterTheTargetIsAbsentThoughItsFileIsThere() throws Exception {
        Path home = dir.resolve("env");
        long target;
        long createdAt;
        Environment env = Environment.open(home, TestSupport.config());
        commit(env, "a", "a0");
        env.checkpoint(true);
        target = commit(env, "a", "a1");
        createdAt = env.internals().log().durableLsn();
        env.openDatabase("late");
        commit(env, "late", "l0");
        env.internals().abandon();
        Path copy = dir.resolve("copy");
        TestSupport.copyTree(home, copy);
        for (RecoveryTarget t : List.of(RecoveryTarget.transaction(target, true), RecoveryTarget.lsn(createdAt, false))) {
            Path restored = dir.resolve("restored-" + System.nanoTime());
            TestSupport.copyTree(copy, restored);
            assertEquals(List.of("a"), databasesAt(restored, t), t.toString());
        }
    }
}
