package org.cairndb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import jakarta.ejb.EJB;
import jakarta.ejb.EJBException;
import org.cairndb.it.app.LedgerBean;
import org.cairndb.it.app.TestXAResource;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.OperateOnDeployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Cairn and WildFly's H2 XA datasource in one JTA transaction: both commit, or neither does. */
@ExtendWith(ArquillianExtension.class)
class TwoPhaseCommitIT {

    @EJB
    private LedgerBean ledger;

    @Deployment(name = "rar", order = 1, testable = false)
    static ResourceAdapterArchive rar() {
        return Deployments.rar();
    }

    @Deployment(name = "war", order = 2)
    static WebArchive war() {
        return Deployments.withH2(Deployments.war("twopc", LedgerBean.class, TestXAResource.class,
                TestXAResource.Mode.class, TwoPhaseCommitIT.class, Support.class), "CairnTestXA",
                "jdbc:h2:mem:cairn-2pc;DB_CLOSE_DELAY=-1");
    }

    @BeforeEach
    void table() throws Exception {
        ledger.createTable();
    }

    @Test
    @OperateOnDeployment("war")
    void bothCommit() throws Exception {
        ledger.write("both", "committed", null);
        assertEquals("committed", ledger.readCairn("both"));
        assertEquals("committed", ledger.readH2("both"));
    }

    @Test
    @OperateOnDeployment("war")
    void bothCommitWithAThirdResourceThroughTwoPhases() throws Exception {
        ledger.write("three", "committed", TestXAResource.Mode.OK);
        assertEquals("committed", ledger.readCairn("three"));
        assertEquals("committed", ledger.readH2("three"));
    }

    @Test
    @OperateOnDeployment("war")
    void bothRollBackWhenTheDatabaseFails() throws Exception {
        ledger.write("dup", "first", null);
        // H2 refuses the duplicate id after Cairn wrote: the transaction rolls back, Cairn's write too.
        assertThrows(EJBException.class, () -> ledger.write("dup", "second", null));
        assertEquals("first", ledger.readCairn("dup"));
        assertEquals("first", ledger.readH2("dup"));
    }

    @Test
    @OperateOnDeployment("war")
    void bothRollBackWhenAnotherResourceVotesNoAfterTheyPrepared() throws Exception {
        // Cairn and H2 prepare; the last resource votes rollback; the transaction manager rolls both back.
        assertThrows(EJBException.class, () -> ledger.write("vetoed", "never", TestXAResource.Mode.VOTE_ROLLBACK));
        assertNull(ledger.readCairn("vetoed"));
        assertNull(ledger.readH2("vetoed"));
    }
}
