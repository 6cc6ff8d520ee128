package org.cairndb.tree;

/**
 * A node of a database's B+tree, in memory. Pages are copy-on-write: a published page never
 * changes (except for its disk position, filled in once). A commit that changes a page works on
 * a copy stamped with its own epoch, and may change that copy freely until the new version of the
 * tree is published; pages of older epochs stay exactly as readers of older versions saw them.
 */
public abstract class Page extends Persistable {

    /** Bytes of page header in front of the payload on disk; see {@link PageFormat}. */
    public static final int HEADER = PageFormat.HEADER_SIZE;

    /** The apply epoch that created this page (0 for a page read from disk). */
    final long epoch;

    protected Page(long epoch) {
        this.epoch = epoch;
    }

    protected Page(long pos, boolean fromDisk) {
        super(pos);
        this.epoch = 0;
    }

    public abstract boolean isLeaf();

    /** Number of entries (leaf) or children (branch). */
    public abstract int count();

    /** Bytes the payload takes on disk. */
    public abstract int payloadSize();

    /** A copy owned by {@code newEpoch}, free to be changed until that epoch is published. */
    abstract Page copy(long newEpoch);
}
