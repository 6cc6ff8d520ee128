package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.cairndb.Environment;
import org.cairndb.EnvironmentLockedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The environment lock against other processes, seen from a second JVM.
 *
 * <p>Regression test for a bug found while testing the CLI, now fixed: a refused second open in
 * the same JVM opened (and closed) its own channel on {@code cairn.lock}; on POSIX systems closing
 * any descriptor of a file drops every lock the process holds on it, so another process could then
 * open the same environment. The engine now remembers the homes this JVM holds and refuses a second
 * open before touching the lock file.
 */
class EnvironmentLockAcrossProcessesTest {

    @TempDir
    Path home;

    @TempDir
    Path elsewhere;

    private static String probe(Path home) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockProbe.class.getName(),
                home.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        // "OPENED <number of databases>" or "LOCKED"
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the probe process did not finish");
        }
        return out;
    }

    @Test
    void anotherProcessIsRefusedWhileTheEnvironmentIsOpen() throws Exception {
        Environment env = Environment.open(home);
        try {
            assertEquals("LOCKED", probe(home));
        } finally {
            env.close();
        }
        assertEquals("OPENED 0", probe(home));
    }

    @Test
    void aRefusedSecondOpenInTheSameJvmKeepsOtherProcessesOut() throws Exception {
        Environment env = Environment.open(home);
        try {
            assertThrows(EnvironmentLockedException.class, () -> Environment.open(home));
            assertEquals("LOCKED", probe(home), "another process opened an environment this JVM has open");
        } finally {
            env.close();
        }
    }

    /**
     * The same, with the second open reaching the home through a symbolic link: it got past the
     * check (made with the path as given), and its refusal dropped the first open's lock.
     */
    @Test
    void aRefusedSecondOpenThroughASymbolicLinkKeepsOtherProcessesOut() throws Exception {
        Path link = java.nio.file.Files.createSymbolicLink(elsewhere.resolve("link"), home);
        Environment env = Environment.open(home);
        try {
            EnvironmentLockedException e = assertThrows(EnvironmentLockedException.class, () -> Environment.open(link));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("this process"), e.getMessage());
            assertEquals("LOCKED", probe(home), "another process opened an environment this JVM has open");
        } finally {
            env.close();
        }
        Environment.open(link).close(); // free again once closed
    }
}
