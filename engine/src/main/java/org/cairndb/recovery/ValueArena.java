package org.cairndb.recovery;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.cairndb.log.PayloadInput;

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
 * <p>Each new slab is allocated ahead, by a thread of its own ({@link #allocateAhead}), while the
 * reading thread fills the one before. A new array's memory is zeroed where it is allocated, and
 * memory the process has not touched before costs a page fault per 4 KiB page on top: on this
 * project's virtual machines some 3 ms a megabyte, 0.6 s of the reading thread's 1.5 s in a
 * catastrophic recovery of 200 MB of 100-byte records. The reading thread sets the pace of a
 * replay; the thread allocating ahead runs beside it on a core the applying thread leaves idle
 * most of the time.
 *
 * <p>Used by one thread (apart from the allocation ahead).
 */
final class ValueArena implements AutoCloseable {

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
    /** Null: slabs are allocated by the reading thread as they are needed. */
    private ExecutorService ahead;
    /** The next slab, being allocated ahead, or null. */
    private Future<byte[]> next;

    /** From now on, allocates each next slab ahead in a daemon thread called {@code threadName}, until {@link #close}. */
    void allocateAhead(String threadName) {
        ahead = RecoveryThreads.single(threadName);
    }

    /**
     * Copies the next {@code length} bytes of {@code b} (at most {@link #LARGEST}) into the current
     * slab, or a new one when they do not fit; returns where they start in {@link #slab()}.
     */
    int append(PayloadInput b, int length) {
        if (slab == null || slab.length - used < length) {
            slab = nextSlab();
            used = 0;
            allocated += slab.length;
            if (ahead != null) {
                int size = sizeAfter(allocated);
                next = ahead.submit(() -> new byte[size]);
            }
        }
        int at = used;
        b.get(slab, at, length);
        used += length;
        return at;
    }

    private static int sizeAfter(long allocated) {
        return (int) Math.min(MAX_SLAB, Math.max(FIRST_SLAB, allocated));
    }

    private byte[] nextSlab() {
        Future<byte[]> f = next;
        next = null;
        if (f == null) {
            return new byte[sizeAfter(allocated)];
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the next slab of replayed values", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error err) {
                throw err; // OutOfMemoryError: as if the reading thread had allocated it
            }
            throw new IllegalStateException("allocating the next slab of replayed values failed", e.getCause());
        }
    }

    /** Stops allocating ahead. */
    @Override
    public void close() {
        if (ahead != null) {
            ahead.shutdownNow();
            ahead = null;
            next = null;
        }
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
