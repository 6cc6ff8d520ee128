package org.cairndb.payara.app;

import jakarta.annotation.Resource;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.resource.ConnectionFactoryDefinition;
import jakarta.resource.ResourceException;
import jakarta.resource.spi.TransactionSupport.TransactionSupportLevel;
import jakarta.transaction.TransactionManager;
import org.cairndb.it.app.TestXAResource;
import org.cairndb.rar.CairnConnection;
import org.cairndb.rar.CairnConnectionFactory;

/**
 * An enterprise bean with container-managed transactions that keeps its data in Cairn on Payara.
 * Payara does not read {@code ironjacamar.xml}, so the application declares the connection factory
 * itself, the portable way. {@code #cairn} names the adapter module {@code cairn.rar} of the same
 * enterprise archive (Payara wants an embedded adapter's name to start with {@code #}, without the
 * application's name before it).
 */
@ConnectionFactoryDefinition(name = LedgerStore.FACTORY, interfaceName = "org.cairndb.rar.CairnConnectionFactory",
        resourceAdapter = "#cairn", transactionSupport = TransactionSupportLevel.XATransaction)
@Stateless
public class LedgerStore {

    public static final String FACTORY = "java:app/cairn/Store";

    @Resource(lookup = FACTORY)
    private CairnConnectionFactory cairn;

    @Resource
    private SessionContext ctx;

    @Resource
    private jakarta.transaction.TransactionSynchronizationRegistry registry;

    @Resource(lookup = "java:appserver/TransactionManager")
    private TransactionManager tm;

    /** Writes in the caller's (or a new) JTA transaction. */
    public void put(String db, String key, String value) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            c.putString(db, key, value);
        }
    }

    /**
     * Writes in the caller's transaction, waits up to {@code waitSeconds} for the transaction
     * manager to act on the transaction's timeout (the thread's transaction no longer active), then
     * tries a second write through the same handle. Returns how the transaction stood and what the
     * second write did.
     */
    public String writeOnPastTheTimeout(String db, String first, String second, int waitSeconds) throws Exception {
        try (CairnConnection c = cairn.getConnection()) {
            c.putString(db, first, "inside");
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(waitSeconds);
            while (registry.getTransactionStatus() == jakarta.transaction.Status.STATUS_ACTIVE
                    && System.nanoTime() < deadline) {
                Thread.sleep(20); // polling the condition, with the deadline above
            }
            String status = "status " + registry.getTransactionStatus();
            try {
                c.putString(db, second, "past the timeout");
                return status + ", second write accepted";
            } catch (RuntimeException refused) {
                return status + ", second write refused: " + refused.getMessage();
            }
        }
    }

    /** Writes, then marks the transaction for rollback. */
    public void putThenSetRollbackOnly(String db, String key, String value) throws ResourceException {
        put(db, key, value);
        ctx.setRollbackOnly();
    }

    /** Writes, then fails with a system exception (which rolls the transaction back). */
    public void putThenFail(String db, String key, String value) throws ResourceException {
        put(db, key, value);
        throw new IllegalStateException("failing after the write, on purpose");
    }

    /**
     * Writes to Cairn and enlists a second resource manager that votes {@code voteYes} at prepare:
     * two resources, so the transaction manager runs two-phase commit.
     */
    public void putBesideSecondResource(String db, String key, String value, boolean voteYes) throws Exception {
        put(db, key, value);
        tm.getTransaction().enlistResource(new TestXAResource(voteYes ? TestXAResource.Mode.OK : TestXAResource.Mode.VOTE_ROLLBACK));
    }

    /** Reads in a JTA transaction of its own. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public String get(String db, String key) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            return c.getString(db, key);
        }
    }
}
