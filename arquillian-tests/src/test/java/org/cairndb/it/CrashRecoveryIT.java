package org.cairndb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.JMX;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import org.cairndb.it.app.CrashBean;
import org.cairndb.it.app.CrashServlet;
import org.cairndb.it.app.TestXAResource;
import org.cairndb.rar.admin.CairnEnvironmentMXBean;
import org.jboss.arquillian.container.test.api.ContainerController;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The server dies in the middle of a two-phase commit, after Cairn prepared; after the restart
 * Cairn's own recovery restores the in-doubt branch (the server log says so) and Narayana's periodic
 * recovery resolves it: committed when the transaction manager had logged its decision to commit,
 * rolled back when it had not decided yet.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class CrashRecoveryIT {

    private static final String SERVER = "crash";
    private static final String BASE = Support.CRASH_HTTP + "/crash";
    private static final int MANAGEMENT_PORT = Support.CRASH_MANAGEMENT;

    @ArquillianResource
    private ContainerController controller;

    @ArquillianResource
    private Deployer deployer;

    @Deployment(name = "crash-rar", order = 1, managed = false, testable = false)
    @TargetsContainer(SERVER)
    static ResourceAdapterArchive rar() {
        return Deployments.rar();
    }

    @Deployment(name = "crash-war", order = 2, managed = false, testable = false)
    @TargetsContainer(SERVER)
    static WebArchive war() {
        return Deployments.war("crash", CrashBean.class, CrashServlet.class, TestXAResource.class,
                TestXAResource.Mode.class);
    }

    @Test
    void inDoubtBranchesAreResolvedAfterACrash() throws Exception {
        controller.start(SERVER);
        try {
            deployer.deploy("crash-rar");
            deployer.deploy("crash-war");
            assertEquals("null", read("decided"));

            // 1. The transaction manager has logged "commit" when the server dies: Cairn must commit.
            crash("decided", "committed by recovery", TestXAResource.Mode.HALT_IN_COMMIT);
            restart();
            assertTrue(recoveryReports().get(recoveryReports().size() - 1).contains("1 prepared restored"),
                    "Cairn's recovery restored the in-doubt branch: " + recoveryReports());
            Support.await("Narayana to commit the in-doubt Cairn branch", Duration.ofSeconds(150),
                    () -> "committed by recovery".equals(readQuietly("decided")));
            Support.await("no branch left in doubt", Duration.ofSeconds(30), () -> inDoubt() == 0);

            // 2. The server dies before the transaction manager decided: the branch must roll back.
            crash("undecided", "must vanish", TestXAResource.Mode.HALT_IN_PREPARE);
            restart();
            assertTrue(recoveryReports().get(recoveryReports().size() - 1).contains("1 prepared restored"),
                    "Cairn's recovery restored the in-doubt branch: " + recoveryReports());
            Support.await("Narayana to roll back the orphaned Cairn branch", Duration.ofSeconds(150),
                    () -> inDoubt() == 0);
            assertEquals("null", read("undecided"));
            assertEquals("committed by recovery", read("decided"));
        } finally {
            // Never let the clean-up hide why the test failed.
            if (controller.isStarted(SERVER) && Support.listening(MANAGEMENT_PORT)) {
                try {
                    deployer.undeploy("crash-war");
                    deployer.undeploy("crash-rar");
                } catch (RuntimeException e) {
                    System.err.println("CrashRecoveryIT: undeploy failed: " + e);
                }
            }
            try {
                controller.stop(SERVER);
            } catch (RuntimeException e) {
                System.err.println("CrashRecoveryIT: stop failed: " + e);
            }
        }
    }

    private void crash(String key, String value, TestXAResource.Mode mode) throws Exception {
        CrashServer.crash(() -> Support.get(BASE, "/crash", Map.of("op", "write", "key", key, "value", value,
                "mode", mode.name())));
        System.err.println("CrashRecoveryIT: the server died in " + mode);
    }

    private void restart() {
        try {
            controller.stop(SERVER); // the process is gone already; this tells Arquillian
        } catch (Exception e) { // Arquillian's LifecycleException arrives undeclared
            System.err.println("CrashRecoveryIT: stopping the dead server: " + e);
        }
        controller.start(SERVER); // boots with the same base directory: transaction log, deployments, Cairn's files
        System.err.println("CrashRecoveryIT: restarted");
    }

    private static String read(String key) throws Exception {
        return Support.get(BASE, "/crash", Map.of("op", "read", "key", key));
    }

    private static String readQuietly(String key) {
        try {
            return read(key);
        } catch (Exception e) {
            return null;
        }
    }

    private static int inDoubt() {
        try (JMXConnector c = Support.jmx(MANAGEMENT_PORT)) {
            CairnEnvironmentMXBean admin = JMX.newMXBeanProxy(c.getMBeanServerConnection(),
                    new ObjectName("org.cairndb:type=Environment,name=default"), CairnEnvironmentMXBean.class);
            return admin.getInDoubtBranches().size() + admin.getPreparedTransactions();
        } catch (Exception e) {
            return -1;
        }
    }

    /** Cairn's recovery reports in the crash server's log, oldest first. */
    private static java.util.List<String> recoveryReports() throws IOException {
        Matcher m = Pattern.compile("Cairn environment 'default' opened .*").matcher(Files.readString(CrashServer.serverLog()));
        java.util.List<String> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }
}
