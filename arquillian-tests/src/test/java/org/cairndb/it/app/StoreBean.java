package org.cairndb.it.app;

import jakarta.annotation.Resource;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.resource.ResourceException;
import java.util.List;
import org.cairndb.rar.CairnConnection;
import org.cairndb.rar.CairnConnectionFactory;
import org.cairndb.rar.KeyValue;

/** An enterprise bean with container-managed transactions that keeps its data in Cairn. */
@Stateless
public class StoreBean {

    @Resource(lookup = "java:/cairn/DefaultStore")
    private CairnConnectionFactory cairn;

    @Resource
    private SessionContext ctx;

    @Resource
    private jakarta.transaction.TransactionSynchronizationRegistry registry;

    /** Writes in the caller's (or a new) JTA transaction. */
    public void put(String db, String key, String value) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            c.putString(db, key, value);
        }
    }

    /** Writes several records in one JTA transaction. */
    public void putAll(String db, List<String> keys, String value) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            for (String k : keys) {
                c.putString(db, k, value);
            }
        }
    }

    /**
     * Writes in the caller's transaction, waits (up to a minute) until the transaction manager has
     * rolled that transaction back at its timeout, then tries a write through the same handle and
     * one through a handle asked for afterwards: for each, "written" if it went through, else the
     * refusal's message (the two joined by " | ").
     */
    public String writeOnPastTheTimeout(String db, String kept, String fresh) throws Exception {
        try (CairnConnection c = cairn.getConnection()) {
            c.putString(db, kept, "inside");
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(1);
            while (registry.getTransactionStatus() == jakarta.transaction.Status.STATUS_ACTIVE) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the transaction was still active a minute past its timeout");
                }
                Thread.sleep(20); // polling the condition, with the deadline above
            }
            return attempt(() -> c.putString(db, kept, "past the timeout")) + " | " + attempt(() -> {
                try (CairnConnection again = cairn.getConnection()) {
                    again.putString(db, fresh, "past the timeout");
                }
            });
        }
    }

    private interface Write {
        void run() throws Exception;
    }

    private static String attempt(Write w) {
        try {
            w.run();
            return "written";
        } catch (Exception refused) {
            return refused.getClass().getSimpleName() + ": " + refused.getMessage();
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

    /** Writes through one handle and reads through a second one in the same transaction. */
    public String putAndReadThroughSecondHandle(String db, String key, String value) throws ResourceException {
        try (CairnConnection first = cairn.getConnection(); CairnConnection second = cairn.getConnection()) {
            first.putString(db, key, value);
            return second.getString(db, key);
        }
    }

    /** Reads in a JTA transaction of its own. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public String get(String db, String key) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            return c.getString(db, key);
        }
    }

    /** Reads outside any transaction (auto-commit). */
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public String getWithoutTransaction(String db, String key) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            return c.getString(db, key);
        }
    }

    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public List<KeyValue> scan(String db, String from, String to, int limit) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            return c.scan(db, from == null ? null : from.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    to == null ? null : to.getBytes(java.nio.charset.StandardCharsets.UTF_8), limit);
        }
    }

    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public long count(String db) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            return c.count(db);
        }
    }
}
