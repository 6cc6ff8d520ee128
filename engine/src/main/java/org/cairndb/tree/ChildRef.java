package org.cairndb.tree;

/**
 * A branch page's reference to a child: the child object while it is unsaved (so it cannot be
 * lost), its disk position once a checkpoint has written it (and then the object only through the
 * cache). Copies of a branch share the references of the children they did not change, so the
 * position a checkpoint fills in is seen by every version. The position is set before the object
 * is dropped, and both fields are volatile, so a reader that finds no object finds the position.
 */
public final class ChildRef {

    private volatile Page page;
    private volatile long pos;

    public ChildRef(Page page) {
        this.page = page;
    }

    public ChildRef(long pos) {
        this.pos = pos;
    }

    public Page get(PageLoader loader) {
        Page p = page;
        return p != null ? p : loader.load(pos);
    }

    /** The unsaved child object, or null once it is on disk. */
    public Page unsaved() {
        return page;
    }

    public long pos() {
        return pos;
    }

    /** Called by the checkpoint after writing the child at {@code p}. */
    public void saved(long p) {
        pos = p;
        page = null;
    }
}
