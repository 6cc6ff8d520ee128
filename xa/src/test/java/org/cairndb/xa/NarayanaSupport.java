package org.cairndb.xa;

import com.arjuna.ats.arjuna.common.CoreEnvironmentBeanException;
import com.arjuna.ats.arjuna.common.ObjectStoreEnvironmentBean;
import com.arjuna.ats.arjuna.common.RecoveryEnvironmentBean;
import com.arjuna.ats.arjuna.common.arjPropertyManager;
import com.arjuna.ats.arjuna.common.recoveryPropertyManager;
import com.arjuna.ats.jta.common.jtaPropertyManager;
import com.arjuna.common.internal.util.propertyservice.BeanPopulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Configures Narayana for one JVM: the object store in the given directory (never the default
 * {@code ObjectStore} in the working directory), a fixed node identifier shared by the crashing JVM and
 * the recovering one, no sockets, short recovery periods, and JNDI names of wrapped resources copied
 * into the log (as WildFly does). Must run before Narayana is first used.
 */
final class NarayanaSupport {

    static final String NODE = "cairn-xa-test";

    private NarayanaSupport() {
    }

    static void configure(Path objectStore) {
        String dir = objectStore.toAbsolutePath().toString();
        BeanPopulator.getDefaultInstance(ObjectStoreEnvironmentBean.class).setObjectStoreDir(dir);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "communicationStore").setObjectStoreDir(dir);
        BeanPopulator.getNamedInstance(ObjectStoreEnvironmentBean.class, "stateStore").setObjectStoreDir(dir);
        try {
            arjPropertyManager.getCoreEnvironmentBean().setNodeIdentifier(NODE);
        } catch (CoreEnvironmentBeanException e) {
            throw new IllegalStateException(e);
        }
        arjPropertyManager.getCoordinatorEnvironmentBean().setTransactionStatusManagerEnable(false);
        jtaPropertyManager.getJTAEnvironmentBean().setXaRecoveryNodes(List.of(NODE));
        jtaPropertyManager.getJTAEnvironmentBean().setOrphanSafetyInterval(1000);
        jtaPropertyManager.getJTAEnvironmentBean().setXAResourceRecordWrappingPlugin(new JndiNameRecordPlugin());
        RecoveryEnvironmentBean recovery = recoveryPropertyManager.getRecoveryEnvironmentBean();
        recovery.setRecoveryListener(false);
        recovery.setPeriodicRecoveryPeriod(1);
        recovery.setRecoveryBackoffPeriod(1);
    }

    /** Whether the object store holds a transaction log record (the coordinator decided to commit and has not finished). */
    static boolean hasCommitDecision(Path objectStore) throws IOException {
        if (!Files.isDirectory(objectStore)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(objectStore)) {
            return files.anyMatch(p -> Files.isRegularFile(p) && p.toString().contains("AtomicAction"));
        }
    }
}
