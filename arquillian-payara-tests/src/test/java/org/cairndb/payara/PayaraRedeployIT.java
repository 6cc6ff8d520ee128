package org.cairndb.payara;

import static org.cairndb.payara.PayaraDomain.asadmin;
import static org.cairndb.payara.PayaraDomain.awaitRecoveryReport;
import static org.cairndb.payara.PayaraDomain.get;
import static org.cairndb.payara.PayaraDomain.lastRecoveryReport;
import static org.cairndb.payara.PayaraDomain.recoveryReports;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Redeploying cairn.rar while the application is idle, as an upgrade would ({@code asadmin
 * redeploy}, the pool and resource left in place): the environment is checkpointed and closed, then
 * opened again with nothing to redo; once the application is redeployed too (Payara wants that after
 * an adapter's redeployment), it reads what was committed before and writes again.
 */
class PayaraRedeployIT extends PayaraServerTest {

    @Test
    void theAdapterRedeploysWhileIdleAndTheDataStays() throws Exception {
        startWithAdapterAndApplication();
        try {
            assertEquals("committed", get("write", "before", "value", "v1", "mode", "OK"));

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
            cleanUpAndStop();
        }
    }
}
