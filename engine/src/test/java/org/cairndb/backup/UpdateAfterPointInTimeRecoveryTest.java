package org.cairndb.backup;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.cairndb.Cursor;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code hotbackup -u} of a backup after the environment was taken back in time: a backup whose log
 * the new history continues (the target after the backup's end) is updated and holds the old
 * history up to the target and the new one; a backup holding log from after the target is refused
 * and left as it was.
 */
class UpdateAfterPointInTimeRecoveryTest {

    @TempDir
    Path tmp;

    private static EnvironmentConfig config() {
        return TestSupport.config().logSegmentSize(64 << 10);
    }

    private static List<Long> commit(Environment env, String prefix, int n) {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Transaction t = env.beginTransaction();
            env.openDatabase("t").put(t, b(prefix + i), new byte[700]);
            t.commit();
            ids.add(t.id());
        }
        return ids;
    }

    private static TreeSet<String> keys(Path home) throws Exception {
        Path look = home.resolveSibling(home.getFileName() + "-look-" + System.nanoTime());
        TestSupport.copyTree(home, look);
        TreeSet<String> keys = new TreeSet<>();
        try (Environment env = Environment.open(look, config()); Cursor c = env.openDatabase("t", false).openCursor(null)) {
            for (boolean ok = c.first(); ok; ok = c.next()) {
                keys.add(TestSupport.s(c.key()));
            }
        }
        return keys;
    }

    private static TreeSet<String> named(String prefix, int n) {
        TreeSet<String> s = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            s.add(prefix + i);
        }
        return s;
    }

    private static Map<String, byte[]> contents(Path dir) throws Exception {
        Map<String, byte[]> m = new TreeMap<>();
        try (var s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                m.put(dir.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    @Test
    void aBackupTheNewHistoryContinuesIsUpdatedAndOneFromAfterTheTargetIsRefused() throws Exception {
        Path home = tmp.resolve("home");
        Path early = tmp.resolve("early");
        Path backup = tmp.resolve("backup");
        List<Long> mid;
        List<Long> bs;
        try (Environment env = Environment.open(home, config())) {
            commit(env, "a", 10);
            HotBackup.run(env.internals(), early, BackupOptions.defaults().withSplitLayout(true).withRecover(false));
            bs = commit(env, "b", 60);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            mid = commit(env, "c", 120);
        }
        Map<String, byte[]> before = contents(backup);
        // Back to the middle of the c commits, after the backup's end: its log is a prefix of the new history.
        TestSupport.deleteTree(home.resolve("data"));
        TestSupport.copyTree(early.resolve("data"), home.resolve("data"));
        try (Environment env = Environment.open(home, config().catastrophicRecovery(true)
                .recoveryTarget(RecoveryTarget.transaction(mid.get(59), true)))) {
            commit(env, "d", 30);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true));
        }
        TreeSet<String> expected = named("a", 10);
        expected.addAll(named("b", 60));
        expected.addAll(named("c", 60));
        expected.addAll(named("d", 30));
        assertEquals(expected, keys(backup));
        assertTrue(new org.cairndb.tools.BackupVerifier(backup).verify().ok());

        // Back again, now into the b commits, before that backup's end: it holds log the environment no longer has.
        before = contents(backup);
        TestSupport.deleteTree(home.resolve("data"));
        TestSupport.copyTree(early.resolve("data"), home.resolve("data"));
        try (Environment env = Environment.open(home, config().catastrophicRecovery(true)
                .recoveryTarget(RecoveryTarget.transaction(bs.get(29), true)))) {
            commit(env, "e", 20);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true)));
            assertTrue(e.getMessage().contains("Nothing was changed"), e.getMessage());
        }
        Map<String, byte[]> after = contents(backup);
        assertEquals(before.keySet(), after.keySet());
        for (String f : before.keySet()) {
            assertTrue(java.util.Arrays.equals(before.get(f), after.get(f)), f + " changed");
        }
    }
}
