package org.cairndb.payara;

import static org.cairndb.it.Support.await;
import static org.cairndb.it.Support.listening;
import static org.cairndb.payara.PayaraDomain.ADMIN_PORT;
import static org.cairndb.payara.PayaraDomain.DOMAIN;
import static org.cairndb.payara.PayaraDomain.HTTP_PORT;
import static org.cairndb.payara.PayaraDomain.asadmin;
import static org.cairndb.payara.PayaraDomain.awaitRecoveryReport;
import static org.cairndb.payara.PayaraDomain.get;
import static org.cairndb.payara.PayaraDomain.lastRecoveryReport;
import static org.cairndb.payara.PayaraDomain.quietly;
import static org.cairndb.payara.PayaraDomain.recoveryReports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.cairndb.it.app.TestXAResource;
import org.junit.jupiter.api.Test;

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
class PayaraCrashRecoveryIT extends PayaraServerTest {

    @Test
    void inDoubtBranchesAreResolvedAfterACrash() throws Exception {
        startWithAdapterAndApplication();
        try {
            assertEquals("null", get("read", "decided"));

            // 1. The transaction manager has logged "commit" when the server dies: Cairn must commit.
            crash("decided", "committed by recovery", TestXAResource.Mode.HALT_IN_COMMIT);
            restartAndAwaitRestoredBranch();
            await("Payara to commit the in-doubt Cairn branch", Duration.ofSeconds(120),
                    () -> "committed by recovery".equals(quietly("read", "decided")));
            await("no branch left in doubt", Duration.ofSeconds(60), () -> "0".equals(quietly("indoubt", "")));

            // 2. The server dies before the transaction manager decided: the branch must roll back.
            crash("undecided", "must vanish", TestXAResource.Mode.HALT_IN_PREPARE);
            restartAndAwaitRestoredBranch();
            await("Payara to roll back the orphaned Cairn branch", Duration.ofSeconds(120),
                    () -> "0".equals(quietly("indoubt", "")));
            assertEquals("null", get("read", "undecided"));
            assertEquals("committed by recovery", get("read", "decided"));
        } finally {
            cleanUpAndStop();
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
     * the server reports itself started, so this waits for the new recovery report in the log,
     * which must say that the crashed transaction's branch was restored in doubt.
     */
    private void restartAndAwaitRestoredBranch() throws Exception {
        int before = recoveryReports().size();
        asadmin("start-domain", "domain1");
        System.err.println("PayaraCrashRecoveryIT: restarted");
        awaitRecoveryReport(before);
        assertTrue(lastRecoveryReport().contains("1 prepared restored"),
                "Cairn's recovery restored the in-doubt branch: " + lastRecoveryReport());
    }
}
