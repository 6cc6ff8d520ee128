package org.cairndb.env;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The databases of an environment, by name and by id. There is no separate catalog file: each
 * data file's header names its database, and creations and removals are logged. Database ids are
 * never reused, so a log record's database id always means one incarnation of a database.
 *
 * <p>The read lock is held by checkpoints; creating or removing a database takes the write lock.
 */
public final class Catalog {

    private final Map<String, DatabaseImpl> byName = new ConcurrentHashMap<>();
    private final Map<Integer, DatabaseImpl> byId = new ConcurrentHashMap<>();
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile int nextDbId = 1;

    public ReentrantReadWriteLock lock() {
        return lock;
    }

    public DatabaseImpl byName(String name) {
        return byName.get(name);
    }

    public DatabaseImpl byId(int id) {
        return byId.get(id);
    }

    public String nameOf(int id) {
        DatabaseImpl d = byId.get(id);
        return d == null ? "#" + id : d.name();
    }

    public Collection<DatabaseImpl> all() {
        List<DatabaseImpl> list = new ArrayList<>(byId.values());
        list.sort((a, b) -> Integer.compare(a.id(), b.id()));
        return list;
    }

    public List<String> names() {
        List<String> names = new ArrayList<>(byName.keySet());
        names.sort(null);
        return names;
    }

    void add(DatabaseImpl db) {
        byName.put(db.name(), db);
        byId.put(db.id(), db);
        noteId(db.id());
    }

    void remove(DatabaseImpl db) {
        byName.remove(db.name(), db);
        byId.remove(db.id(), db);
        db.markRemoved();
    }

    public int nextDbId() {
        return nextDbId;
    }

    /** Makes sure ids up to {@code id} are never handed out again. */
    void noteId(int id) {
        if (id >= nextDbId) {
            nextDbId = id + 1;
        }
    }

    void noteNextId(int next) {
        if (next > nextDbId) {
            nextDbId = next;
        }
    }

    int allocateId() {
        return nextDbId++;
    }

    /** Database names are file names: letters, digits, '_', '-', '.', 1 to 100 characters, not starting with '.'. */
    public static String checkName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("the database name must not be null");
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("the database name is empty; it must have 1 to 100 characters");
        }
        if (name.length() > 100) {
            throw new IllegalArgumentException("database name '" + name.substring(0, 20) + "...' has " + name.length()
                    + " characters; it must have 1 to 100");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
                    || c == '-' || (c == '.' && i > 0);
            if (!ok) {
                throw new IllegalArgumentException("database name '" + name + "' may only contain letters, digits, '_', '-' and"
                        + " '.' (not first)");
            }
        }
        return name;
    }
}
