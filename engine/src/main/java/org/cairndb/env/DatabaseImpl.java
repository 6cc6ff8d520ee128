package org.cairndb.env;

import java.util.concurrent.atomic.LongAdder;
import org.cairndb.DatabaseNotFoundException;
import org.cairndb.StorageException;
import org.cairndb.storage.DataFile;

/** A database of an open environment: its id, name and data file. */
public final class DatabaseImpl {

    private final int id;
    private final String name;
    private final DataFile file;
    private volatile boolean removed;
    /** Set while a removal decides whether it may go ahead; writes wait for the decision. */
    private volatile boolean removing;
    /** Writes being added to transactions right now (between {@link #enterWrite} and {@link #exitWrite}). */
    private final LongAdder writers = new LongAdder();

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

    /**
     * Called before a write to this database is added to a transaction. A removal refuses while
     * any transaction has written to the database; without this handshake a write could pass the
     * database check, the removal then find no write and log DATABASE_REMOVE, and the write land in
     * the log after it: a commit to a database the log says is gone (recovery then refused to open
     * the environment once a checkpoint had moved its start past the removal). The writer counts
     * itself before looking at the removal flag, the removal sets the flag before it waits for the
     * count to drop: either the writer sees the removal, or the removal sees the write.
     *
     * @throws DatabaseNotFoundException if the database was removed
     */
    public void enterWrite() {
        while (true) {
            writers.increment();
            if (!removing) {
                break;
            }
            writers.decrement();
            while (removing) {
                Thread.onSpinWait(); // a removal is deciding, under the catalog lock: briefly
            }
        }
        if (removed) {
            writers.decrement();
            throw removedError("");
        }
    }

    /** "database 'NAME' was removed", followed by {@code detail}. */
    public DatabaseNotFoundException removedError(String detail) {
        return new DatabaseNotFoundException("database '" + name + "' was removed" + detail);
    }

    /**
     * What to throw when reading this database's file failed: removing the database, or closing
     * the environment, closes the file under a reader that passed its checks just before; the
     * reader is told that instead of "cannot read page N". Otherwise {@code e} itself.
     */
    public RuntimeException readFailure(StorageException e, EnvironmentImpl env, String detailIfRemoved) {
        if (removed) {
            return removedError(detailIfRemoved);
        }
        env.checkUsable();
        return e;
    }

    public void exitWrite() {
        writers.decrement();
    }

    /** A removal begins: new writes wait, and this returns once the writes under way are added. */
    void beginRemoval() {
        removing = true;
        while (writers.sum() != 0) {
            Thread.onSpinWait();
        }
    }

    /** The removal is decided (the database is marked removed first if it went ahead). */
    void endRemoval() {
        removing = false;
    }
}
