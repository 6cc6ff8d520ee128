package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cairndb.Environment;
import org.cairndb.tools.Bench;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void initRunAndCheckFromTheCommandLine() {
        Path home = dir.resolve("bench");
        Path acks = dir.resolve("acks.txt");
        CliRun.Result init = CliRun.run("bench", "-h", home.toString(), "--init", "--accounts", "50");
        assertEquals(0, init.exit(), init::toString);
        assertTrue(init.out().contains("created 50 accounts"), init::toString);
        CliRun.Result run = CliRun.run("bench", "-h", home.toString(), "--threads", "3", "--transactions", "60",
                "--durability", "write_no_sync", "--ack-file", acks.toString());
        assertEquals(0, run.exit(), run::toString);
        assertTrue(run.out().contains("60 commits in") && run.out().contains("(WRITE_NO_SYNC)"), run::toString);
        assertTrue(run.out().contains("commits/s") && run.out().contains("latency ms: p50"), run::toString);
        CliRun.Result check = CliRun.run("bench", "-h", home.toString(), "--check", "--check-acks", acks.toString());
        assertEquals(0, check.exit(), check::toString);
        assertTrue(check.out().contains("check ok: 50 accounts sum to 50000 and agree with 60 transfers"), check::toString);
        assertTrue(check.out().contains("check ok: all 60 acknowledged transfers"), check::toString);
    }

    /**
     * An acknowledgement file holding bytes that are not ASCII (garbage in a block a crash left, or a
     * file given by mistake) ended the check with the decoder's "Input length = 1". It is named by
     * line; an incomplete last line (cut by a crash) is still ignored, whatever it holds.
     */
    @Test
    void anAckFileWithBytesThatAreNotAsciiIsNamedByLine() throws Exception {
        Path home = dir.resolve("bench");
        Path acks = dir.resolve("acks.txt");
        assertEquals(0, CliRun.run("bench", "-h", home.toString(), "--init", "--accounts", "5").exit());
        assertEquals(0, CliRun.run("bench", "-h", home.toString(), "--transactions", "4", "--ack-file",
                acks.toString()).exit());
        Files.write(acks, new byte[] {(byte) 0xe9, (byte) 0xff}, java.nio.file.StandardOpenOption.APPEND);
        CliRun.Result torn = CliRun.run("bench", "-h", home.toString(), "--check-acks", acks.toString());
        assertEquals(0, torn.exit(), torn::toString);
        assertTrue(torn.out().contains("check ok: all 4 acknowledged transfers are in history (ignored an incomplete"
                + " last line)"), torn::toString);
        Files.write(acks, new byte[] {'\n'}, java.nio.file.StandardOpenOption.APPEND);
        CliRun.Result damaged = CliRun.run("bench", "-h", home.toString(), "--check-acks", acks.toString());
        assertEquals(ExitCodes.FAILED, damaged.exit(), damaged::toString);
        assertEquals(1, damaged.errLines().length, damaged::toString);
        assertTrue(damaged.err().contains("check failed: line 5 of " + acks + " is not a transfer id: it holds bytes"
                + " other than printable ASCII"), damaged::toString);
    }

    @Test
    void failedCheckExitsNonZeroWithTheReason() {
        Path home = dir.resolve("bench");
        assertEquals(0, CliRun.run("bench", "-h", home.toString(), "--init", "--accounts", "5").exit());
        try (Environment env = Environment.open(home)) {
            env.openDatabase(Bench.ACCOUNTS, false).put(null, Bench.accountKey(2), "1001".getBytes());
        }
        CliRun.Result r = CliRun.run("bench", "-h", home.toString(), "--check");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertEquals(1, r.errLines().length, r::toString);
        assertTrue(r.err().contains("check failed: the balances of the 5 accounts sum to 5001"), r::toString);
    }

    @Test
    void usageErrors() {
        Path home = dir.resolve("bench");
        assertEquals(0, CliRun.run("bench", "-h", home.toString(), "--init", "--accounts", "5").exit());
        CliRun.Result nothing = CliRun.run("bench", "-h", home.toString());
        assertEquals(ExitCodes.USAGE, nothing.exit());
        assertTrue(nothing.err().contains("nothing to do"), nothing::toString);
        assertEquals(ExitCodes.USAGE, CliRun.run("bench", "-h", home.toString(), "--seconds", "1", "--transactions", "1").exit());
        assertEquals(ExitCodes.USAGE, CliRun.run("bench", "-h", home.toString(), "--init", "--accounts", "1").exit());
        assertEquals(ExitCodes.USAGE, CliRun.run("bench", "-h", home.toString(), "--transactions", "1",
                "--durability", "SOMETIMES").exit());
    }

    /** Files given in the wrong place are named for what they are, before the environment is opened. */
    @Test
    void misplacedFilesAreNamedForWhatTheyAre() throws Exception {
        Path home = dir.resolve("bench");
        assertEquals(0, CliRun.run("bench", "-h", home.toString(), "--init", "--accounts", "5").exit());
        Path folder = Files.createDirectories(dir.resolve("folder"));
        CliRun.Result checkDir = CliRun.run("bench", "-h", home.toString(), "--check-acks", folder.toString());
        assertEquals(ExitCodes.FAILED, checkDir.exit(), checkDir::toString);
        assertEquals(1, checkDir.errLines().length, checkDir::toString);
        assertTrue(checkDir.err().contains("acknowledgement file " + folder + " is a directory"), checkDir::toString);
        CliRun.Result ackDir = CliRun.run("bench", "-h", home.toString(), "--transactions", "3", "--ack-file",
                folder.toString());
        assertEquals(ExitCodes.FAILED, ackDir.exit(), ackDir::toString);
        assertEquals(1, ackDir.errLines().length, ackDir::toString);
        assertTrue(ackDir.err().contains("cannot write the acknowledgement file " + folder + ": it is a directory"),
                ackDir::toString);
        Path nowhere = dir.resolve("nowhere/acks");
        CliRun.Result ackNoDir = CliRun.run("bench", "-h", home.toString(), "--transactions", "3", "--ack-file",
                nowhere.toString());
        assertEquals(ExitCodes.FAILED, ackNoDir.exit(), ackNoDir::toString);
        assertTrue(ackNoDir.err().contains("cannot write the acknowledgement file " + nowhere + ": its directory "
                + nowhere.getParent() + " does not exist"), ackNoDir::toString);
        assertEquals("", ackNoDir.out(), "refused before the environment is opened");
        Path segment = home.resolve("log/log.0000000001");
        long segmentSize = Files.size(segment);
        CliRun.Result ackSegment = CliRun.run("bench", "-h", home.toString(), "--transactions", "3", "--ack-file",
                segment.toString());
        assertEquals(ExitCodes.FAILED, ackSegment.exit(), ackSegment::toString);
        assertTrue(ackSegment.err().contains("cannot write the acknowledgement file " + segment + ": it would overwrite"),
                ackSegment::toString);
        assertEquals(segmentSize, Files.size(segment));
        Path file = Files.writeString(dir.resolve("file"), "x");
        CliRun.Result fileHome = CliRun.run("bench", "-h", file.toString(), "--init", "--accounts", "5");
        assertEquals(ExitCodes.FAILED, fileHome.exit(), fileHome::toString);
        assertTrue(fileHome.err().contains("environment home " + file + " is not a directory"), fileHome::toString);
        try (Environment env = Environment.open(home)) {
            assertEquals(0, env.openDatabase(Bench.HISTORY, false).count(), "no transfer ran");
        }
    }

    /** A refused home gets its one line on stderr and nothing on stdout (no "environment ..." header first). */
    @Test
    void aRefusedHomePrintsNothingButTheError() {
        Path home = dir.resolve("bench");
        assertEquals(0, CliRun.run("bench", "-h", home.toString(), "--init", "--accounts", "5").exit());
        for (String[] args : List.of(new String[] {"--check"}, new String[] {"--transactions", "3"},
                new String[] {"--init", "--accounts", "5"})) {
            List<String> line = new java.util.ArrayList<>(List.of("bench", "-h", home.resolve("data").toString()));
            line.addAll(List.of(args));
            CliRun.Result r = CliRun.run(line.toArray(String[]::new));
            assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
            assertEquals(1, r.errLines().length, r::toString);
            assertTrue(r.err().contains("is the data/ directory of the environment in"), r::toString);
            assertEquals("", r.out(), r::toString);
        }
    }

    @Test
    void runBeforeInitSaysWhatToDo() {
        Path home = dir.resolve("bench");
        TestEnvironments.create(home, "other", 1);
        CliRun.Result r = CliRun.run("bench", "-h", home.toString(), "--transactions", "5");
        assertEquals(ExitCodes.FAILED, r.exit(), r::toString);
        assertTrue(r.err().contains("run cairn bench --init --accounts N first"), r::toString);
    }

    @Test
    void withoutHomeItUsesTheDefaultBenchEnvironment() {
        Path home = dir.resolve("repo/target/bench-env");
        String old = System.setProperty(BenchCommand.DEFAULT_HOME_PROPERTY, home.toString());
        try {
            CliRun.Result r = CliRun.run("bench", "--init", "--accounts", "3");
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.out().startsWith("environment " + home.toAbsolutePath()), r::toString);
            assertTrue(Files.isDirectory(home.resolve("data")));
        } finally {
            if (old == null) {
                System.clearProperty(BenchCommand.DEFAULT_HOME_PROPERTY);
            } else {
                System.setProperty(BenchCommand.DEFAULT_HOME_PROPERTY, old);
            }
        }
    }
}
