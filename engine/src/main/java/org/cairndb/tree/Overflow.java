package org.cairndb.tree;

/**
 * A value too large to sit in a leaf page (more than a quarter of a page). It is written to its
 * own run of contiguous pages, and the leaf keeps its length and first page. Leaf copies share the
 * same object, so the value is written once however often its leaf is copied.
 */
public final class Overflow extends Persistable {

    private final int length;
    private volatile byte[] data;

    /** A new value, not yet written. */
    public Overflow(byte[] data) {
        this.length = data.length;
        this.data = data;
    }

    /** A value already on disk. */
    public Overflow(long pos, int length) {
        super(pos);
        this.length = length;
    }

    public int length() {
        return length;
    }

    /** The value, read from disk if it is no longer held in memory. */
    public byte[] value(PageLoader loader) {
        byte[] d = data;
        return d != null ? d : loader.readOverflow(pos(), length);
    }

    /** The in-memory bytes, for the checkpoint that writes them. */
    public byte[] dataForWrite() {
        return data;
    }

    /** After the value is on disk, memory need not hold it. */
    public void dropData() {
        data = null;
    }

    @Override
    public int memory() {
        byte[] d = data;
        return 32 + (d == null ? 0 : d.length);
    }
}
