package org.cairndb.cli;

import static org.cairndb.cli.HotbackupCommandTest.add;
import static org.cairndb.cli.HotbackupCommandTest.count;
import static org.cairndb.cli.HotbackupCommandTest.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Updates keep the layout the copy has: {@code -D} given to {@code cairn hotbackup -u} of a flat
 * backup is ignored with a note, a {@code -D} backup updated without it stays split, and
 * {@code cairn failover} into a flat backup carries on flat. Each updated copy verifies and holds
 * every commit.
 */
class UpdateLayoutCommandTest {

    @TempDir
    Path dir;

    private static CliRun.Result hotbackup(Path home, Path backup, String... options) {
        List<String> args = new ArrayList<>(List.of("hotbackup", "-h", home.toString(), "-b",
                backup.toString()));
        args.addAll(List.of(options));
        return CliRun.run(args.toArray(String[]::new));
    }

    /** Verifies the backup, recovers it catastrophically and counts its records. */
    private static void assertRestoresHolding(Path backup, long records) {
        ok(CliRun.run("verifybackup", backup.toString()));
        ok(CliRun.run("recover", "-c", "-h", backup.toString()));
        assertEquals(records, count(backup));
    }

    @Test
    void aFlatBackupUpdatedWithDStaysFlatWithANote() throws Exception {
        Path home = HotbackupCommandTest.environment(dir, 300);
        Path backup = dir.resolve("backup");
        ok(hotbackup(home, backup));
        add(home, 300, 200);
        CliRun.Result u = hotbackup(home, backup, "-u", "-D");
        ok(u);
        assertEquals("cairn hotbackup: note: -D ignored: an update keeps the backup's flat layout\n", u.err(), u::toString);
        assertTrue(u.out().contains("; flat layout\n"), u::toString);
        assertFalse(Files.exists(backup.resolve("data")) || Files.exists(backup.resolve("log")), "no data/ or log/ added");
        assertRestoresHolding(backup, 500);
    }

    @Test
    void aSplitBackupUpdatedWithoutDStaysSplit() throws Exception {
        Path home = HotbackupCommandTest.environment(dir, 300);
        Path backup = dir.resolve("backup");
        ok(hotbackup(home, backup, "-D"));
        add(home, 300, 200);
        CliRun.Result u = hotbackup(home, backup, "-u");
        ok(u);
        assertEquals("", u.err(), u::toString);
        assertTrue(u.out().contains("; split layout\n"), u::toString);
        try (var s = Files.list(backup)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".cdb")
                    || p.getFileName().toString().startsWith("log.0")), "nothing beside data/ and log/");
        }
        assertRestoresHolding(backup, 500);
    }

    /** A flat hot backup given to failover: it stays flat, the unneeded segments go beside its data files, and it opens. */
    @Test
    void failoverIntoAFlatBackupCarriesOnFlat() throws Exception {
        Path home = HotbackupCommandTest.environment(dir, 300);
        Path backup = dir.resolve("backup");
        ok(hotbackup(home, backup));
        add(home, 300, 200);
        try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false))) {
            env.checkpoint(true); // segments the environment no longer needs, for failover to move
        }
        CliRun.Result f = CliRun.run("failover", "-h", home.toString(), "-b", backup.toString());
        ok(f);
        assertTrue(f.out().contains("\nupdated the failover copy ") && f.out().contains("; moved "), f::toString);
        assertFalse(Files.exists(backup.resolve("data")) || Files.exists(backup.resolve("log")), "no data/ or log/ added");
        ok(CliRun.run("verifybackup", backup.toString()));
        assertEquals(500, count(backup)); // opened as the application would after failing over
    }
}
