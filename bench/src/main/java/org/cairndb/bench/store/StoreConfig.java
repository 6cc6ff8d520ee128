package org.cairndb.bench.store;

/**
 * The settings every store gets the same way.
 *
 * @param cacheBytes  bytes of cache for pages or records (the same budget for every store)
 * @param checkpoints whether the store may checkpoint (or flush memtables) in the background; the
 *                    recovery harness turns this off so that all the log written stays to replay
 */
public record StoreConfig(long cacheBytes, boolean checkpoints) {

    /** Cache size from {@code -Dbench.cache=512m} (default 512 MiB), background checkpoints on. */
    public static StoreConfig defaults() {
        return new StoreConfig(parseSize(System.getProperty("bench.cache", "512m")), true);
    }

    public StoreConfig withoutCheckpoints() {
        return new StoreConfig(cacheBytes, false);
    }

    public StoreConfig withCache(long bytes) {
        return new StoreConfig(bytes, checkpoints);
    }

    static long parseSize(String s) {
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        long unit = 1;
        char last = t.charAt(t.length() - 1);
        if (last == 'k' || last == 'm' || last == 'g') {
            unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
            t = t.substring(0, t.length() - 1);
        }
        return Long.parseLong(t) * unit;
    }
}
