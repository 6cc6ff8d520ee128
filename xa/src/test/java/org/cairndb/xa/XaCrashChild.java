package org.cairndb.xa;

import static org.cairndb.xa.XaTestSupport.b;

import com.arjuna.ats.arjuna.recovery.RecoveryManager;
import com.arjuna.ats.internal.jta.recovery.arjunacore.XARecoveryModule;
import com.arjuna.ats.jta.recovery.XAResourceRecoveryHelper;
import jakarta.transaction.Transaction;
import jakarta.transaction.TransactionManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.transaction.xa.XAException;
import javax.transaction.xa.XAResource;
import org.cairndb.Database;
import org.cairndb.Environment;

/**
 * The child JVMs of {@link NarayanaCrashRecoveryTest}.
 *
 * <pre>
 * crash   OBJECT_STORE HOME_A HOME_B SCENARIO KEYS   runs one global transaction over Cairn A and B
 *                                                     (and maybe a resource voting no) that halts
 *                                                     the JVM at the scenario's point
 * recover OBJECT_STORE HOME_A HOME_B SECONDS         runs Narayana's recovery manager until neither
 *                                                     environment has an in-doubt branch and the
 *                                                     transaction log is gone
 * </pre>
 */
public final class XaCrashChild {

    /** Exit status when the recovery manager did not resolve every branch in time. */
    static final int UNRESOLVED = 2;
    /** Exit status when the crash JVM finished its transaction instead of halting. */
    static final int NO_HALT = 3;

    private XaCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path store = Path.of(args[1]);
        NarayanaSupport.configure(store);
        Environment envA = XaTestSupport.open(Path.of(args[2]));
        Environment envB = XaTestSupport.open(Path.of(args[3]));
        if (args[0].equals("crash")) {
            crash(envA, envB, NarayanaCrashRecoveryTest.Scenario.valueOf(args[4]), Integer.parseInt(args[5]));
        } else {
            recover(store, envA, envB, Integer.parseInt(args[4]));
        }
    }

    private static void crash(Environment envA, Environment envB, NarayanaCrashRecoveryTest.Scenario scenario, int keys)
            throws Exception {
        Database a = envA.openDatabase("t");
        Database bdb = envB.openDatabase("t");
        CairnXAResource cairnA = new CairnXAResource(envA);
        CairnXAResource cairnB = new CairnXAResource(envB);
        ScriptedXAResource probeB = new ScriptedXAResource("B", cairnB);
        if (scenario.haltBefore) {
            probeB.haltBefore(scenario.haltAt);
        } else {
            probeB.haltAfter(scenario.haltAt);
        }
        TransactionManager tm = com.arjuna.ats.jta.TransactionManager.transactionManager();
        tm.begin();
        Transaction tx = tm.getTransaction();
        List<XAResource> order = new ArrayList<>();
        for (char c : scenario.order.toCharArray()) {
            order.add(switch (c) {
                case 'A' -> new ScriptedXAResource("A", cairnA);
                case 'B' -> probeB;
                default -> new ScriptedXAResource("voter").failAt(ScriptedXAResource.Point.PREPARE,
                        XAException.XA_RBROLLBACK);
            });
        }
        for (XAResource r : order) {
            tx.enlistResource(r);
        }
        for (int i = 0; i < keys; i++) {
            String k = "key-" + i;
            cairnA.run(t -> a.put(t, b(k), b("A-" + k)));
            cairnB.run(t -> bdb.put(t, b(k), b("B-" + k)));
        }
        try {
            tm.commit();
            System.out.println("COMMITTED without halting");
        } catch (Exception e) {
            System.out.println("ENDED without halting: " + e);
        }
        System.out.flush();
        Runtime.getRuntime().halt(NO_HALT);
    }

    private static void recover(Path store, Environment envA, Environment envB, int seconds) throws Exception {
        // Named as in the crashed JVM (and as a server's connector layer names them), so that Narayana
        // can tell that a logged branch which the resource manager no longer lists was completed.
        XAResource[] resources = {new ScriptedXAResource("A", new CairnXAResource(envA)),
            new ScriptedXAResource("B", new CairnXAResource(envB))};
        RecoveryManager manager = RecoveryManager.manager();
        XARecoveryModule module = XARecoveryModule.getRegisteredXARecoveryModule();
        module.addXAResourceRecoveryHelper(new XAResourceRecoveryHelper() {
            @Override
            public boolean initialise(String p) {
                return true;
            }

            @Override
            public XAResource[] getXAResources() {
                return resources;
            }
        });
        System.out.println("in doubt at start: A " + new InDoubtBranches(envA).list() + ", B "
                + new InDoubtBranches(envB).list());
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long start = System.nanoTime();
        // Done when no Cairn branch is in doubt and Narayana has removed its log of the transaction.
        while (!envA.preparedTransactions().isEmpty() || !envB.preparedTransactions().isEmpty()
                || NarayanaSupport.hasCommitDecision(store)) {
            if (System.nanoTime() - deadline > 0) {
                System.out.println("UNRESOLVED after " + seconds + " s: A " + new InDoubtBranches(envA).list() + ", B "
                        + new InDoubtBranches(envB).list());
                System.out.flush();
                Runtime.getRuntime().halt(UNRESOLVED);
            }
            Thread.sleep(20);
        }
        System.out.println("RESOLVED in " + (System.nanoTime() - start) / 1_000_000 + " ms");
        manager.terminate();
        envA.close();
        envB.close();
        System.out.flush();
        System.exit(0);
    }
}
