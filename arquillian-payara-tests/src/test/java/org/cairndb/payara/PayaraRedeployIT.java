package org.cairndb.payara;

import static org.cairndb.payara.PayaraDomain.ADMIN_PORT;
import static org.cairndb.payara.PayaraDomain.SERVER;
import static org.cairndb.payara.PayaraDomain.asadmin;
import static org.cairndb.payara.PayaraDomain.awaitRecoveryReport;
import static org.cairndb.payara.PayaraDomain.createResources;
import static org.cairndb.payara.PayaraDomain.deleteResources;
import static org.cairndb.payara.PayaraDomain.get;
import static org.cairndb.payara.PayaraDomain.lastRecoveryReport;
import static org.cairndb.payara.PayaraDomain.listening;
import static org.cairndb.payara.PayaraDomain.recoveryReports;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
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
 * Redeploying cairn.rar while the application is idle, as an upgrade would ({@code asadmin
 * redeploy}, the pool and resource left in place): the environment is checkpointed and closed, then
 * opened again with nothing to redo; once the application is redeployed too (Payara wants that after
 * an adapter's redeployment), it reads what was committed before and writes again.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class PayaraRedeployIT {

    @ArquillianResource
    private ContainerController controller;

    @ArquillianResource
    private Deployer deployer;

    @Deployment(name = "rar", order = 1, managed = false, testable = false)
    @TargetsContainer(SERVER)
    static ResourceAdapterArchive rar() {
        return PayaraDomain.rar();
    }

    @Deployment(name = "app", order = 2, managed = false, testable = false)
    @TargetsContainer(SERVER)
    static WebArchive war() {
        return PayaraDomain.application();
    }

    @Test
    void theAdapterRedeploysWhileIdleAndTheDataStays() throws Exception {
        controller.start(SERVER);
        try {
            deployer.deploy("rar");
            createResources();
            deployer.deploy("app");
            assertEquals("committed (the server should have crashed)", get("write", "before", "value", "v1", "mode", "OK"));

            int before = recoveryReports().size();
            asadmin("redeploy", "--name", "cairn", System.getProperty("cairn.rar"));
            awaitRecoveryReport(before);
            String log = Files.readString(PayaraDomain.DOMAIN.resolve("logs").resolve("server.log"));
            assertTrue(log.contains("Cairn environment 'default' checkpointed and closed"), "the old adapter closed cleanly");
            assertTrue(lastRecoveryReport().contains("0 transactions redone, 0 rolled back, 0 prepared restored"),
                    "nothing to redo after a clean close: " + lastRecoveryReport());
            // Payara then wants the applications using the pool redeployed: until they are, their
            // connections fail with "No Pool Meta Data object associated with the pool".
            deployer.undeploy("app");
            deployer.deploy("app");
            assertEquals("v1", get("read", "before"));
            get("write", "after", "value", "v2", "mode", "OK");
            assertEquals("v2", get("read", "after"));
        } finally {
            if (controller.isStarted(SERVER) && listening(ADMIN_PORT)) {
                try {
                    deployer.undeploy("app");
                    deleteResources();
                    deployer.undeploy("rar");
                } catch (Exception e) {
                    System.err.println("PayaraRedeployIT: clean-up failed: " + e);
                }
            }
            PayaraDomain.stop(controller);
        }
    }
}
