package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StatCommandTest {

    @TempDir
    Path home;

    @Test
    void environmentAndEveryDatabase() {
        TestEnvironments.create(home, "alpha", 123);
        TestEnvironments.create(home, "beta", 4);
        CliRun.Result r = CliRun.run("stat", "-h", home.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("2\tDatabases"), r::toString);
        assertTrue(r.out().contains("Database alpha (" + home.resolve("data/alpha.cdb")), r::toString);
        assertTrue(r.out().contains("123\tRecords"), r::toString);
        assertTrue(r.out().contains("4\tRecords"), r::toString);
        assertTrue(r.out().contains("\tFile size (bytes)"), r::toString);
        assertFalse(r.out().contains("0/0\tRecovery would start at"), "recovery start taken from the data files: " + r);
    }

    @Test
    void oneDatabase() {
        TestEnvironments.create(home, "alpha", 123);
        TestEnvironments.create(home, "beta", 4);
        CliRun.Result r = CliRun.run("stat", "-h", home.toString(), "-d", "beta");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("Database beta"), r::toString);
        assertTrue(r.out().contains("4\tRecords") && !r.out().contains("alpha"), r::toString);
    }

    @Test
    void unknownDatabaseIsNamedWithTheExistingOnes() {
        TestEnvironments.create(home, "alpha", 1);
        CliRun.Result r = CliRun.run("stat", "-h", home.toString(), "-d", "gamma");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("'gamma' does not exist") && r.err().contains("[alpha]"), r::toString);
    }
}
