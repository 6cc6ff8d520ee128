package org.cairndb.it.app;

import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.resource.ResourceException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import org.cairndb.rar.CairnConnection;
import org.cairndb.rar.CairnConnectionFactory;

/** Writes to Cairn in a transaction whose other resource crashes the server. */
@Stateless
public class CrashBean {

    public static final String DB = "crash";

    @Resource(lookup = "java:/cairn/DefaultStore")
    private CairnConnectionFactory cairn;

    @Resource(lookup = "java:/TransactionManager")
    private TransactionManager tm;

    /**
     * HALT_IN_COMMIT: the test resource is enlisted first, so both prepare, the transaction manager
     * logs its decision to commit, and the server dies before Cairn's commit. HALT_IN_PREPARE: it is
     * enlisted after Cairn, so Cairn prepares and the server dies before any decision is logged.
     */
    public void write(String key, String value, TestXAResource.Mode mode) throws ResourceException, SystemException,
            RollbackException {
        if (mode == TestXAResource.Mode.HALT_IN_COMMIT) {
            tm.getTransaction().enlistResource(new TestXAResource(mode));
        }
        try (CairnConnection c = cairn.getConnection()) {
            c.putString(DB, key, value);
        }
        if (mode != TestXAResource.Mode.HALT_IN_COMMIT) {
            tm.getTransaction().enlistResource(new TestXAResource(mode));
        }
    }

    /** Writes {@code key} in a JTA transaction of its own, Cairn its only resource (waits for the key's lock). */
    public void update(String key, String value) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            c.putString(DB, key, value);
        }
    }

    /** Writes {@code key} outside any JTA transaction: an auto-commit write. */
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public void put(String key, String value) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            c.putString(DB, key, value);
        }
    }

    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public String read(String key) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            return c.getString(DB, key);
        }
    }
}
