package org.cairndb.tree;

/** Where the tree reports disk pages that became garbage, and memory that became or stopped being dirty. */
public interface PageSink {

    /** The disk pages of {@code what}, starting at {@code pos}, are not in any version after commit {@code ts}. */
    void free(long pos, Persistable what, long ts);

    /** {@code bytes} of unsaved objects were published and now wait for a checkpoint. */
    void dirtied(int bytes);

    /** {@code bytes} of unsaved objects no longer need writing (written, or replaced before they were). */
    void cleaned(int bytes);
}
