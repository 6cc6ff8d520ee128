package org.cairndb.payara;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.annotation.Resource;
import jakarta.ejb.EJBException;
import jakarta.transaction.UserTransaction;
import java.io.File;
import java.util.List;
import javax.management.JMX;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.cairndb.payara.app.LedgerStore;
import org.cairndb.rar.admin.CairnEnvironmentMXBean;
import org.cairndb.it.app.TestXAResource;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.importer.ZipImporter;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.jboss.shrinkwrap.api.spec.JavaArchive;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * cairn.rar in Payara Server: an enterprise archive holding the adapter as built, an EJB module
 * whose bean declares the connection factory, and the test's web module; the bean's container-managed transactions commit and
 * roll back through the adapter's XA resource and Payara's transaction manager.
 */
@ExtendWith(ArquillianExtension.class)
class PayaraCmtIT {

    private static final String DB = "payara";


    @Resource(lookup = "java:comp/UserTransaction")
    private UserTransaction ut;

    @Deployment
    static EnterpriseArchive ear() {
        ResourceAdapterArchive rar = ShrinkWrap.create(ZipImporter.class, "cairn.rar")
                .importFrom(new File(System.getProperty("cairn.rar"))).as(ResourceAdapterArchive.class);
        JavaArchive beans = ShrinkWrap.create(JavaArchive.class, "store.jar").addClasses(LedgerStore.class,
                TestXAResource.class, TestXAResource.Mode.class);
        WebArchive war = ShrinkWrap.create(WebArchive.class, "test.war").addClass(PayaraCmtIT.class);
        return ShrinkWrap.create(EnterpriseArchive.class, "cairn-app.ear").addAsModule(rar).addAsModule(beans).addAsModule(war);
    }

    /** The bean, which lives in the EJB module {@code store} of the same application (looked up in the server). */
    private static LedgerStore store() throws NamingException {
        return InitialContext.doLookup("java:app/store/LedgerStore");
    }

    @Test
    void commitMakesTheDataVisibleToTheNextTransaction() throws Exception {
        store().put(DB, "committed", "v1");
        assertEquals("v1", store().get(DB, "committed"));
    }

    @Test
    void setRollbackOnlyRollsTheWriteBack() throws Exception {
        store().putThenSetRollbackOnly(DB, "rolled-back", "v");
        assertNull(store().get(DB, "rolled-back"));
    }

    @Test
    void aSystemExceptionRollsTheWriteBack() throws Exception {
        EJBException e = assertThrows(EJBException.class, () -> store().putThenFail(DB, "failed", "v"));
        assertNull(store().get(DB, "failed"), String.valueOf(e));
    }

    /**
     * A transaction that passes its timeout while the bean goes on writing: whatever Payara's
     * transaction manager does at the timeout, no write of the bean commits on its own, outside the
     * transaction (the adapter refuses work on a connection in no branch while the thread's
     * transaction is finished or doomed).
     */
    @Test
    void writesPastTheTransactionTimeoutDoNotCommitOnTheirOwn() throws Exception {
        ut.setTransactionTimeout(1);
        String outcome;
        try {
            ut.begin();
            try {
                outcome = store().writeOnPastTheTimeout(DB, "timed-out-1", "timed-out-2", 10);
            } finally {
                try {
                    ut.rollback();
                } catch (IllegalStateException | jakarta.transaction.SystemException alreadyEnded) {
                    // The transaction manager rolled it back at the timeout.
                }
            }
        } finally {
            ut.setTransactionTimeout(0);
        }
        System.out.println("[payara-cmt] writes past the timeout: " + outcome);
        assertNull(store().get(DB, "timed-out-1"), outcome);
        assertNull(store().get(DB, "timed-out-2"), outcome);
    }

    @Test
    void aCallerTransactionSpansTheBeansCallsAndRollsBackAsOne() throws Exception {
        ut.begin();
        store().put(DB, "caller-1", "a");
        store().put(DB, "caller-2", "b");
        ut.rollback();
        assertNull(store().get(DB, "caller-1"));
        assertNull(store().get(DB, "caller-2"));

        ut.begin();
        store().put(DB, "caller-1", "a");
        store().put(DB, "caller-2", "b");
        ut.commit();
        assertEquals("a", store().get(DB, "caller-1"));
        assertEquals("b", store().get(DB, "caller-2"));
    }

    @Test
    void twoPhaseCommitWithASecondResourceCommitsBoth() throws Exception {
        TestXAResource.CALLS.clear();
        store().putBesideSecondResource(DB, "two-phase", "both", true);
        assertEquals(List.of("prepare", "commit"), TestXAResource.CALLS, "the second resource saw two phases");
        assertEquals("both", store().get(DB, "two-phase"));
    }

    @Test
    void aNoVoteFromTheSecondResourceRollsCairnBack() throws Exception {
        TestXAResource.CALLS.clear();
        assertThrows(EJBException.class, () -> store().putBesideSecondResource(DB, "vetoed", "never", false));
        assertEquals("prepare", TestXAResource.CALLS.get(0), String.valueOf(TestXAResource.CALLS));
        assertNull(store().get(DB, "vetoed"), "Cairn's branch was rolled back after the other resource voted no");
    }

    /**
     * An admin's view from outside the server: Payara's own JMX connector (plain RMI, port 8686)
     * reaches the environment's MXBean: its attributes, a checkpoint, the db_archive listings.
     */
    @Test
    @RunAsClient
    void adminsReachTheEnvironmentOverPayarasJmxConnector() throws Exception {
        JMXServiceURL url = new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:8686/jmxrmi");
        try (JMXConnector c = JMXConnectorFactory.connect(url)) {
            CairnEnvironmentMXBean admin = JMX.newMXBeanProxy(c.getMBeanServerConnection(),
                    new ObjectName("org.cairndb:type=Environment,name=default"), CairnEnvironmentMXBean.class);
            assertEquals("default", admin.getName());
            assertTrue(admin.getHome().endsWith("data/cairn/default"), admin.getHome());
            long checkpoints = admin.getCheckpoints();
            admin.checkpoint(true);
            assertEquals(checkpoints + 1, admin.getCheckpoints());
            assertFalse(admin.getLastCheckpointTime().isEmpty(), "the checkpoint's time is shown");
            assertFalse(admin.listAllLogs().isEmpty(), "the log segments are listed");
            assertTrue(admin.listDataFiles().stream().anyMatch(f -> f.endsWith(".cdb")), String.valueOf(admin.listDataFiles()));
        }
    }
}
