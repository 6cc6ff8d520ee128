package org.cairndb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.function.Executable;

/** The crash server (arquillian.xml's {@code crash} container) as the crash tests see it from outside. */
final class CrashServer {

    static final int MANAGEMENT_PORT = Support.CRASH_MANAGEMENT;
    static final int HTTP_PORT = URI.create(Support.CRASH_HTTP).getPort();

    private CrashServer() {
    }

    /**
     * Runs {@code request}, which must make the server halt, and waits until its process has gone (not
     * only its ports): Arquillian's stop asks a live process to shut down, and fails when it cannot connect.
     */
    static void crash(Executable request) throws InterruptedException {
        assertEquals(1, processes(), "the crash server's JVM is found by its command line");
        assertThrows(IOException.class, request, "the server halts in the middle of the transaction");
        Support.await("the crashed server's process to exit", Duration.ofSeconds(60),
                () -> processes() == 0 && !Support.listening(MANAGEMENT_PORT) && !Support.listening(HTTP_PORT));
    }

    /** Live JVMs running the crash server (its base directory is on their command line). */
    static long processes() {
        String base = System.getProperty("crash.base");
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().map(c -> c.contains("jboss-modules")
                && c.contains("-Djboss.server.base.dir=" + base)).orElse(false)).count();
    }

    static Path serverLog() {
        return Path.of(System.getProperty("crash.base"), "log", "server.log");
    }

    /** The server log's length now, to read what comes after with {@link #serverLogSince}. */
    static long serverLogLength() {
        return serverLog().toFile().length();
    }

    /** What the server logged from {@code offset} on (the log is appended to, never rotated, in these tests). */
    static String serverLogSince(long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(serverLog().toFile(), "r")) {
            byte[] b = new byte[(int) Math.max(0, f.length() - offset)];
            f.seek(offset);
            f.readFully(b);
            return new String(b, StandardCharsets.UTF_8);
        }
    }
}
