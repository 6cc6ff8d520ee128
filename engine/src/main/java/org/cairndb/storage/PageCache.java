package org.cairndb.storage;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.cairndb.tree.Page;

/**
 * The cache of clean pages (pages that are on disk), shared by every database of an environment
 * and bounded in bytes. Unsaved (dirty) pages are not in it (their parents hold them) but count
 * against the same budget, so the cache shrinks while dirty pages pile up and a checkpoint gives
 * the room back.
 *
 * <p>Lookups take no lock. Eviction is CLOCK (second chance): entries sit in a FIFO queue; the one
 * at the head is evicted unless it was used since it last passed the head, in which case it goes
 * round again.
 */
public final class PageCache {

    private static final class Entry {
        final long key;
        final Page page;
        final int size;
        volatile boolean referenced;

        Entry(long key, Page page) {
            this.key = key;
            this.page = page;
            this.size = page.memory();
        }
    }

    private final long capacity;
    private final LongSupplier dirtyBytes;
    private final ConcurrentHashMap<Long, Entry> map = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<Entry> clock = new ConcurrentLinkedQueue<>();
    private final AtomicLong used = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
    private final LongAdder hits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder evictions = new LongAdder();
    private final Object evictLock = new Object();

    public PageCache(long capacity, LongSupplier dirtyBytes) {
        this.capacity = capacity;
        this.dirtyBytes = dirtyBytes;
    }

    /** Cache key of page {@code pageNo} of database {@code dbId}. */
    public static long key(int dbId, long pageNo) {
        return ((long) dbId << 40) | pageNo;
    }

    public Page get(long key) {
        Entry e = map.get(key);
        if (e == null) {
            misses.increment();
            return null;
        }
        hits.increment();
        if (!e.referenced) {
            e.referenced = true;
        }
        return e.page;
    }

    public void put(long key, Page page) {
        Entry e = new Entry(key, page);
        Entry old = map.put(key, e);
        if (old != null) {
            used.addAndGet(-old.size);
        }
        used.addAndGet(e.size);
        clock.add(e);
        if (queued.incrementAndGet() > 2 * map.size() + 1024) {
            purgeStale();
        }
        evictIfNeeded();
    }

    /** Forgets a page (its disk space is being reused). */
    public void remove(long key) {
        Entry old = map.remove(key);
        if (old != null) {
            used.addAndGet(-old.size);
        }
    }

    /** Forgets every page of a database. */
    public void removeDatabase(int dbId) {
        map.keySet().removeIf(k -> (k >>> 40) == dbId);
        long total = 0;
        for (Entry e : map.values()) {
            total += e.size;
        }
        used.set(total);
    }

    /** Evicts while clean plus dirty bytes exceed the capacity (keeping at least a tenth for clean pages). */
    public void evictIfNeeded() {
        if (!overBudget()) {
            return;
        }
        synchronized (evictLock) {
            int rounds = queued.get() * 2 + 16;
            while (overBudget() && rounds-- > 0) {
                Entry e = clock.poll();
                if (e == null) {
                    return;
                }
                queued.decrementAndGet();
                if (map.get(e.key) != e) {
                    continue; // replaced or removed: a stale queue entry
                }
                if (e.referenced) {
                    e.referenced = false;
                    clock.add(e);
                    queued.incrementAndGet();
                    continue;
                }
                if (map.remove(e.key, e)) {
                    used.addAndGet(-e.size);
                    evictions.increment();
                }
            }
        }
    }

    /** Drops queue entries whose page was replaced or removed, so the queue stays near the map's size. */
    private void purgeStale() {
        synchronized (evictLock) {
            int removed = 0;
            for (java.util.Iterator<Entry> it = clock.iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (map.get(e.key) != e) {
                    it.remove();
                    removed++;
                }
            }
            queued.addAndGet(-removed);
        }
    }

    private boolean overBudget() {
        long clean = used.get();
        long budget = Math.max(capacity / 10, capacity - dirtyBytes.getAsLong());
        return clean > budget;
    }

    public long capacity() {
        return capacity;
    }

    public long usedBytes() {
        return used.get();
    }

    public long hits() {
        return hits.sum();
    }

    public long misses() {
        return misses.sum();
    }

    public long evictions() {
        return evictions.sum();
    }
}
