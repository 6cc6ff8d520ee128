package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StorageFile;
import org.cairndb.storage.DataFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointCommandTest {

    @TempDir
    Path home;

    private long generation() throws IOException {
        Path file = home.resolve("data/db.cdb");
        try (StorageFile f = NioFileIO.INSTANCE.open(file, false, false)) {
            return DataFile.readHeader(f, file).generation();
        }
    }

    @Test
    void onceWritesANewCheckpointEvenWhenNothingChanged() throws IOException {
        TestEnvironments.create(home, "db", 10);
        long before = generation();
        CliRun.Result r = CliRun.run("checkpoint", "-h", home.toString(), "-1", "-v");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("checkpoint: recovery now starts at"), r::toString);
        assertTrue(generation() > before, "no new data file generation");
        assertEquals("", r.err());
    }

    @Test
    void onceWithoutVerboseIsSilent() {
        TestEnvironments.create(home, "db", 1);
        CliRun.Result r = CliRun.run("checkpoint", "-h", home.toString(), "-1");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.out());
    }

    @Test
    void withoutAnyModeItIsAUsageError() {
        TestEnvironments.create(home, "db", 1);
        CliRun.Result r = CliRun.run("checkpoint", "-h", home.toString());
        assertEquals(ExitCodes.USAGE, r.exit());
        assertTrue(r.err().contains("give at least one of -1, -k KB and -p MIN"), r::toString);
    }

    @Test
    void negativeLimitsAreAUsageError() {
        TestEnvironments.create(home, "db", 1);
        assertEquals(ExitCodes.USAGE, CliRun.run("checkpoint", "-h", home.toString(), "-k", "-5").exit());
    }

    /** -k 0 was given, so "give at least one of -1, -k KB and -p MIN" would puzzle; it is not positive. */
    @Test
    void zeroLimitsAreNamedAsNotPositive() {
        TestEnvironments.create(home, "db", 1);
        for (String option : new String[] {"-k", "-p"}) {
            CliRun.Result r = CliRun.run("checkpoint", "-h", home.toString(), option, "0");
            assertEquals(ExitCodes.USAGE, r.exit(), r::toString);
            // The message named neither the option nor the value.
            assertTrue(r.err().contains(option + " takes a positive number of " + (option.equals("-k") ? "kilobytes"
                    : "minutes") + ", not 0"), r::toString);
        }
    }

    @Test
    void loopKeepsTheEnvironmentOpenUntilInterruptedThenReleasesIt() throws Exception {
        TestEnvironments.create(home, "db", 1);
        WatchedWriter out = new WatchedWriter();
        StringWriter err = new StringWriter();
        AtomicInteger exit = new AtomicInteger(-1);
        Thread t = new Thread(() -> exit.set(CairnCli.run(new String[] {"checkpoint", "-h", home.toString(), "-p", "5",
                "-k", "64"}, new PrintWriter(out, true), new PrintWriter(err, true), new ByteArrayInputStream(new byte[0]))));
        t.start();
        out.awaitContains("waiting");
        assertTrue(out.toString().contains("after every 64 KB of log or every 5 minutes"), out::toString);
        // While it runs, it holds the environment.
        CliRun.Result locked = CliRun.run("recover", "-h", home.toString());
        assertEquals(ExitCodes.FAILED, locked.exit(), locked::toString);
        t.interrupt();
        t.join(30_000);
        assertFalse(t.isAlive(), "the loop did not stop");
        assertEquals(0, exit.get(), () -> out + "" + err);
        assertTrue(out.toString().contains("stopped after 0 checkpoints"), out::toString);
        try (Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(false))) {
            assertEquals(1, env.openDatabase("db", false).count());
        }
    }

    @Test
    void scheduleTriggersOnVolumeOrTime() {
        CheckpointSchedule both = new CheckpointSchedule(64, 2);
        assertFalse(both.isDue(64 * 1024 - 1, 119_999));
        assertTrue(both.isDue(64 * 1024, 0));
        assertTrue(both.isDue(0, 120_000));
        CheckpointSchedule volumeOnly = new CheckpointSchedule(1, 0);
        assertFalse(volumeOnly.isDue(0, Long.MAX_VALUE / 2));
        assertTrue(volumeOnly.isDue(1024, 0));
        CheckpointSchedule timeOnly = new CheckpointSchedule(0, 1);
        assertFalse(timeOnly.isDue(Long.MAX_VALUE / 2, 59_999));
        assertTrue(timeOnly.isDue(0, 60_000));
        CheckpointSchedule huge = new CheckpointSchedule(Long.MAX_VALUE / 100, Long.MAX_VALUE / 100);
        assertFalse(huge.isDue(1 << 30, 86_400_000), "limits too large to multiply out are never reached, not always");
    }
}
