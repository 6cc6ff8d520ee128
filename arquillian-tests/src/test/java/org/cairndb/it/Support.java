package org.cairndb.it;

import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Supplier;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * HTTP, JMX and waiting on conditions, for tests that drive the server from outside (the Payara
 * tests use it too, through this module's test jar).
 */
public final class Support {

    /**
     * The servers' ports are shifted (suite +200, crash server +300) so that the tests do not meet a
     * WildFly someone runs on the default ports; arquillian.xml says the same.
     */
    public static final String SUITE_HTTP = "http://127.0.0.1:8280";
    public static final int SUITE_MANAGEMENT = 10190;
    public static final String CRASH_HTTP = "http://127.0.0.1:8380";
    public static final int CRASH_MANAGEMENT = 10290;

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    private Support() {
    }

    /** GET {@code base + path} with the query parameters; the body, or an exception naming the status. */
    public static String get(String base, String path, Map<String, String> params) throws IOException, InterruptedException {
        StringJoiner q = new StringJoiner("&");
        params.forEach((k, v) -> q.add(k + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest req = HttpRequest.newBuilder(URI.create(base + path + "?" + q)).timeout(Duration.ofMinutes(3)).build();
        HttpResponse<String> r = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("GET " + path + " " + params + ": HTTP " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }

    /** Waits until {@code condition} holds, checking every 200 ms; fails naming {@code what} at the deadline. */
    public static void await(String what, Duration timeout, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Boolean.TRUE.equals(condition.get())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            Thread.sleep(200);
        }
    }

    /** Whether something accepts connections on the local {@code port}. */
    public static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** JMX over WildFly's management port ({@code remote+http}); local access needs no user. */
    public static JMXConnector jmx(int managementPort) throws IOException {
        JMXServiceURL url = new JMXServiceURL("service:jmx:remote+http://127.0.0.1:" + managementPort);
        return JMXConnectorFactory.connect(url, Map.of());
    }

    public static MBeanServerConnection connection(JMXConnector c) throws IOException {
        return c.getMBeanServerConnection();
    }

    /** Where the suite server keeps Cairn's data (see arquillian.xml). */
    public static Path suiteData() {
        return Path.of(System.getProperty("suite.data"));
    }
}
