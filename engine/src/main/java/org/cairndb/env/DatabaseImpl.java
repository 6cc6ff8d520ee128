package org.cairndb.env;

import org.cairndb.storage.DataFile;

/** A database of an open environment: its id, name and data file. */
public final class DatabaseImpl {

    private final int id;
    private final String name;
    private final DataFile file;
    private volatile boolean removed;

    DatabaseImpl(int id, String name, DataFile file) {
        this.id = id;
        this.name = name;
        this.file = file;
    }

    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public DataFile file() {
        return file;
    }

    public int pageSize() {
        return file.pageSize();
    }

    public boolean isRemoved() {
        return removed;
    }

    void markRemoved() {
        removed = true;
    }
}
