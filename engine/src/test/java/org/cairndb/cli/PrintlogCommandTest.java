package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.cairndb.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrintlogCommandTest {

    @TempDir
    Path home;

    private List<String> lines(CliRun.Result r) {
        return r.out().lines().toList();
    }

    @Test
    void oneLinePerRecordWithLsnTypeTxnAndDescription() {
        TestEnvironments.create(home, "db", 3);
        CliRun.Result r = CliRun.run("printlog", "-h", home.toString());
        assertEquals(0, r.exit(), r::toString);
        List<String> lines = lines(r);
        assertTrue(lines.stream().anyMatch(l -> l.matches("1/\\d+ +DATABASE_CREATE +txn 0 +DATABASE_CREATE 'db' id 1.*")),
                r::toString);
        assertTrue(lines.stream().anyMatch(l -> l.matches("1/\\d+ +COMMIT +txn \\d+ +COMMIT txn \\d+ at .*, 3 ops")),
                r::toString);
        assertTrue(lines.stream().anyMatch(l -> l.contains("CHECKPOINT")), r::toString);
        assertEquals("", r.err());
    }

    @Test
    void verboseShowsTheOperations() {
        TestEnvironments.create(home, "db", 3);
        CliRun.Result r = CliRun.run("printlog", "-h", home.toString(), "-v");
        assertTrue(r.out().contains("    put db 1 'k00002' (2 bytes)"), r::toString);
    }

    @Test
    void fromAndToSelectARange() {
        TestEnvironments.create(home, "db", 1);
        TestEnvironments.create(home, "db", 1);
        List<String> all = lines(CliRun.run("printlog", "-h", home.toString()));
        assertTrue(all.size() >= 4, all::toString);
        String second = all.get(1).split(" ")[0];
        String third = all.get(2).split(" ")[0];
        // --from inside a record still starts at the next record; --to is inclusive.
        String insideFirst = second.split("/")[0] + "/" + (Long.parseLong(all.get(0).split(" ")[0].split("/")[1]) + 1);
        CliRun.Result r = CliRun.run("printlog", "-h", home.toString(), "--from", insideFirst, "--to", third);
        assertEquals(0, r.exit(), r::toString);
        assertEquals(all.subList(1, 3), lines(r));
    }

    @Test
    void worksWhileTheEnvironmentIsOpen() {
        try (Environment env = Environment.open(home)) {
            TestEnvironments.fill(env, "db", 2);
            CliRun.Result r = CliRun.run("printlog", "-h", home.toString());
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.out().contains("COMMIT"), r::toString);
        }
    }

    @Test
    void badLsnIsAUsageError() {
        TestEnvironments.create(home, "db", 1);
        CliRun.Result r = CliRun.run("printlog", "-h", home.toString(), "--from", "12");
        assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
        assertTrue(r.err().contains("--from: not an LSN (segment/offset): 12"), r::toString);
        assertEquals(ExitCodes.USAGE, CliRun.run("printlog", "-h", home.toString(), "--from", "1/500", "--to", "1/100").exit());
    }

    /** A --from outside the segments there are is a typo to point out, not a missing segment to restore. */
    @Test
    void aStartOutsideTheLogIsAUsageErrorNamingTheSegmentsThereAre() {
        TestEnvironments.create(home, "db", 1);
        for (String from : new String[] {"7/64", "0/5"}) {
            CliRun.Result r = CliRun.run("printlog", "-h", home.toString(), "--from", from);
            assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
            assertTrue(r.err().contains(from.equals("0/5") ? "segment numbers start at 1" : "its segments are 1 to 1"),
                    r::toString);
        }
        assertEquals(ExitCodes.USAGE, CliRun.run("printlog", "-h", home.toString(), "--to", "0/0").exit(),
                "--to 0/0 is no LSN (it was taken for no limit)");
    }
}
