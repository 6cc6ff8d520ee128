package org.cairndb.payara;

import static org.cairndb.payara.PayaraDomain.ADMIN_PORT;
import static org.cairndb.payara.PayaraDomain.SERVER;

import org.cairndb.it.Support;
import org.jboss.arquillian.container.test.api.ContainerController;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A test that runs the Payara domain itself (the manual container of arquillian-crash.xml), with
 * cairn.rar deployed on its own, the server-wide pool and resource, and the application over them.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
abstract class PayaraServerTest {

    @ArquillianResource
    protected ContainerController controller;

    @ArquillianResource
    protected Deployer deployer;

    @Deployment(name = "rar", order = 1, managed = false, testable = false)
    @TargetsContainer(SERVER)
    static ResourceAdapterArchive rar() {
        return PayaraDomain.rar();
    }

    @Deployment(name = "app", order = 2, managed = false, testable = false)
    @TargetsContainer(SERVER)
    static WebArchive application() {
        return PayaraDomain.application();
    }

    /** Starts the domain and deploys the adapter, its resources and the application. */
    protected void startWithAdapterAndApplication() throws Exception {
        controller.start(SERVER);
        deployer.deploy("rar");
        PayaraDomain.createResources();
        deployer.deploy("app");
    }

    /** Undeploys everything (if the server answers) and stops the domain; never hides why a test failed. */
    protected void cleanUpAndStop() throws Exception {
        if (controller.isStarted(SERVER) && Support.listening(ADMIN_PORT)) {
            try {
                deployer.undeploy("app");
                PayaraDomain.deleteResources();
                deployer.undeploy("rar");
            } catch (Exception e) {
                System.err.println(getClass().getSimpleName() + ": clean-up failed: " + e);
            }
        }
        PayaraDomain.stop(controller);
    }
}
