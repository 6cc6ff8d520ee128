package org.cairndb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import org.cairndb.it.app.CrashBean;
import org.cairndb.it.app.HeuristicServlet;
import org.cairndb.it.app.TestXAResource;
import org.cairndb.rar.admin.CairnEnvironmentMXBean;
import org.cairndb.rar.admin.HeuristicInfo;
import org.cairndb.rar.admin.InDoubtInfo;
import org.jboss.arquillian.container.test.api.ContainerController;
import org.jboss.arquillian.container.test.api.Deployer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.container.test.api.TargetsContainer;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.arquillian.test.api.ArquillianResource;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What an administrator does when the server died in the middle of a two-phase commit after Cairn
 * prepared, and the transaction manager cannot finish the transaction yet: after the restart (with
 * Narayana's periodic recovery held back, the {@code crash-held} container) the admin finds the branch
 * in {@code InDoubtBranches} over JMX, sees the writer it blocks and the writer's error naming its Xid,
 * and decides it ({@code heuristicRollback}, then in a second crash {@code heuristicCommit}); the data is
 * as decided and the lock free at once. Then one pass of Narayana's recovery meets the decision.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class HeuristicAdminIT {

    /** Each blocking request on a thread of its own: the common pool has one thread on a 2-core machine on Java 25. */
    private static final java.util.concurrent.Executor OWN_THREAD = task -> {
        Thread t = new Thread(task, "test-request");
        t.setDaemon(true);
        t.start();
    };
    private static final String SERVER = "crash";
    /** The same server with Narayana's periodic recovery held back (arquillian.xml). */
    private static final String HELD = "crash-held";
    private static final String BASE = Support.CRASH_HTTP + "/heuristic";
    private static final int MANAGEMENT_PORT = Support.CRASH_MANAGEMENT;
    private static final ObjectName MBEAN = name("org.cairndb:type=Environment,name=default");
    private static final ObjectName LOG_STORE = name("jboss.as:subsystem=transactions,log-store=log-store");

    @ArquillianResource
    private ContainerController controller;

    @ArquillianResource
    private Deployer deployer;

    /** The container the server runs as now. */
    private String running;

    @Deployment(name = "heuristic-rar", order = 1, managed = false, testable = false)
    @TargetsContainer(SERVER)
    static ResourceAdapterArchive rar() {
        return Deployments.rar();
    }

    @Deployment(name = "heuristic-war", order = 2, managed = false, testable = false)
    @TargetsContainer(SERVER)
    static WebArchive war() {
        // org.jboss.jts: Narayana's recovery manager, for op=scan.
        return Deployments.war("heuristic", CrashBean.class, HeuristicServlet.class, TestXAResource.class,
                TestXAResource.Mode.class)
                .setManifest(new StringAsset("Manifest-Version: 1.0\nDependencies: deployment.cairn.rar, org.jboss.jts\n"));
    }

    @Test
    void anAdministratorDecidesAnInDoubtBranchBeforeNarayana() throws Exception {
        controller.start(SERVER);
        running = SERVER;
        try {
            deployer.deploy("heuristic-rar");
            deployer.deploy("heuristic-war");
            adminDecides("heuristic-rollback", false);
            adminDecides("heuristic-commit", true);
        } finally {
            if (running != null) {
                undeployQuietly();
                try {
                    controller.stop(running);
                } catch (RuntimeException e) {
                    System.err.println("HeuristicAdminIT: stop failed: " + e);
                }
            }
        }
    }

    /**
     * Leaves the crash server's base directory without this test's deployments, as CrashRecoveryIT does.
     * Through the management model: Arquillian's deployer knows only the {@code crash} container, and the
     * server runs as {@code crash-held} by now. Never hides why the test failed.
     */
    private static void undeployQuietly() {
        if (!Support.listening(MANAGEMENT_PORT)) {
            return;
        }
        try (JMXConnector c = Support.jmx(MANAGEMENT_PORT)) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            for (String deployment : List.of("heuristic.war", "cairn.rar")) {
                ObjectName n = name("jboss.as:deployment=" + deployment);
                if (mbs.isRegistered(n)) {
                    mbs.invoke(n, "undeploy", new Object[0], new String[0]);
                    mbs.invoke(n, "remove", new Object[0], new String[0]);
                }
            }
        } catch (Exception e) {
            System.err.println("HeuristicAdminIT: undeploy failed: " + e);
        }
    }

    private void adminDecides(String key, boolean commit) throws Exception {
        String value = "written by the crashed transaction";
        CrashServer.crash(() -> Support.get(BASE, "/heuristic", Map.of("op", "write", "key", key, "value", value,
                "mode", TestXAResource.Mode.HALT_IN_COMMIT.name())));
        restartHeld();
        try (JMXConnector c = Support.jmx(MANAGEMENT_PORT)) {
            MBeanServerConnection mbs = c.getMBeanServerConnection();
            CairnEnvironmentMXBean admin = JMX.newMXBeanProxy(mbs, MBEAN, CairnEnvironmentMXBean.class);
            Support.await("Cairn's environment to be open", Duration.ofSeconds(60),
                    () -> holds(() -> mbs.isRegistered(MBEAN) && "OPEN".equals(admin.getState())));

            // 1. The admin finds the branch: Narayana has not touched it.
            List<InDoubtInfo> inDoubt = admin.getInDoubtBranches();
            assertEquals(1, inDoubt.size(), "one branch in doubt: " + inDoubt);
            InDoubtInfo branch = inDoubt.get(0);
            String xid = branch.getXid();
            assertTrue(xid != null && xid.matches("131077:[0-9a-f]+:[0-9a-f]+"), "Narayana's Xid: " + branch);
            assertEquals(1, branch.getKeysWritten(), branch.toString());
            assertTrue(branch.getLocksHeld() >= 1, branch.toString());
            assertEquals(List.of(CrashBean.DB), branch.getDatabases(), branch.toString());
            assertTrue(branch.getAgeSeconds() >= 0, branch.toString());
            assertEquals("null", read(key), "a prepared write is not visible");

            // 2. Writers of the same key wait for the branch's lock, in a JTA transaction and outside one:
            // the admin sees them, and once the lock timeout passes each fails naming the branch's Xid.
            CompletableFuture<String> writer = CompletableFuture.supplyAsync(() -> write("update", key, "blocked"), OWN_THREAD);
            CompletableFuture<String> autoCommit = CompletableFuture.supplyAsync(() -> write("put", key, "blocked"), OWN_THREAD);
            Support.await("both writers to wait for the in-doubt branch", Duration.ofSeconds(5),
                    () -> admin.getInDoubtBranches().get(0).getBlocking().size() == 2);
            List<String> blocking = admin.getInDoubtBranches().get(0).getBlocking();
            assertEquals(1, blocking.stream().filter(w -> w.contains("XA branch 131077:")).count(),
                    "the JTA writer is shown with its own Xid: " + blocking);
            for (CompletableFuture<String> w : List.of(writer, autoCommit)) {
                String refused = w.get(60, TimeUnit.SECONDS);
                assertTrue(refused.contains("LockTimeoutException") && refused.contains("in-doubt XA branch " + xid),
                        "the writer's error names the in-doubt branch: " + refused);
            }

            // 3. The admin decides: the data is as decided, the lock free at once.
            long decidedAt = CrashServer.serverLogLength();
            String said = commit ? admin.heuristicCommit(xid) : admin.heuristicRollback(xid);
            assertTrue(said.contains(xid) && said.contains(commit ? "committed" : "rolled back"), said);
            String logged = CrashServer.serverLogSince(decidedAt);
            assertTrue(logged.contains("WARN") && logged.contains(said + " by an administrator (JMX)"), logged);
            assertEquals(List.of(), admin.getInDoubtBranches());
            assertEquals(0, admin.getLocksHeld());
            HeuristicInfo decided = heuristic(admin, xid);
            assertTrue(decided != null && decided.isCommitted() == commit, "the decision is listed: "
                    + admin.getHeuristicBranches());
            assertEquals(commit ? value : "null", read(key));

            // 4. Narayana's recovery meets the decision: its log says commit, Cairn answers XA_HEURRB or
            // XA_HEURCOM (Narayana's warning carries Cairn's message). Narayana never calls forget.
            List<Participant> before = cairnParticipants(mbs);
            assertTrue(before.size() == 1 && before.get(0).status().equals("PREPARED"), "Narayana's log: " + before);
            String scan = scan();
            assertTrue(scan.contains("ARJUNA016036: commit on") && scan.contains(commit ? "XA_HEURCOM" : "XA_HEURRB")
                    && scan.contains(xid) && scan.contains("an administrator already "
                    + (commit ? "committed it" : "rolled it back") + " heuristically"),
                    "Narayana's commit met the decision: " + scan);
            assertEquals(commit ? value : "null", read(key), "Narayana changed nothing");
            List<Participant> after = cairnParticipants(mbs);
            String again = scan();
            assertTrue(!again.contains("ARJUNA016036"), "Narayana does not try again: " + again);
            assertTrue(heuristic(admin, xid) != null, "Narayana did not forget the decision: "
                    + admin.getHeuristicBranches());

            // 5. The key's lock is free: a new writer goes through at once.
            assertEquals("updated", write("put", key, "after the decision"));
            assertEquals("after the decision", read(key));

            // 6. The admin settles what is left.
            if (commit) {
                // Narayana took XA_HEURCOM for the commit it wanted: Cairn's branch left its log; Cairn keeps
                // the decision until the admin forgets it.
                assertEquals(List.of(), after, "Narayana's log no longer holds Cairn's branch");
                assertTrue(admin.forget(xid));
            } else {
                // Narayana keeps the transaction, Cairn's branch a heuristic participant, and warns at each
                // scan; deleting the transaction from WildFly's log store calls Cairn's forget.
                assertEquals(List.of(new Participant(before.get(0).transaction(), "HEURISTIC_ROLLBACK")), after);
                assertTrue(again.contains("Transaction " + after.get(0).transaction().replace("\"", "")
                        + " has 1 heuristic participant(s)!"), again);
                mbs.invoke(name(LOG_STORE + ",transactions=" + after.get(0).transaction()), "delete", new Object[0],
                        new String[0]);
                assertEquals(List.of(), cairnParticipants(mbs), "the transaction left Narayana's log");
                String quiet = scan();
                assertTrue(!quiet.contains(after.get(0).transaction().replace("\"", "")), "no more warnings: " + quiet);
            }
            assertEquals(null, heuristic(admin, xid), "Cairn forgot the decision");
        }
    }

    /** One recovery pass of Narayana, run in the server and waited for; what the server logged meanwhile. */
    private static String scan() throws Exception {
        long mark = CrashServer.serverLogLength();
        assertEquals("scanned", Support.get(BASE, "/heuristic", Map.of("op", "scan")));
        return CrashServer.serverLogSince(mark);
    }

    private static HeuristicInfo heuristic(CairnEnvironmentMXBean admin, String xid) {
        return admin.getHeuristicBranches().stream().filter(h -> xid.equals(h.getXid())).findFirst().orElse(null);
    }

    /** A participant of a transaction in Narayana's log: the transaction's id (quoted) and its status. */
    private record Participant(String transaction, String status) {
    }

    /**
     * Cairn's participants in Narayana's log, as an admin sees them under WildFly's
     * /subsystem=transactions/log-store=log-store (a probe reads the log first).
     */
    private static List<Participant> cairnParticipants(MBeanServerConnection mbs) throws Exception {
        mbs.invoke(LOG_STORE, "probe", new Object[0], new String[0]);
        List<Participant> out = new ArrayList<>();
        for (ObjectName n : mbs.queryNames(name(LOG_STORE + ",transactions=*,participants=*"), null)) {
            if ("java:/cairn/DefaultStore".equals(mbs.getAttribute(n, "jndiName"))) {
                out.add(new Participant(n.getKeyProperty("transactions"), String.valueOf(mbs.getAttribute(n, "status"))));
            }
        }
        return out;
    }

    private void restartHeld() {
        try {
            controller.stop(running); // the process is gone already; this tells Arquillian
        } catch (Exception e) { // Arquillian's LifecycleException arrives undeclared
            System.err.println("HeuristicAdminIT: stopping the dead server: " + e);
        }
        running = null;
        controller.start(HELD); // same base directory: transaction log, deployments, Cairn's files
        running = HELD;
    }

    private static String read(String key) throws Exception {
        return Support.get(BASE, "/heuristic", Map.of("op", "read", "key", key));
    }

    /** {@code op} "update" (in a JTA transaction) or "put" (outside one): "updated", or the server's error. */
    private static String write(String op, String key, String value) {
        try {
            return Support.get(BASE, "/heuristic", Map.of("op", op, "key", key, "value", value));
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return e.toString();
        }
    }

    /** The condition, false while it throws (the server still starting, say). */
    private static boolean holds(java.util.concurrent.Callable<Boolean> condition) {
        try {
            return condition.call();
        } catch (Exception e) {
            return false;
        }
    }

    private static ObjectName name(String name) {
        try {
            return new ObjectName(name);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(name, e);
        }
    }
}
