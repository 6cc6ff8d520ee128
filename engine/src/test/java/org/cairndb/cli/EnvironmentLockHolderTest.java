package org.cairndb.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.EnvironmentLockedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The environment lock seen from the refused side, in this JVM, while another process holds it;
 * and a lock file left behind by a process that is gone (a crash, a kill -9, a reboot), whatever
 * it holds: it never keeps an opener out, since the lock is the operating system's, not the file's.
 */
class EnvironmentLockHolderTest {

    @TempDir
    Path home;

    @Test
    void anOpenerIsToldWhichProcessHoldsTheEnvironment() throws Exception {
        Environment.open(home).close();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(),
                home.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine(); // blocks until the child has the environment open (or dies)
            assertTrue(line != null && line.startsWith("OPEN "), "the child opened the environment: " + line);
            String pid = line.substring(5);

            EnvironmentLockedException writer = assertThrows(EnvironmentLockedException.class, () -> Environment.open(home));
            assertTrue(writer.getMessage().contains("process " + pid), "names the holder: " + writer.getMessage());
            assertTrue(writer.getMessage().contains("close it there first"), writer.getMessage());

            EnvironmentLockedException look = assertThrows(EnvironmentLockedException.class,
                    () -> Environment.open(home, new EnvironmentConfig().inspectOnly(true)));
            assertTrue(look.getMessage().contains("process " + pid), "names the holder: " + look.getMessage());
        } finally {
            child.getOutputStream().close();
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
                throw new AssertionError("the holder process did not finish");
            }
        }
        assertEquals(0, child.exitValue());
        // Refused opens in this JVM left nothing behind: the environment opens now.
        Environment.open(home).close();
    }

    @Test
    void aLockFileLeftByAProcessThatIsGoneDoesNotKeepAnyoneOut() throws Exception {
        Environment.open(home).close();
        Path lock = home.resolve("cairn.lock");
        for (byte[] left : new byte[][] {
                "process 999999 on elsewhere since 2020-01-01T00:00:00Z".getBytes(StandardCharsets.UTF_8),
                new byte[0],
                new byte[] {(byte) 0xff, 0, (byte) 0xfe, 7, 0, 0, (byte) 0x80}}) {
            Files.write(lock, left);
            try (Environment env = Environment.open(home)) {
                String now = Files.readString(lock, StandardCharsets.UTF_8);
                assertTrue(now.startsWith("process " + ProcessHandle.current().pid() + " on "),
                        "the lock file names this process now: " + now);
            }
            Files.write(lock, left);
            Environment.open(home, new EnvironmentConfig().inspectOnly(true)).close();
        }
    }
}
