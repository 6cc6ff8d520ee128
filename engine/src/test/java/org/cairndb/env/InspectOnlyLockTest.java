package org.cairndb.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.EnvironmentLockedException;
import org.cairndb.TestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An open only to inspect takes a shared lock on {@code cairn.lock}: it is refused while a writer
 * has the environment open (naming it), and a writer is refused while it looks; several looks may
 * run at once. In one process, any second open is refused before the lock file is touched.
 */
class InspectOnlyLockTest {

    @TempDir
    Path home;

    private static EnvironmentConfig inspect() {
        return new EnvironmentConfig().allowCreate(false).inspectOnly(true);
    }

    private void createEnvironment() {
        try (Environment env = TestSupport.open(home)) {
            env.openDatabase("alpha").put(null, TestSupport.b("k"), TestSupport.b("v"));
        }
    }

    @Test
    void inOneProcessAWriterAndALookKeepEachOtherOut() {
        createEnvironment();
        try (Environment writer = Environment.open(home, new EnvironmentConfig().allowCreate(false))) {
            EnvironmentLockedException e = assertThrows(EnvironmentLockedException.class,
                    () -> Environment.open(home, inspect()).close());
            assertTrue(e.getMessage().contains("is in use by process " + ProcessHandle.current().pid()), e::getMessage);
        }
        try (Environment looking = Environment.open(home, inspect())) {
            assertThrows(EnvironmentLockedException.class,
                    () -> Environment.open(home, new EnvironmentConfig().allowCreate(false)).close());
        }
    }

    @Test
    void aWriterInAnotherProcessKeepsALookOutNamingTheProcess() throws Exception {
        createEnvironment();
        try (Holder writer = new Holder(home, "write")) {
            EnvironmentLockedException e = assertThrows(EnvironmentLockedException.class,
                    () -> Environment.open(home, inspect()).close());
            assertTrue(e.getMessage().contains("is in use by process " + writer.pid() + " on "), e::getMessage);
            // The holder's start, to the second as the documentation shows it.
            assertTrue(e.getMessage().matches(".* since \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ;.*"), e::getMessage);
        }
        Environment.open(home, inspect()).close(); // free again
    }

    @Test
    void aLookInAnotherProcessKeepsAWriterOutButNotAnotherLook() throws Exception {
        createEnvironment();
        try (Holder looking = new Holder(home, "inspect")) {
            EnvironmentLockedException e = assertThrows(EnvironmentLockedException.class,
                    () -> Environment.open(home, new EnvironmentConfig().allowCreate(false)).close());
            assertTrue(e.getMessage().contains("is in use by another process that opened it read-only to inspect it"),
                    e::getMessage);
            try (Environment alsoLooking = Environment.open(home, inspect())) {
                assertEquals(1, alsoLooking.openDatabase("alpha", false).count());
            }
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                    () -> new Holder(home, "write").close(), "a writer in a third process opened it during a look");
            assertTrue(refused.getMessage().contains("read-only to inspect it"), refused::getMessage);
        }
        Environment.open(home, new EnvironmentConfig().allowCreate(false)).close(); // free again
    }

    /** A child JVM holding the environment open (see {@link EnvironmentHolder}) until closed. */
    private static final class Holder implements AutoCloseable {
        private final Process process;

        Holder(Path home, String mode) throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), EnvironmentHolder.class.getName(),
                    home.toString(), mode).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (IOException e) {
                    return "read failed: " + e;
                }
            }, org.cairndb.TestSupport.OWN_THREAD).get(60, TimeUnit.SECONDS);
            if (!"OPEN".equals(first)) {
                close();
                throw new IllegalStateException("the " + mode + " process did not open the environment: " + first);
            }
        }

        long pid() {
            return process.pid();
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close(); // its standard input ends: it closes the environment and exits
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("the holding process did not exit");
            }
        }
    }
}
