package org.cairndb.tree;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * A leaf value whose bytes sit inside a large shared array (a slab) instead of an array of their
 * own: how recovery stores the values it replays.
 *
 * <h2>Why</h2>
 * Recovery decodes every value in the log since the checkpoint, and all of them survive into the
 * trees. As separate arrays (1.8 million of them for the 200 MB benchmark) they filled the young
 * generation again and again, and each young collection copied them all (a third of the reopen was
 * the collector). Copied into slabs of a few megabytes they are a few hundred large arrays, which
 * the collector allocates outside the young generation and never copies; what each leaf holds is
 * this small object.
 *
 * <h2>Lifetime</h2>
 * A slab stays in memory while any value in it does. So a checkpoint that writes a leaf gives each
 * of the leaf's slab values an array of its own ({@link #ownBytes}) and drops its reference to the
 * slab: after the first checkpoint that follows recovery (the daemon's first job) no slab is left.
 * The page may be read meanwhile (it is published), so the change is made with two volatile fields
 * in an order a reader can follow: the own array is set before the slab is dropped, and a reader
 * that finds no slab finds the own array.
 */
public final class SlabValue {

    private volatile byte[] slab;
    private volatile byte[] own;
    private final int offset;
    private final int length;

    public SlabValue(byte[] slab, int offset, int length) {
        this.slab = slab;
        this.offset = offset;
        this.length = length;
    }

    public int length() {
        return length;
    }

    /** The bytes, as an array the caller must not change (a copy while they are in the slab). */
    public byte[] bytes() {
        byte[] s = slab;
        return s != null ? Arrays.copyOfRange(s, offset, offset + length) : own;
    }

    /** Writes the bytes at the buffer's position. */
    void writeTo(ByteBuffer b) {
        byte[] s = slab;
        if (s != null) {
            b.put(s, offset, length);
        } else {
            b.put(own);
        }
    }

    /** Moves the bytes out of the slab into an array of their own; nothing changes for readers. */
    void ownBytes() {
        byte[] s = slab;
        if (s != null) {
            own = Arrays.copyOfRange(s, offset, offset + length);
            slab = null;
        }
    }

    /** Whether the bytes are still in the shared slab. */
    public boolean inSlab() {
        return slab != null;
    }
}
