package org.cairndb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.it.app.StoreBean;
import org.cairndb.it.app.StoreServlet;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Undeploying the adapter closes the environment cleanly; deploying it again reopens it with the data. */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class RedeployIT {

    private static final String BASE = Support.SUITE_HTTP + "/redeploy";

    @ArquillianResource
    private Deployer deployer;

    @Deployment(name = "rar", order = 1, managed = false, testable = false)
    static ResourceAdapterArchive rar() {
        return Deployments.rar();
    }

    @Deployment(name = "war", order = 2, managed = false, testable = false)
    static WebArchive war() {
        return Deployments.war("redeploy", StoreBean.class, StoreServlet.class);
    }

    @Test
    void undeployClosesAndRedeployReopens() throws Exception {
        deployer.deploy("rar");
        deployer.deploy("war");
        assertEquals("ok", Support.get(BASE, "/store", Map.of("op", "put", "db", "redeploy", "key", "k", "value", "v1")));
        deployer.undeploy("war");
        deployer.undeploy("rar");

        // Closed cleanly: another process (this JVM) can open the environment, with no recovery to do.
        try (Environment env = Environment.open(Support.suiteData().resolve("default"),
                new EnvironmentConfig().cacheSize(16 << 20))) {
            assertEquals(0, env.recoveryReport().transactionsRedone(), env.recoveryReport().toString());
            assertEquals("v1", new String(env.openDatabase("redeploy", false).get(null, "k".getBytes(StandardCharsets.UTF_8)),
                    StandardCharsets.UTF_8));
        }

        deployer.deploy("rar");
        deployer.deploy("war");
        try {
            assertEquals("v1", Support.get(BASE, "/store", Map.of("op", "get", "db", "redeploy", "key", "k")));
            assertEquals("ok", Support.get(BASE, "/store", Map.of("op", "put", "db", "redeploy", "key", "k", "value", "v2")));
            assertEquals("v2", Support.get(BASE, "/store", Map.of("op", "get", "db", "redeploy", "key", "k")));
        } finally {
            deployer.undeploy("war");
            deployer.undeploy("rar");
        }
    }
}
