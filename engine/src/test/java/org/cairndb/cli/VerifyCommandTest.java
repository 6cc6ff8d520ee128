package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.cairndb.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyCommandTest {

    @TempDir
    Path home;

    @Test
    void healthyEnvironmentVerifies() {
        TestEnvironments.create(home, "alpha", 100);
        TestEnvironments.create(home, "beta", 10);
        CliRun.Result r = CliRun.run("verify", "-h", home.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("database alpha: 100 records"), r::toString);
        assertTrue(r.out().contains("database beta: 10 records"), r::toString);
        assertTrue(r.out().contains("log: 1 segment, "), r::toString);
        assertTrue(r.out().endsWith("no problems" + System.lineSeparator()), r::toString);
        assertEquals("", r.err());
    }

    @Test
    void countsOfOneAreSingular() {
        // A database of one record printed "1 records, 1 tree pages".
        TestEnvironments.create(home, "one", 1);
        CliRun.Result r = CliRun.run("verify", "-h", home.toString());
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("database one: 1 record, 1 tree page, depth 1, 0 overflow values, file of "), r::toString);
    }

    @Test
    void worksBesideTheProcessThatHasTheEnvironmentOpen() {
        try (Environment env = Environment.open(home)) {
            TestEnvironments.fill(env, "alpha", 50);
            env.checkpoint(true);
            TestEnvironments.fill(env, "alpha", 60); // since the checkpoint: only in the log
            CliRun.Result r = CliRun.run("verify", "-h", home.toString());
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.out().contains("database alpha: 50 records"), r::toString);
        }
    }

    @Test
    void namedDatabaseOnly() {
        TestEnvironments.create(home, "alpha", 100);
        TestEnvironments.create(home, "beta", 10);
        CliRun.Result r = CliRun.run("verify", "-h", home.toString(), "beta");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(!r.out().contains("alpha") && !r.out().contains("log:"), r::toString);
    }

    /** A database named twice is verified once, not reported as a second file using its own database id. */
    @Test
    void aDatabaseNamedTwiceIsVerifiedOnce() {
        TestEnvironments.create(home, "alpha", 100);
        CliRun.Result r = CliRun.run("verify", "-h", home.toString(), "alpha", "alpha");
        assertEquals(0, r.exit(), r::toString);
        assertEquals(1, r.out().split("database alpha: 100 records", -1).length - 1, r::toString);
    }

    @Test
    void damageFailsWithOneLineNamingFileAndOffset() throws IOException {
        TestEnvironments.create(home, "alpha", 100);
        Path file = home.resolve("data/alpha.cdb");
        long offset;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            // The last page of the file is the space map or a tree page; either way its checksum breaks.
            offset = ch.size() - 8192;
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), offset + 200);
        }
        CliRun.Result r = CliRun.run("verify", "-h", home.toString());
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains(file + " offset " + offset + ": "), r::toString);
        assertTrue(r.out().contains("PROBLEM: " + file + " offset " + offset), r::toString);
    }

    @Test
    void missingDatabaseIsAProblem() {
        TestEnvironments.create(home, "alpha", 1);
        CliRun.Result r = CliRun.run("verify", "-h", home.toString(), "gamma");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().contains("database 'gamma' has no data file"), r::toString);
        // A mistyped name is the likelier cause: the message lists the databases that have one.
        assertTrue(r.err().contains("(the data files here are of alpha)"), r::toString);
    }
}
