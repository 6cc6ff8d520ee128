package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real standard output of a {@code cairn} process (not the writer {@link CliRun} hands in):
 * a command whose output cannot be written must fail. {@code System.out} is a PrintStream, which
 * keeps write errors to itself, so a dump redirected to a full disk, or printlog into a closed
 * pipe, ended with status 0 and a truncated output, although the command checks its writer.
 */
class StandardOutputTest {

    @TempDir
    Path dir;

    @Test
    void aCommandWritingToAFullDiskFails() throws Exception {
        File full = new File("/dev/full");
        assumeTrue(full.exists(), "needs /dev/full (Linux)");
        Path home = dir.resolve("env");
        TestEnvironments.create(home, "db", 2000); // more than any buffer on the way holds
        for (List<String> args : List.of(List.of("dump", "-h", home.toString(), "db"),
                List.of("printlog", "-h", home.toString()), List.of("stat", "-h", home.toString()),
                List.of("stat", "--help"), List.of("--version"))) {
            Path err = dir.resolve("err.txt");
            Process p = new ProcessBuilder(command(args)).redirectOutput(full).redirectError(err.toFile()).start();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), args + " did not end");
            String stderr = Files.readString(err, StandardCharsets.UTF_8);
            assertEquals(ExitCodes.FAILED, p.exitValue(), args + ": " + stderr);
            assertEquals(List.of("cairn: " + StandardOutput.FAILED), stderr.lines().toList(), args.toString());
        }
        // A backup whose progress lines cannot be written is still taken whole; only the exit status
        // says that its output is incomplete.
        Path backup = dir.resolve("backup");
        Process p = new ProcessBuilder(command(List.of("hotbackup", "-h", home.toString(), "-b", backup.toString())))
                .redirectOutput(full).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "hotbackup did not end");
        assertEquals(ExitCodes.FAILED, p.exitValue());
        CliRun.Result v = CliRun.run("verifybackup", backup.toString());
        assertEquals(ExitCodes.OK, v.exit(), v::toString);
    }

    /** {@code cairn printlog -v | head}: the command says once that its output was cut. */
    @Test
    void aCommandWritingIntoAClosedPipeStopsAndFails() throws Exception {
        Path home = dir.resolve("env");
        TestEnvironments.create(home, "db", 20000);
        Path err = dir.resolve("err.txt");
        Process p = new ProcessBuilder(command(List.of("printlog", "-v", "-h", home.toString())))
                .redirectError(err.toFile()).start();
        assertTrue(p.getInputStream().read() >= 0, "printlog printed nothing");
        p.getInputStream().close();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "printlog did not end");
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertEquals(ExitCodes.FAILED, p.exitValue(), stderr);
        assertEquals(List.of("cairn: " + StandardOutput.FAILED), stderr.lines().toList());
    }

    private static List<String> command(List<String> args) {
        List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                CairnCli.class.getName()));
        command.addAll(args);
        return command;
    }
}
