package org.cairndb.payara;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.Socket;
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
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cairndb.payara.app.CrashServlet;
import org.cairndb.payara.app.CrashStore;
import org.cairndb.it.app.TestXAResource;
import org.jboss.arquillian.container.test.api.ContainerController;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Payara dies in the middle of a two-phase commit, after Cairn prepared. Deployed the way a server
 * that restarts needs it: {@code cairn.rar} on its own, a server-wide connector connection pool and
 * resource over it, and an application that uses the resource (the build sets the connector
 * service's {@code class-loading-policy="global"} so that applications see the adapter's classes). After the restart Cairn's
 * own recovery restores the in-doubt branch (the server log says so) and Payara's transaction
 * recovery at start-up ({@code automatic-recovery="true"}, which the build sets in the domain)
 * resolves it: committed when the transaction manager had logged its decision to commit, rolled
 * back when it had not decided yet.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class PayaraCrashRecoveryIT {

    private static final String SERVER = "payara-crash";
    private static final String BASE = "http://127.0.0.1:8580/crash/crash";
    private static final int HTTP_PORT = 8580;
    private static final int ADMIN_PORT = 5348;
    private static final Path DOMAIN = Path.of(System.getProperty("payara.home"), "glassfish", "domains", "domain1");

    @ArquillianResource
    private ContainerController controller;

    @ArquillianResource
    private Deployer deployer;

    @Deployment(name = "rar", order = 1, managed = false, testable = false)
    @TargetsContainer(SERVER)
    static ResourceAdapterArchive rar() {
        return ShrinkWrap.create(ZipImporter.class, "cairn.rar").importFrom(new File(System.getProperty("cairn.rar")))
                .as(ResourceAdapterArchive.class);
    }

    @Deployment(name = "crash", order = 2, managed = false, testable = false)
    @TargetsContainer(SERVER)
    static WebArchive war() {
        return ShrinkWrap.create(WebArchive.class, "crash.war").addClasses(CrashStore.class, CrashServlet.class,
                TestXAResource.class, TestXAResource.Mode.class);
    }

    @Test
    void inDoubtBranchesAreResolvedAfterACrash() throws Exception {
        controller.start(SERVER);
        try {
            deployer.deploy("rar");
            // A server-wide connection pool and resource over the adapter, as an admin would create them.
            asadmin("create-connector-connection-pool", "--raname", "cairn", "--connectiondefinition",
                    "org.cairndb.rar.CairnConnectionFactory", "--transactionsupport", "XATransaction", "cairn-pool");
            asadmin("create-connector-resource", "--poolname", "cairn-pool", "cairn/DefaultStore");
            deployer.deploy("crash");
            assertEquals("null", get("read", "decided"));

            // 1. The transaction manager has logged "commit" when the server dies: Cairn must commit.
            crash("decided", "committed by recovery", TestXAResource.Mode.HALT_IN_COMMIT);
            restartAndAwaitCairnsRecovery();
            assertTrue(lastRecoveryReport().contains("1 prepared restored"),
                    "Cairn's recovery restored the in-doubt branch: " + lastRecoveryReport());
            await("Payara to commit the in-doubt Cairn branch", Duration.ofSeconds(120),
                    () -> "committed by recovery".equals(quietly("read", "decided")));
            await("no branch left in doubt", Duration.ofSeconds(60), () -> "0".equals(quietly("indoubt", "")));

            // 2. The server dies before the transaction manager decided: the branch must roll back.
            crash("undecided", "must vanish", TestXAResource.Mode.HALT_IN_PREPARE);
            restartAndAwaitCairnsRecovery();
            assertTrue(lastRecoveryReport().contains("1 prepared restored"),
                    "Cairn's recovery restored the in-doubt branch: " + lastRecoveryReport());
            await("Payara to roll back the orphaned Cairn branch", Duration.ofSeconds(120),
                    () -> "0".equals(quietly("indoubt", "")));
            assertEquals("null", get("read", "undecided"));
            assertEquals("committed by recovery", get("read", "decided"));
        } finally {
            // Never let the clean-up hide why the test failed.
            if (controller.isStarted(SERVER) && listening(ADMIN_PORT)) {
                try {
                    deployer.undeploy("crash");
                    asadmin("delete-connector-resource", "cairn/DefaultStore");
                    asadmin("delete-connector-connection-pool", "cairn-pool");
                    deployer.undeploy("rar");
                } catch (Exception e) {
                    System.err.println("PayaraCrashRecoveryIT: clean-up failed: " + e);
                }
            }
            try {
                controller.stop(SERVER);
            } catch (RuntimeException e) {
                System.err.println("PayaraCrashRecoveryIT: stop failed: " + e);
            }
        }
    }

    private void crash(String key, String value, TestXAResource.Mode mode) throws Exception {
        assertEquals(1, serverProcesses(), "the server's JVM is found by its command line");
        assertThrows(IOException.class, () -> get("write", key, "value", value, "mode", mode.name()),
                "the server halts in the middle of the transaction");
        await("the crashed server's process to exit", Duration.ofSeconds(60),
                () -> serverProcesses() == 0 && !listening(ADMIN_PORT) && !listening(HTTP_PORT));
        System.err.println("PayaraCrashRecoveryIT: the server died in " + mode);
    }

    /** Live JVMs running this domain (its directory is on their command line). */
    private static long serverProcesses() {
        String domain = DOMAIN.toString();
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(c -> c.contains("com.sun.aas.instanceRoot") && c.contains(domain)).orElse(false)).count();
    }

    /**
     * Starts the domain again with {@code asadmin start-domain}: Arquillian's Payara adapter can
     * neither stop a domain whose process is gone (its {@code stop-domain} fails) nor start it again
     * afterwards, and it still counts the container as started, which its final stop then makes
     * true. The same domain comes back with its transaction log, the adapter, the pool and the
     * application, and Cairn's files. The adapter recovers the environment as {@code Work} after
     * the server reports itself started, so this waits for the new recovery report in the log.
     */
    private void restartAndAwaitCairnsRecovery() throws Exception {
        int before = recoveryReports().size();
        asadmin("start-domain", "domain1");
        System.err.println("PayaraCrashRecoveryIT: restarted");
        await("Cairn's recovery after the restart", Duration.ofSeconds(120), () -> {
            try {
                return recoveryReports().size() > before;
            } catch (IOException e) {
                return false;
            }
        });
    }

    private static void asadmin(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "-jar",
                Path.of(System.getProperty("payara.home"), "glassfish", "modules", "admin-cli.jar").toString(), "--port",
                String.valueOf(ADMIN_PORT)));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("asadmin", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
        if (!p.waitFor(4, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("asadmin " + String.join(" ", args) + " failed: " + Files.readString(out));
        }
    }

    private static String get(String op, String key, String... more) throws IOException, InterruptedException {
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

    private static String quietly(String op, String key) {
        try {
            return get(op, key);
        } catch (Exception e) {
            return null;
        }
    }

    private static boolean listening(int port) {
        try (Socket s = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void await(String what, Duration timeout, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Boolean.TRUE.equals(condition.get())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            }
            Thread.sleep(250);
        }
    }

    /** Cairn's newest recovery report in the domain's server log. */
    private static String lastRecoveryReport() throws IOException {
        List<String> all = recoveryReports();
        return all.isEmpty() ? "(none)" : all.get(all.size() - 1);
    }

    /** Cairn's recovery reports in the domain's server log, oldest first. */
    private static List<String> recoveryReports() throws IOException {
        Matcher m = Pattern.compile("Cairn environment 'default' opened .*").matcher(
                Files.readString(DOMAIN.resolve("logs").resolve("server.log")));
        List<String> out = new ArrayList<>();
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }
}
