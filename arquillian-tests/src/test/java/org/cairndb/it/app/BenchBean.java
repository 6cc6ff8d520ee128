package org.cairndb.it.app;

import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.resource.ResourceException;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.cairndb.rar.CairnConnection;
import org.cairndb.rar.CairnConnectionFactory;

/** The benchmark's work: one JTA transaction updating one record, in Cairn or in H2 (XA datasource), or nothing. */
@Stateless
public class BenchBean {

    public static final int ROWS = 1000;

    @Resource(lookup = "java:/cairn/DefaultStore")
    private CairnConnectionFactory cairn;

    @Resource(lookup = "java:jboss/datasources/CairnBenchXA")
    private DataSource h2;

    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public void setUp() throws SQLException, ResourceException {
        try (Connection c = h2.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE IF NOT EXISTS bench (id INT PRIMARY KEY, v BIGINT)");
            s.execute("MERGE INTO bench (id, v) SELECT x, 0 FROM SYSTEM_RANGE(0, " + (ROWS - 1) + ")");
        }
        try (CairnConnection c = cairn.getConnection()) {
            for (int i = 0; i < ROWS; i++) {
                c.put("bench", key(i), value(0));
            }
        }
    }

    public void updateCairn(int id, long v) throws ResourceException {
        try (CairnConnection c = cairn.getConnection()) {
            c.put("bench", key(id), value(v));
        }
    }

    public void updateH2(int id, long v) throws SQLException {
        try (Connection c = h2.getConnection(); PreparedStatement p = c.prepareStatement(
                "UPDATE bench SET v = ? WHERE id = ?")) {
            p.setLong(1, v);
            p.setInt(2, id);
            if (p.executeUpdate() != 1) {
                throw new SQLException("row " + id + " is missing");
            }
        }
    }

    /**
     * The same transaction with no resource in it: what the container's own path (the EJB call, the
     * interceptors, Narayana's begin and commit) costs, the ceiling over any resource's rate.
     */
    public void updateNothing(int id, long v) {
        if (id < 0 || v < 0) {
            throw new IllegalArgumentException("row " + id + ", value " + v);
        }
    }

    private static byte[] key(int i) {
        return ByteBuffer.allocate(4).putInt(i).array();
    }

    private static byte[] value(long v) {
        return ByteBuffer.allocate(100).putLong(v).array();
    }
}
