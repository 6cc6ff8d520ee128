package org.cairndb.it.app;

import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.resource.ResourceException;
import jakarta.transaction.RollbackException;
import jakarta.transaction.SystemException;
import jakarta.transaction.TransactionManager;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.cairndb.rar.CairnConnection;
import org.cairndb.rar.CairnConnectionFactory;

/** Cairn beside an H2 XA datasource (and optionally a test XA resource) in one JTA transaction. */
@Stateless
public class LedgerBean {

    public static final String DB = "ledger";

    @Resource(lookup = "java:/cairn/DefaultStore")
    private CairnConnectionFactory cairn;

    @Resource(lookup = "java:jboss/datasources/CairnTestXA")
    private DataSource h2;

    @Resource(lookup = "java:/TransactionManager")
    private TransactionManager tm;

    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public void createTable() throws SQLException {
        try (Connection c = h2.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS ledger (id VARCHAR(100) PRIMARY KEY, v VARCHAR(200))");
        }
    }

    /**
     * Writes {@code key} to Cairn and to H2. With {@code third} a test XA resource joins last (for
     * example one that votes rollback at prepare, after Cairn and H2 have prepared).
     */
    public void write(String key, String value, TestXAResource.Mode third) throws ResourceException, SQLException,
            SystemException, RollbackException {
        try (CairnConnection c = cairn.getConnection()) {
            c.putString(DB, key, value);
        }
        try (Connection c = h2.getConnection(); PreparedStatement p = c.prepareStatement(
                "INSERT INTO ledger (id, v) VALUES (?, ?)")) {
            p.setString(1, key);
            p.setString(2, value);
            p.executeUpdate(); // a duplicate id fails here
        } catch (SQLException e) {
            // A checked exception would not roll back: the database's failure is a system exception here.
            throw new jakarta.ejb.EJBException("H2 refused the insert of " + key + ": " + e.getMessage(), e);
        }
        if (third != null) {
            tm.getTransaction().enlistResource(new TestXAResource(third));
        }
    }

    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public String readCairn(String key) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            return c.getString(DB, key);
        }
    }

    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public String readH2(String key) throws SQLException {
        try (Connection c = h2.getConnection(); PreparedStatement p = c.prepareStatement(
                "SELECT v FROM ledger WHERE id = ?")) {
            p.setString(1, key);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }
}
