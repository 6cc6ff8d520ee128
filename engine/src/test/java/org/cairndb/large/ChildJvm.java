package org.cairndb.large;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a program of the test classpath in a child JVM with a heap of its own (so that a heap limit
 * is real), and returns what it printed once it has exited with status 0; fails the test, with the
 * output, when it does not finish in time or fails; or, with {@link #exec}, returns how it ended.
 */
final class ChildJvm {

    private ChildJvm() {
    }

    /** How a child ended: its exit status and everything it printed (standard output and error). */
    record Outcome(int exit, String output) {
    }

    /**
     * @param dir     where the output file goes ({@code name.out})
     * @param name    what the child is, for the file and the failure messages
     * @param heap    the heap option, such as {@code -Xmx256m}
     */
    static String run(Path dir, String name, String heap, Duration timeout, Class<?> main, String... args)
            throws IOException, InterruptedException {
        Outcome o = exec(dir, name, heap, timeout, main, args);
        assertEquals(0, o.exit(), "the " + name + " failed:\n" + o.output());
        return o.output();
    }

    /** Like {@link #run}, for a child that may fail: returns its exit status with its output. */
    static Outcome exec(Path dir, String name, String heap, Duration timeout, Class<?> main, String... args)
            throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path out = dir.resolve(name + ".out");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), heap, "-cp", System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            p.destroyForcibly().waitFor();
        }
        String output = Files.readString(out);
        assertTrue(finished, "the " + name + " did not finish in " + timeout.toSeconds() + " s:\n" + output);
        return new Outcome(p.exitValue(), output);
    }
}
