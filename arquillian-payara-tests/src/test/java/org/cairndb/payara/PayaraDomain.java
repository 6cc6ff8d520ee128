package org.cairndb.payara;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cairndb.it.Support;
import org.cairndb.it.app.TestXAResource;
import org.cairndb.payara.app.CrashServlet;
import org.cairndb.payara.app.CrashStore;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;

/**
 * The Payara domain of the manual tests (arquillian-crash.xml), driven as an admin would: asadmin
 * for the server-wide resources and restarts, the application's servlet over HTTP, the server log
 * for Cairn's recovery reports.
 */
final class PayaraDomain {

    static final String SERVER = "payara-crash";
    static final int HTTP_PORT = 8580;
    static final int ADMIN_PORT = 5348;
    static final Path DOMAIN = Path.of(System.getProperty("payara.home"), "glassfish", "domains", "domain1");
    private static final String BASE = "http://127.0.0.1:" + HTTP_PORT + "/crash/crash";

    private PayaraDomain() {
    }

    /** cairn.rar as built, to be deployed on its own (the module is then named "cairn"). */
    static ResourceAdapterArchive rar() {
        return ShrinkWrap.create(ZipImporter.class, "cairn.rar").importFrom(new File(System.getProperty("cairn.rar")))
                .as(ResourceAdapterArchive.class);
    }

    /** The application: a bean over the server's resource cairn/DefaultStore, and its servlet. */
    static WebArchive application() {
        return ShrinkWrap.create(WebArchive.class, "crash.war").addClasses(CrashStore.class, CrashServlet.class,
                TestXAResource.class, TestXAResource.Mode.class);
    }

    /** A server-wide connection pool and resource over the deployed adapter, as an admin would create them. */
    static void createResources() throws Exception {
        asadmin("create-connector-connection-pool", "--raname", "cairn", "--connectiondefinition",
                "org.cairndb.rar.CairnConnectionFactory", "--transactionsupport", "XATransaction", "cairn-pool");
        asadmin("create-connector-resource", "--poolname", "cairn-pool", "cairn/DefaultStore");
    }

    static void deleteResources() throws Exception {
        asadmin("delete-connector-resource", "cairn/DefaultStore");
        asadmin("delete-connector-connection-pool", "cairn-pool");
    }

    static void asadmin(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                Path.of(System.getProperty("payara.home"), "glassfish", "modules", "admin-cli.jar").toString(), "--port",
                String.valueOf(ADMIN_PORT)));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("asadmin", ".log");
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(4, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException("asadmin " + String.join(" ", args) + " failed: " + Files.readString(out));
            }
        } finally {
            Files.delete(out);
        }
    }

    static String get(String op, String key, String... more) throws IOException, InterruptedException {
        StringBuilder q = new StringBuilder("op=" + op + "&key=" + URLEncoder.encode(key, StandardCharsets.UTF_8));
        for (int i = 0; i < more.length; i += 2) {
            q.append('&').append(more[i]).append('=').append(URLEncoder.encode(more[i + 1], StandardCharsets.UTF_8));
        }
        HttpRequest req = HttpRequest.newBuilder(URI.create(BASE + "?" + q)).timeout(Duration.ofMinutes(2)).build();
        HttpResponse<String> r = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("HTTP " + r.statusCode() + " for " + q + ": " + r.body());
        }
        return r.body();
    }

    static String quietly(String op, String key) {
        try {
            return get(op, key);
        } catch (Exception e) {
            return null;
        }
    }

    /** Cairn's newest recovery report in the domain's server log. */
    static String lastRecoveryReport() throws IOException {
        List<String> all = recoveryReports();
        return all.isEmpty() ? "(none)" : all.get(all.size() - 1);
    }

    /** Cairn's recovery reports in the domain's server log, oldest first. */
    static List<String> recoveryReports() throws IOException {
        Matcher m = Pattern.compile("Cairn environment 'default' opened .*").matcher(
                Files.readString(DOMAIN.resolve("logs").resolve("server.log")));
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /**
     * Stops the domain through Arquillian and makes sure it is down: the adapter's stop only logs
     * its failures, and a domain left running would block the next build's server.
     */
    static void stop(org.jboss.arquillian.container.test.api.ContainerController controller) throws Exception {
        try {
            controller.stop(SERVER);
        } catch (RuntimeException e) {
            System.err.println("stopping the Payara domain through Arquillian failed: " + e);
        }
        if (Support.listening(ADMIN_PORT)) {
            asadmin("stop-domain", "domain1");
        }
    }

    /** Waits until Cairn's server log holds more recovery reports than {@code before}. */
    static void awaitRecoveryReport(int before) throws InterruptedException {
        Support.await("Cairn's recovery report", Duration.ofSeconds(120), () -> {
            try {
                return recoveryReports().size() > before;
            } catch (IOException e) {
                return false;
            }
        });
    }
}
