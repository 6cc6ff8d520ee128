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

    /**
     * {@code cairn printlog | less}, less quit: printlog used to read the rest of the log into the
     * closed pipe (minutes for a large one) before failing. Printlog and dump now stop soon after
     * their output failed. In process, through a writer that fails after its first 4 KiB and counts
     * the lines tried after that: without the stop, every one of the 6,000 records was still written.
     */
    @Test
    void printlogAndDumpStopReadingSoonAfterTheirOutputFailed() {
        Path home = dir.resolve("env");
        try (org.cairndb.Environment env = org.cairndb.Environment.open(home,
                new org.cairndb.EnvironmentConfig().durability(org.cairndb.Durability.NO_SYNC))) {
            org.cairndb.Database db = env.openDatabase("db");
            for (int i = 0; i < 6000; i++) {
                db.put(null, String.format("k%05d", i).getBytes(StandardCharsets.US_ASCII), new byte[20]);
            }
        }
        for (List<String> args : List.of(List.of("printlog", "-h", home.toString()), List.of("dump", "-h", home.toString(), "db"))) {
            FailingWriter w = new FailingWriter(4096);
            java.io.StringWriter err = new java.io.StringWriter();
            int status = CairnCli.run(args.toArray(new String[0]), new java.io.PrintWriter(w), new java.io.PrintWriter(err),
                    java.io.InputStream.nullInputStream());
            assertEquals(ExitCodes.FAILED, status, args + ": " + err);
            assertTrue(err.toString().contains(StandardOutput.FAILED), args + ": " + err);
            // Checked every 1,024 records: about a thousand more lines at most, not the 6,000 records' lines.
            assertTrue(w.linesTriedAfterFailing < 2500, args + " went on writing: " + w.linesTriedAfterFailing
                    + " lines after the failure");
        }
    }

    /** A writer that fails, like a closed pipe, once {@code limit} characters were written. */
    private static final class FailingWriter extends java.io.Writer {
        private final int limit;
        private int written;
        /** Lines whose end was written after the failure. */
        int linesTriedAfterFailing;

        FailingWriter(int limit) {
            this.limit = limit;
        }

        @Override
        public void write(char[] cbuf, int off, int len) throws java.io.IOException {
            if (written >= limit) {
                for (int i = off; i < off + len; i++) {
                    if (cbuf[i] == '\n') {
                        linesTriedAfterFailing++;
                    }
                }
                throw new java.io.IOException("Broken pipe");
            }
            written += len;
        }

        @Override
        public void flush() throws java.io.IOException {
            if (written >= limit) {
                throw new java.io.IOException("Broken pipe");
            }
        }

        @Override
        public void close() {
        }
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
