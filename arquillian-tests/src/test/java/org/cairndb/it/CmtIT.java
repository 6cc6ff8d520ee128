package org.cairndb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jakarta.ejb.EJB;
import jakarta.ejb.EJBException;
import jakarta.ejb.EJBTransactionRolledbackException;
import jakarta.transaction.UserTransaction;
import jakarta.annotation.Resource;
import java.util.List;
import org.cairndb.it.app.StoreBean;
import org.cairndb.rar.KeyValue;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An enterprise bean with container-managed transactions keeps its data in Cairn through the adapter. */
@ExtendWith(ArquillianExtension.class)
class CmtIT {

    private static final String DB = "cmt";

    @EJB
    private StoreBean store;

    @Resource(lookup = "java:jboss/UserTransaction")
    private UserTransaction ut;

    @Deployment(name = "rar", order = 1, testable = false)
    static ResourceAdapterArchive rar() {
        return Deployments.rar();
    }

    @Deployment(name = "war", order = 2)
    static WebArchive war() {
        return Deployments.war("cmt", StoreBean.class, CmtIT.class, Support.class);
    }

    @Test
    @OperateOnDeployment("war")
    void commitMakesTheDataVisibleToTheNextTransaction() throws Exception {
        store.put(DB, "committed", "v1");
        assertEquals("v1", store.get(DB, "committed"));
        assertEquals("v1", store.getWithoutTransaction(DB, "committed"));
    }

    @Test
    @OperateOnDeployment("war")
    void setRollbackOnlyRollsTheWriteBack() throws Exception {
        store.putThenSetRollbackOnly(DB, "rolled-back", "v");
        assertNull(store.get(DB, "rolled-back"));
    }

    @Test
    @OperateOnDeployment("war")
    void aSystemExceptionRollsTheWriteBack() throws Exception {
        EJBException e = assertThrows(EJBException.class, () -> store.putThenFail(DB, "failed", "v"));
        assertEquals(IllegalStateException.class, e.getCause().getClass(), String.valueOf(e.getCause()));
        assertNull(store.get(DB, "failed"));
    }

    @Test
    @OperateOnDeployment("war")
    void handlesShareTheTransactionAndACallerTransactionSpansBeans() throws Exception {
        assertEquals("shared", store.putAndReadThroughSecondHandle(DB, "two-handles", "shared"));
        assertEquals("shared", store.get(DB, "two-handles"));

        ut.begin();
        store.put(DB, "caller-1", "a");
        store.putAll(DB, List.of("caller-2", "caller-3"), "b");
        ut.rollback();
        assertNull(store.get(DB, "caller-1"));
        assertNull(store.get(DB, "caller-3"));

        ut.begin();
        store.put(DB, "caller-1", "a");
        store.putAll(DB, List.of("caller-2", "caller-3"), "b");
        ut.commit();
        assertEquals(List.of("caller-1=a", "caller-2=b", "caller-3=b"),
                store.scan(DB, "caller-", "caller.", 10).stream().map(KeyValue::toString).toList());
    }

    @Test
    @OperateOnDeployment("war")
    void aRollbackOnlyCallerTransactionFailsItsCommit() throws Exception {
        ut.begin();
        store.put(DB, "doomed", "x");
        assertThrows(EJBTransactionRolledbackException.class, () -> store.putThenFail(DB, "doomed-2", "y"));
        assertThrows(jakarta.transaction.RollbackException.class, ut::commit);
        assertNull(store.get(DB, "doomed"));
    }

    /**
     * The transaction manager's reaper rolls a transaction back at its timeout from its own thread
     * while the bean goes on. Writes the bean then makes must not commit on their own, outside the
     * transaction: through the handle it holds (WildFly destroys the managed connection behind a
     * handle still open at the rollback; elsewhere the adapter refuses the work, see
     * ThreadTransaction), nor through a handle asked for afterwards. Nothing is written.
     */
    @Test
    @OperateOnDeployment("war")
    void writesAfterTheTransactionTimedOutAreRefusedNotCommittedAlone() throws Exception {
        ut.setTransactionTimeout(1);
        String outcome;
        try {
            ut.begin();
            try {
                outcome = store.writeOnPastTheTimeout(DB, "timed-out-kept", "timed-out-fresh");
            } finally {
                try {
                    ut.rollback();
                } catch (IllegalStateException | jakarta.transaction.SystemException alreadyEnded) {
                    // The reaper rolled it back; the thread is let go of it either way.
                }
            }
        } finally {
            ut.setTransactionTimeout(0);
        }
        for (String attempt : outcome.split(" \\| ")) {
            org.junit.jupiter.api.Assertions.assertNotEquals("written", attempt, outcome);
        }
        assertNull(store.get(DB, "timed-out-kept"), outcome);
        assertNull(store.get(DB, "timed-out-fresh"), outcome);
        System.out.println("[cmt] writes past the timeout: " + outcome);
    }
}
