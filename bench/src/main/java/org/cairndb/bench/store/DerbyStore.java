package org.cairndb.bench.store;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Apache Derby, embedded, through JDBC: one table per store table with a binary primary key,
 * auto-commit off, default durability (the log is forced at each commit). Sessions run at
 * REPEATABLE READ so that the update locks of {@code SELECT ... FOR UPDATE} last until commit, as
 * {@code LockMode.RMW} and {@code getForUpdate} do in the other stores.
 */
final class DerbyStore implements KvStore {

    /** Derby's default page size for tables without long columns; the cache is counted in pages. */
    private static final int PAGE_SIZE = 4096;

    private final String url;
    private final List<String> tables;

    DerbyStore(Path dir, StoreConfig config, List<String> tables) {
        // Derby reads its settings once per boot from system properties.
        System.setProperty("derby.stream.error.file", dir.resolve("derby.log").toString());
        System.setProperty("derby.storage.pageCacheSize", Long.toString(config.cacheBytes() / PAGE_SIZE));
        // Ordered locking keeps the workloads free of deadlocks; should one happen anyway, find it
        // in a second rather than in Derby's default 20 s.
        System.setProperty("derby.locks.deadlockTimeout", "1");
        System.setProperty("derby.locks.waitTimeout", "10");
        if (!config.checkpoints()) {
            System.setProperty("derby.storage.checkpointInterval", Integer.toString(128 << 20)); // Derby's maximum
        } else {
            System.clearProperty("derby.storage.checkpointInterval");
        }
        this.url = "jdbc:derby:" + dir.toAbsolutePath().resolve("db");
        this.tables = List.copyOf(tables);
        try (Connection c = DriverManager.getConnection(url + ";create=true")) {
            c.setAutoCommit(false);
            for (String t : tables) {
                if (!exists(c, t)) {
                    try (Statement s = c.createStatement()) {
                        s.executeUpdate("CREATE TABLE " + t
                                + " (k VARCHAR(64) FOR BIT DATA NOT NULL PRIMARY KEY, v VARCHAR(1024) FOR BIT DATA)");
                    }
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open Derby in " + dir, e);
        }
    }

    private static boolean exists(Connection c, String table) throws SQLException {
        try (ResultSet rs = c.getMetaData().getTables(null, null, table.toUpperCase(java.util.Locale.ROOT), null)) {
            return rs.next();
        }
    }

    @Override
    public String name() {
        return "derby";
    }

    @Override
    public Session session() {
        try {
            return new DerbySession();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void checkpoint() {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CALL SYSCS_UTIL.SYSCS_CHECKPOINT_DATABASE()");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            DriverManager.getConnection(url + ";shutdown=true").close();
        } catch (SQLException e) {
            if (!"08006".equals(e.getSQLState())) { // 08006 is Derby's "database shut down" success
                throw new IllegalStateException(e);
            }
        }
    }

    /** Class 40 is "transaction rollback": deadlock (40001) and lock timeout (40XL1). */
    private static RuntimeException translate(SQLException e) {
        if (e.getSQLState() != null && e.getSQLState().startsWith("40")) {
            return new RetryableException(e);
        }
        return new IllegalStateException(e);
    }

    private final class DerbySession implements Session {
        private final Connection c;
        /** Auto-commit, READ COMMITTED: single reads outside a transaction, as the other stores do them. */
        private final Connection reader;
        private final PreparedStatement[] readOne;
        private final PreparedStatement[] select;
        private final PreparedStatement[] selectForUpdate;
        private final PreparedStatement[] update;
        private final PreparedStatement[] insert;

        DerbySession() throws SQLException {
            c = DriverManager.getConnection(url);
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            reader = DriverManager.getConnection(url);
            reader.setAutoCommit(true);
            reader.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            int n = tables.size();
            readOne = new PreparedStatement[n];
            select = new PreparedStatement[n];
            selectForUpdate = new PreparedStatement[n];
            update = new PreparedStatement[n];
            insert = new PreparedStatement[n];
            for (int i = 0; i < n; i++) {
                String t = tables.get(i);
                readOne[i] = reader.prepareStatement("SELECT v FROM " + t + " WHERE k = ?");
                select[i] = c.prepareStatement("SELECT v FROM " + t + " WHERE k = ?");
                selectForUpdate[i] = c.prepareStatement("SELECT v FROM " + t + " WHERE k = ? FOR UPDATE");
                update[i] = c.prepareStatement("UPDATE " + t + " SET v = ? WHERE k = ?");
                insert[i] = c.prepareStatement("INSERT INTO " + t + " (k, v) VALUES (?, ?)");
            }
        }

        @Override
        public void begin() {
            // JDBC transactions begin implicitly with the first statement.
        }

        private byte[] query(PreparedStatement ps, byte[] key) {
            try {
                ps.setBytes(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getBytes(1) : null;
                }
            } catch (SQLException e) {
                throw translate(e);
            }
        }

        @Override
        public byte[] get(int table, byte[] key) {
            return query(select[table], key);
        }

        @Override
        public byte[] getForUpdate(int table, byte[] key) {
            return query(selectForUpdate[table], key);
        }

        @Override
        public void put(int table, byte[] key, byte[] value) {
            try {
                PreparedStatement u = update[table];
                u.setBytes(1, value);
                u.setBytes(2, key);
                if (u.executeUpdate() == 0) {
                    insert(table, key, value);
                }
            } catch (SQLException e) {
                throw translate(e);
            }
        }

        @Override
        public void insert(int table, byte[] key, byte[] value) {
            try {
                PreparedStatement i = insert[table];
                i.setBytes(1, key);
                i.setBytes(2, value);
                i.executeUpdate();
            } catch (SQLException e) {
                throw translate(e);
            }
        }

        @Override
        public void commit() {
            try {
                c.commit();
            } catch (SQLException e) {
                throw translate(e);
            }
        }

        /** Derby has no per-transaction durability; preloads simply commit in large batches. */
        @Override
        public void commitNoSync() {
            commit();
        }

        @Override
        public void abort() {
            try {
                c.rollback();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public byte[] read(int table, byte[] key) {
            return query(readOne[table], key);
        }

        @Override
        public void close() {
            try {
                c.rollback();
                c.close();
                reader.close();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
