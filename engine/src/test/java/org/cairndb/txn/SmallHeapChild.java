package org.cairndb.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a main class of the test classpath in a child JVM with a small heap, so that running out of it fails the test. */
final class SmallHeapChild {

    private SmallHeapChild() {
    }

    /** Runs {@code main} with {@code heap} (such as {@code -Xmx64m}); returns its output once it exited with status 0. */
    static String run(Path dir, String heap, Class<?> main, String... args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path out = dir.resolve(main.getSimpleName() + ".out");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), heap, "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        boolean finished = p.waitFor(120, TimeUnit.SECONDS);
        if (!finished) {
            p.destroyForcibly().waitFor();
        }
        String output = Files.readString(out);
        assertTrue(finished, "the child did not finish in 120 s:\n" + output);
        assertEquals(0, p.exitValue(), "the child failed:\n" + output);
        return output;
    }
}
