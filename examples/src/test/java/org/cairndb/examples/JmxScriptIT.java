package org.cairndb.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The README's {@code examples/jmx} without a server to talk to (not started yet, or on a port
 * shifted by -Dledger.portOffset): it printed the remoting client's stack trace; it says what it
 * could not reach and how to point it elsewhere, in one line. Needs WildFly's client jar, which the
 * build unpacks before the integration tests.
 */
class JmxScriptIT {

    @Test
    void noServerIsOneLineNamingTheUrlAndTheVariable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // free once closed: nothing listens there
        }
        String url = "service:jmx:remote+http://127.0.0.1:" + port;
        ProcessBuilder b = new ProcessBuilder("bash", Path.of("jmx").toAbsolutePath().toString(), "get", "Commits")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        b.environment().put("CAIRN_JMX_URL", url);
        b.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = b.start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "examples/jmx did not end");
        assertEquals(2, p.exitValue(), err);
        assertTrue(err.startsWith("cannot connect to " + url + " ("), err);
        assertTrue(err.contains("CAIRN_JMX_URL"), err);
        assertFalse(err.contains("\n"), "one line, no stack trace: " + err);
    }
}
