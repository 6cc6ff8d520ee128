package org.cairndb.rar;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.Cursor;
import org.cairndb.Database;

/** A connection handle: checks its own state and hands every operation to its managed connection. */
public class CairnConnectionImpl implements CairnConnection {

    private volatile CairnManagedConnection mc;
    private volatile boolean closed;
    private volatile String invalidReason;

    CairnConnectionImpl(CairnManagedConnection mc) {
        this.mc = mc;
    }

    CairnManagedConnection managedConnection() {
        return mc;
    }

    void associate(CairnManagedConnection other) {
        this.mc = other;
        this.invalidReason = null;
    }

    void invalidate(String reason) {
        this.invalidReason = reason;
    }

    private CairnManagedConnection mc() {
        if (closed) {
            throw new IllegalStateException("this Cairn connection is closed");
        }
        String why = invalidReason;
        if (why != null) {
            throw new IllegalStateException("this Cairn connection is no longer valid: " + why);
        }
        return mc;
    }

    private Database db(CairnManagedConnection m, String database) {
        if (database == null || database.isEmpty()) {
            throw new IllegalArgumentException("give a database name");
        }
        return m.database(database);
    }

    @Override
    public byte[] get(String database, byte[] key) {
        CairnManagedConnection m = mc();
        Database db = db(m, database);
        return m.execute(t -> db.get(t, key));
    }

    @Override
    public byte[] getForUpdate(String database, byte[] key) {
        CairnManagedConnection m = mc();
        Database db = db(m, database);
        return m.execute(t -> db.getForUpdate(t, key));
    }

    @Override
    public void put(String database, byte[] key, byte[] value) {
        CairnManagedConnection m = mc();
        Database db = db(m, database);
        m.execute(t -> {
            db.put(t, key, value);
            return null;
        });
    }

    @Override
    public boolean putIfAbsent(String database, byte[] key, byte[] value) {
        CairnManagedConnection m = mc();
        Database db = db(m, database);
        return m.execute(t -> db.putIfAbsent(t, key, value));
    }

    @Override
    public boolean delete(String database, byte[] key) {
        CairnManagedConnection m = mc();
        Database db = db(m, database);
        return m.execute(t -> db.delete(t, key));
    }

    @Override
    public List<KeyValue> scan(String database, byte[] from, byte[] to, int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        CairnManagedConnection m = mc();
        Database db = db(m, database);
        return m.execute(t -> {
            List<KeyValue> out = new ArrayList<>();
            try (Cursor c = db.openCursor(t, from, to)) {
                for (boolean ok = c.first(); ok && out.size() < limit; ok = c.next()) {
                    out.add(new KeyValue(c.key(), c.value()));
                }
            }
            return out;
        });
    }

    @Override
    public long count(String database) {
        CairnManagedConnection m = mc();
        Database db = db(m, database);
        return m.execute(t -> db.count());
    }

    @Override
    public String getString(String database, String key) {
        byte[] v = get(database, key.getBytes(StandardCharsets.UTF_8));
        return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    @Override
    public void putString(String database, String key, String value) {
        put(database, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String environmentName() {
        return mc().environmentName();
    }

    @Override
    public boolean isValid(int timeoutSeconds) {
        return !closed && invalidReason == null && mc.isUsable();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CairnManagedConnection m = mc;
        if (m != null && invalidReason == null) {
            m.handleClosed(this);
        }
    }

    @Override
    public String toString() {
        return "CairnConnection[" + mc + (closed ? ", closed" : invalidReason != null ? ", invalid" : "") + "]";
    }
}
