package org.cairndb.payara.app;

import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.resource.ResourceException;
import jakarta.transaction.TransactionManager;
import java.lang.management.ManagementFactory;
import javax.management.JMX;
import javax.management.ObjectName;
import org.cairndb.it.app.TestXAResource;
import org.cairndb.rar.CairnConnection;
import org.cairndb.rar.CairnConnectionFactory;
import org.cairndb.rar.admin.CairnEnvironmentMXBean;

/**
 * Writes to Cairn in a transaction whose other resource crashes the server; reads; counts branches
 * in doubt. Uses the server's connector resource {@code cairn/DefaultStore} (a connection pool of
 * the separately deployed {@code cairn.rar}, which Payara's transaction recovery knows about).
 */
@Stateless
public class CrashStore {

    public static final String DB = "crash";

    @Resource(lookup = "cairn/DefaultStore")
    private CairnConnectionFactory cairn;

    @Resource(lookup = "java:appserver/TransactionManager")
    private TransactionManager tm;

    /**
     * HALT_IN_COMMIT: the halting resource is enlisted first, so both prepare, the transaction
     * manager logs its decision to commit and commits the halting resource first: the server dies
     * before Cairn's commit. HALT_IN_PREPARE: it is enlisted after Cairn, so Cairn prepares and the
     * server dies before any decision is logged.
     */
    public void write(String key, String value, TestXAResource.Mode mode) throws Exception {
        if (mode == TestXAResource.Mode.HALT_IN_COMMIT) {
            tm.getTransaction().enlistResource(new TestXAResource(mode));
        }
        try (CairnConnection c = cairn.getConnection()) {
            c.putString(DB, key, value);
        }
        if (mode == TestXAResource.Mode.HALT_IN_PREPARE) {
            tm.getTransaction().enlistResource(new TestXAResource(mode));
        }
    }

    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public String read(String key) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            return c.getString(DB, key);
        }
    }

    /** Branches the environment holds in doubt (prepared, not yet resolved), from its MBean. */
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public int inDoubt() throws Exception {
        CairnEnvironmentMXBean admin = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                new ObjectName("org.cairndb:type=Environment,name=default"), CairnEnvironmentMXBean.class);
        return admin.getPreparedTransactions();
    }
}
