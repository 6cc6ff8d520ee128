package org.cairndb.storage;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.tree.LeafPage;
import org.cairndb.tree.Page;
import org.junit.jupiter.api.Test;

/** The page cache stays within its byte budget, keeps pages in use, and gives room back to dirty pages. */
class PageCacheTest {

    static Page page(long pos, int valueBytes) {
        return LeafPage.fromDisk(pos, new byte[][] {{1, 2, 3}}, new Object[] {new byte[valueBytes]});
    }

    @Test
    void staysWithinItsBudgetAndKeepsRecentlyUsedPages() {
        AtomicLong dirty = new AtomicLong();
        PageCache cache = new PageCache(1 << 20, dirty::get);
        Page hot = page(1, 1000);
        cache.put(PageCache.key(1, 1), hot);
        for (int i = 2; i < 5000; i++) {
            cache.put(PageCache.key(1, i), page(i, 1000));
            assertSame(hot, cache.get(PageCache.key(1, 1)), "a page used all the time stays (second chance)");
            assertTrue(cache.usedBytes() <= (1 << 20) + 2000, "over budget: " + cache.usedBytes());
        }
        assertTrue(cache.evictions() > 3000);
        assertNull(cache.get(PageCache.key(1, 2)), "an old page nobody used went first");
    }

    @Test
    void dirtyPagesTakeRoomFromCleanOnes() {
        AtomicLong dirty = new AtomicLong();
        PageCache cache = new PageCache(1 << 20, dirty::get);
        for (int i = 1; i < 900; i++) {
            cache.put(PageCache.key(1, i), page(i, 1000));
        }
        long before = cache.usedBytes();
        assertTrue(before > 800_000);
        dirty.set(700_000);
        cache.evictIfNeeded();
        assertTrue(cache.usedBytes() <= (1 << 20) - 700_000 + 2000, "clean pages should shrink to make room: "
                + cache.usedBytes());
        dirty.set(1 << 21); // more dirty than the whole cache: a tenth stays for clean pages
        cache.evictIfNeeded();
        assertTrue(cache.usedBytes() > 0 && cache.usedBytes() <= (1 << 20) / 10 + 2000, "floor: " + cache.usedBytes());
    }

    @Test
    void removingADatabaseForgetsItsPages() {
        PageCache cache = new PageCache(1 << 20, () -> 0);
        cache.put(PageCache.key(1, 5), page(5, 10));
        cache.put(PageCache.key(2, 5), page(5, 10));
        cache.removeDatabase(1);
        assertNull(cache.get(PageCache.key(1, 5)));
        assertNotNull(cache.get(PageCache.key(2, 5)));
    }
}
