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
    private final long lastCommitTxnId;
    private final long lastCommitMillis;
    private final long lastCommitLsn;

    /** A version whose last commit is unknown (an empty environment). */
    public Version(long ts, Root[] roots) {
        this(ts, roots, 0, 0, 0);
    }

    /**
     * @param lastCommitTxnId  the last transaction whose writes this version holds (0: unknown)
     * @param lastCommitMillis its commit time (0: unknown)
     * @param lastCommitLsn    where it lies in the log, as {@link Txn#commitPosition()} (0: unknown);
     *                         checkpoints keep all three in the data files, so that a recovery that
     *                         replays nothing can still name it, and a recovery to a target can tell
     *                         whether the data files already hold a commit after it
     */
    public Version(long ts, Root[] roots, long lastCommitTxnId, long lastCommitMillis, long lastCommitLsn) {
        this.ts = ts;
        this.roots = roots;
        this.lastCommitTxnId = lastCommitTxnId;
        this.lastCommitMillis = lastCommitMillis;
        this.lastCommitLsn = lastCommitLsn;
    }

    /** This version with other roots (a database created or removed): the same commits. */
    public Version withRoots(Root[] newRoots) {
        return new Version(ts, newRoots, lastCommitTxnId, lastCommitMillis, lastCommitLsn);
    }

    /** This version (the same trees) ending at another last commit: recovery's, once its replay is done. */
    public Version withLastCommit(long txnId, long millis, long lsn) {
        return new Version(ts, roots, txnId, millis, lsn);
    }

    /** The version after this one holding {@code newRoots}, with no commit newer than this one's. */
    public Version next(long newTs, Root[] newRoots) {
        return new Version(newTs, newRoots, lastCommitTxnId, lastCommitMillis, lastCommitLsn);
    }

    public long ts() {
        return ts;
    }

    public long lastCommitTxnId() {
        return lastCommitTxnId;
    }

    public long lastCommitMillis() {
        return lastCommitMillis;
    }

    public long lastCommitLsn() {
        return lastCommitLsn;
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
