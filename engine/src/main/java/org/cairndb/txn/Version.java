package org.cairndb.txn;

import org.cairndb.tree.Page;

/**
 * One published, immutable state of every database: the root of each tree and its record count,
 * indexed by database id. Commits publish new versions one after another, each with a timestamp
 * one higher; a reader holding a version sees exactly the commits up to its timestamp.
 */
public final class Version {

    /** A database's tree in this version. */
    public record Root(Page page, long count) {
        public static final Root EMPTY = new Root(null, 0);
    }

    private final long ts;
    private final Root[] roots;

    public Version(long ts, Root[] roots) {
        this.ts = ts;
        this.roots = roots;
    }

    public long ts() {
        return ts;
    }

    /** The tree of database {@code dbId}, or null if the database does not exist in this version. */
    public Root root(int dbId) {
        return dbId < roots.length ? roots[dbId] : null;
    }

    /** A copy of the roots array, at least {@code minLength} long, for building the next version. */
    public Root[] copyRoots(int minLength) {
        Root[] r = new Root[Math.max(minLength, roots.length)];
        System.arraycopy(roots, 0, r, 0, roots.length);
        return r;
    }

    public int capacity() {
        return roots.length;
    }
}
