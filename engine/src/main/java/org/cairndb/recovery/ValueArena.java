package org.cairndb.recovery;

import java.nio.ByteBuffer;

/**
 * Where recovery's reading thread puts the values it decodes: copied one after another into
 * slabs, large arrays that the garbage collector does not copy again and again as it would
 * millions of small ones (see {@link org.cairndb.tree.LeafPage} for why, for how a leaf refers to
 * a value in a slab, and for when the values leave the slabs).
 *
 * <p>Slabs start small, so that replaying a few records does not take megabytes, and double up
 * to {@link #MAX_SLAB}: in most heaps just under 4 MiB, which the G1 collector allocates directly in the old
 * generation when its regions are 4 MiB or smaller (heaps below 16 GB; an array of at least half a
 * region is "humongous"), and whose array header still fits in whole 1 MiB regions. With larger
 * regions a slab is still one object, copied in one piece. A value larger than {@link #LARGEST} is
 * not put in a slab but in an array of its own (by the caller), as before: such values are few, and
 * most become overflow values anyway.
 *
 * <p>Used by one thread.
 */
final class ValueArena {

    /** The first slab's size: small enough that replaying a few records takes little memory. */
    static final int FIRST_SLAB = 64 << 10;
    /**
     * Just under 4 MiB, or less in a small heap (a 512th of it): the collector does not move
     * humongous arrays, and in a heap of a hundred megabytes a few of them scattered over it left
     * no room for the next one although most of the heap was free.
     */
    static final int MAX_SLAB = (int) Math.min((4 << 20) - 64, Math.max(FIRST_SLAB, Runtime.getRuntime().maxMemory() / 512));
    static final int LARGEST = 1024;

    private byte[] slab;
    private int used;
    private long allocated;

    /**
     * Copies the next {@code length} bytes of {@code b} (at most {@link #LARGEST}) into the current
     * slab, or a new one when they do not fit; returns where they start in {@link #slab()}.
     */
    int append(ByteBuffer b, int length) {
        if (slab == null || slab.length - used < length) {
            int size = (int) Math.min(MAX_SLAB, Math.max(FIRST_SLAB, allocated));
            slab = new byte[size];
            used = 0;
            allocated += size;
        }
        int at = used;
        b.get(slab, at, length);
        used += length;
        return at;
    }

    /** The slab the last {@link #append} wrote to. */
    byte[] slab() {
        return slab;
    }

    /** Bytes of slabs allocated so far. */
    long allocated() {
        return allocated;
    }
}
