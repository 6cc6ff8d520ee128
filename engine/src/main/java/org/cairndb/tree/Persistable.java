package org.cairndb.tree;

/**
 * Something that lives in a data file once a checkpoint has written it: a tree page or an
 * overflow value. In memory it is immutable once published; only its disk position is filled in
 * later, by the checkpoint that writes it.
 *
 * <p>Two events can happen in either order, from two threads: a commit replaces this object in
 * the newest version of the tree (a copy-on-write), and a checkpoint writes it to disk (because an
 * older version it captured still holds it). Whichever comes second sees both facts and hands the
 * disk pages to the {@link PageSink} as freed by that commit, so no page is leaked or freed twice.
 * A replaced object that was never written needs no disk space at all.
 *
 * <p>Unsaved objects count against the environment's dirty-memory budget from the moment they are
 * published ({@link #account}) until they are written or replaced, by exactly the amount added.
 * Recovery keeps one epoch over many published batches, so an object may still change after it
 * was first published; it is published again then, and the count follows its size.
 */
public abstract class Persistable {

    private long pos;
    private long replacedTs;
    private boolean dirty;
    private int accounted;

    /** A new object, not yet on disk. */
    protected Persistable() {
        this.dirty = true;
    }

    /** An object read from disk at {@code pos}. */
    protected Persistable(long pos) {
        this.pos = pos;
    }

    /** First page number on disk, or 0 when not yet written. */
    public final synchronized long pos() {
        return pos;
    }

    /** Whether a commit replaced this object in the newest version. */
    public final synchronized boolean isReplaced() {
        return replacedTs != 0;
    }

    public final synchronized boolean isSaved() {
        return pos != 0;
    }

    /** Estimated heap bytes, for the cache and the dirty-memory budget. */
    public abstract int memory();

    /**
     * Counts this unsaved object against the dirty budget at its current size. Called when its
     * version is published; called again if a writer of the same epoch changed it further (recovery
     * applies many batches in one epoch), it counts only the difference.
     */
    public final void account(PageSink sink) {
        int delta;
        synchronized (this) {
            if (!dirty || replacedTs != 0) {
                return;
            }
            int bytes = Math.max(1, memory());
            delta = bytes - accounted;
            accounted = bytes;
        }
        if (delta > 0) {
            sink.dirtied(delta);
        } else if (delta < 0) {
            sink.cleaned(-delta);
        }
    }

    /** The commit with timestamp {@code ts} replaced this object in the newest version. */
    public final void markReplaced(long ts, PageSink sink) {
        long p;
        int clean;
        synchronized (this) {
            if (replacedTs != 0) {
                return;
            }
            replacedTs = ts;
            p = pos;
            clean = dirty ? accounted : 0;
            dirty = false;
            accounted = 0;
        }
        if (clean != 0) {
            sink.cleaned(clean);
        }
        if (p != 0) {
            sink.free(p, this, ts);
        }
    }

    /** A checkpoint wrote this object at page {@code p}. */
    public final void markSaved(long p, PageSink sink) {
        long replaced;
        int clean;
        synchronized (this) {
            pos = p;
            replaced = replacedTs;
            clean = dirty ? accounted : 0;
            dirty = false;
            accounted = 0;
        }
        if (clean != 0) {
            sink.cleaned(clean);
        }
        if (replaced != 0) {
            sink.free(p, this, replaced);
        }
    }
}
