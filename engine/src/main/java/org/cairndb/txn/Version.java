package org.cairndb.txn;

import org.cairndb.log.CommitPoint;
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
    private final CommitPoint lastCommit;

    /** A version whose last commit is unknown (an empty environment). */
    public Version(long ts, Root[] roots) {
        this(ts, roots, CommitPoint.UNKNOWN);
    }

    /**
     * @param lastCommit the last commit whose writes this version holds, its position as
     *                   {@link Txn#commitPosition()}; checkpoints keep it in the data files, so that
     *                   a recovery that replays nothing can still name it, and a recovery to a target
     *                   can tell whether the data files already hold a commit after it
     */
    public Version(long ts, Root[] roots, CommitPoint lastCommit) {
        this.ts = ts;
        this.roots = roots;
        this.lastCommit = lastCommit;
    }

    /** This version with other roots (a database created or removed): the same commits. */
    public Version withRoots(Root[] newRoots) {
        return new Version(ts, newRoots, lastCommit);
    }

    /** This version (the same trees) ending at another last commit: recovery's, once its replay is done. */
    public Version withLastCommit(CommitPoint commit) {
        return new Version(ts, roots, commit);
    }

    /** The version after this one holding {@code newRoots}, with no commit newer than this one's. */
    public Version next(long newTs, Root[] newRoots) {
        return new Version(newTs, newRoots, lastCommit);
    }

    public long ts() {
        return ts;
    }

    public CommitPoint lastCommit() {
        return lastCommit;
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
