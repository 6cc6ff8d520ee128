package org.cairndb.storage;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.cairndb.util.MonotonicClock;

/**
 * Which pages of a data file are in use. A page freed by copy-on-write goes through three states
 * before anything may be written over it:
 *
 * <ol>
 * <li><b>incoming</b>: a commit with timestamp {@code ts} replaced it. Versions older than
 * {@code ts} still hold it.</li>
 * <li><b>pending</b>: the checkpoint of generation {@code g} whose captured version is at or after
 * {@code ts} collected it. Generation {@code g-1}, still valid on disk, may hold it.</li>
 * <li><b>free</b>: once generation {@code g} is durable, no reader holds a snapshot older than
 * {@code ts}, no running backup started before generation {@code g}'s header was written, and the
 * page-reuse delay has passed since then (so a plain file copy taken while writers run sees
 * consistent pages). Only then is its bit cleared.</li>
 * </ol>
 *
 * Only the checkpoint thread allocates and collects; writers and the checkpoint add incoming
 * entries concurrently.
 *
 * <p>On disk the map is a run of SPACE_MAP pages (see {@code PageFormat}) holding, big-endian:
 * {@code 8} file size in pages, {@code 4} number of pending extents, per extent {@code 8} first
 * page, {@code 4} pages, {@code 8} time freed (ms; {@code Long.MAX_VALUE} for extents freed by the
 * checkpoint that wrote the map, whose header's checkpoint time stands in), then the allocation
 * bitmap, {@code (pageCount + 7) / 8} bytes (bit {@code p % 8} of byte {@code p / 8} set when page
 * {@code p} is in use or pending).
 */
final class SpaceMap {

    private record Incoming(long pos, int pages, long ts, long millis) {
    }

    private record Pending(long pos, int pages, long ts, long generation, long millis) {
    }

    private final BitSet allocated = new BitSet();
    private long pageCount;
    private final List<Pending> pending = new ArrayList<>();
    private final ConcurrentLinkedQueue<Incoming> incoming = new ConcurrentLinkedQueue<>();
    private long searchFrom = 2;

    /** A map for a new file: only the two header pages. */
    SpaceMap() {
        allocated.set(0, 2);
        pageCount = 2;
    }

    long pageCount() {
        return pageCount;
    }

    /** Pages in use or pending (the file's live size). */
    long usedPages() {
        return allocated.cardinality();
    }

    int pendingExtents() {
        return pending.size() + incoming.size();
    }

    /** Records pages replaced by commit {@code ts}. Thread-safe. */
    void free(long pos, int pages, long ts) {
        incoming.add(new Incoming(pos, pages, ts, MonotonicClock.SYSTEM.millis()));
    }

    /**
     * Moves incoming extents replaced at or before {@code versionTs} to pending for {@code generation}.
     * Their clock for the reuse delay starts only when that generation's header is on disk
     * ({@link #stampCollected}): until then the previous header, which still reaches them, is the
     * one a file copy may pick up.
     */
    void collect(long versionTs, long generation) {
        for (Iterator<Incoming> it = incoming.iterator(); it.hasNext(); ) {
            Incoming in = it.next();
            if (in.ts() <= versionTs) {
                pending.add(new Pending(in.pos(), in.pages(), in.ts(), generation, Long.MAX_VALUE));
                it.remove();
            }
        }
    }

    /** Whether {@link #collect} with {@code versionTs} would move anything. */
    boolean hasCollectable(long versionTs) {
        for (Incoming in : incoming) {
            if (in.ts() <= versionTs) {
                return true;
            }
        }
        return false;
    }

    /** Starts the reuse clock of the extents pending for {@code generation}: its header is now durable. */
    void stampCollected(long generation, long millis) {
        for (java.util.ListIterator<Pending> it = pending.listIterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.generation() == generation && p.millis() == Long.MAX_VALUE) {
                it.set(new Pending(p.pos(), p.pages(), p.ts(), p.generation(), millis));
            }
        }
    }

    /**
     * Frees pending extents that no one can need any more: collected by a generation at or before
     * {@code durableGeneration}, replaced at or before every open snapshot ({@code minSnapshotTs}),
     * freed before {@code notAfterMillis} (which accounts for the reuse delay and running backups).
     * Returns the freed extents' first pages, so that the cache can forget them.
     */
    List<long[]> release(long durableGeneration, long minSnapshotTs, long notAfterMillis) {
        List<long[]> released = new ArrayList<>();
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (p.generation() <= durableGeneration && p.ts() <= minSnapshotTs && p.millis() <= notAfterMillis) {
                allocated.clear((int) p.pos(), (int) (p.pos() + p.pages()));
                searchFrom = Math.min(searchFrom, p.pos());
                released.add(new long[] {p.pos(), p.pages()});
                it.remove();
            }
        }
        return released;
    }

    /** Allocates {@code n} contiguous pages, first fit, growing the file if no hole is large enough. */
    long allocate(int n) {
        int first = (int) Math.max(2, searchFrom);
        int from = first;
        while (true) {
            int start = allocated.nextClearBit(from);
            if (start >= pageCount) {
                break;
            }
            int end = allocated.nextSetBit(start);
            if (end < 0 || end > pageCount) {
                end = (int) pageCount;
            }
            if (end - start >= n) {
                allocated.set(start, start + n);
                if (n == 1 || start == searchFrom) {
                    searchFrom = start + n;
                }
                return start;
            }
            from = end;
        }
        // Append at the end; a hole that reaches the end is extended.
        int start = (int) pageCount;
        while (start > 2 && !allocated.get(start - 1)) {
            start--;
        }
        allocated.set(start, start + n);
        pageCount = Math.max(pageCount, start + n);
        // Later searches may skip what lies before the new end only if nothing there is free: holes
        // too small for this extent still serve smaller ones (single pages, most of all).
        if (allocated.nextClearBit(first) >= start) {
            searchFrom = start + n;
        }
        if (pageCount > Integer.MAX_VALUE - 1) {
            throw new IllegalStateException("data file exceeds " + Integer.MAX_VALUE + " pages");
        }
        return start;
    }

    /** Serializes the map (with pending extents marked in use). */
    byte[] encode() {
        int bitmapBytes = (int) ((pageCount + 7) / 8);
        ByteBuffer b = ByteBuffer.allocate(12 + 20 * pending.size() + bitmapBytes);
        b.putLong(pageCount).putInt(pending.size());
        for (Pending p : pending) {
            b.putLong(p.pos()).putInt(p.pages()).putLong(p.millis());
        }
        byte[] bits = allocated.toByteArray();
        b.put(bits, 0, Math.min(bits.length, bitmapBytes));
        return b.array();
    }

    /** Size {@link #encode()} will have if {@code extra} more pending extents are added first. */
    int encodedSize(int extra) {
        return 12 + 20 * (pending.size() + extra) + (int) ((pageCount + 7) / 8);
    }

    /**
     * Reads a map written by {@link #encode()}. Pending extents come back as freed by a durable
     * generation, with no snapshot holding them: only the reuse delay still applies, counted from
     * when they were stamped, or from {@code headerMillis} (the header's checkpoint time) for those
     * of the generation that wrote the map.
     */
    static SpaceMap decode(ByteBuffer b, long headerMillis) {
        SpaceMap m = new SpaceMap();
        m.pageCount = b.getLong();
        int n = b.getInt();
        if (n < 0 || n > b.remaining() / 20) {
            throw new IllegalArgumentException("space map has an impossible number of pending extents: " + n);
        }
        for (int i = 0; i < n; i++) {
            long pos = b.getLong();
            int pages = b.getInt();
            long millis = b.getLong();
            // Extents of the generation that wrote the map were not stamped yet: its header time stands in.
            m.pending.add(new Pending(pos, pages, 0, 0, millis == Long.MAX_VALUE ? headerMillis : millis));
        }
        int bitmapBytes = (int) ((m.pageCount + 7) / 8);
        if (b.remaining() < bitmapBytes) {
            throw new IllegalArgumentException("space map bitmap is short: " + b.remaining() + " of " + bitmapBytes + " bytes");
        }
        byte[] bits = new byte[bitmapBytes];
        b.get(bits);
        m.allocated.clear();
        m.allocated.or(BitSet.valueOf(bits));
        m.allocated.set(0, 2);
        return m;
    }

    /** Marks an extent in use (used when rebuilding a map). */
    void markUsed(long pos, int pages) {
        allocated.set((int) pos, (int) (pos + pages));
        pageCount = Math.max(pageCount, pos + pages);
    }

    /** Adds an extent to pending for {@code generation} directly (the old space map's own pages). */
    void addPending(long pos, int pages, long generation) {
        pending.add(new Pending(pos, pages, 0, generation, Long.MAX_VALUE));
    }
}
