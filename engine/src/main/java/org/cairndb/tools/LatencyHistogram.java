package org.cairndb.tools;

/**
 * Latencies in nanoseconds, in log-linear buckets: exact below 128 ns, then 64 buckets per power
 * of two, so any percentile is within 1.6% of the truth while memory stays fixed (32 KiB) however
 * long a benchmark runs. Not thread-safe: each worker keeps its own and they are merged at the end.
 */
public final class LatencyHistogram {

    private static final int SUB_BITS = 6;
    private static final int SUB = 1 << SUB_BITS;
    private static final int BUCKETS = SUB * 64;

    private final long[] counts = new long[BUCKETS];
    private long total;
    private long max;

    public void record(long nanos) {
        long v = Math.max(0, nanos);
        counts[index(v)]++;
        total++;
        max = Math.max(max, v);
    }

    public void add(LatencyHistogram other) {
        for (int i = 0; i < BUCKETS; i++) {
            counts[i] += other.counts[i];
        }
        total += other.total;
        max = Math.max(max, other.max);
    }

    public long count() {
        return total;
    }

    /** The largest value recorded, exactly. */
    public long max() {
        return max;
    }

    /** The value at quantile {@code q} (0..1): a bucket's midpoint, never more than {@link #max()}. */
    public long quantile(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return Math.min(max, midpoint(i));
            }
        }
        return max;
    }

    static int index(long v) {
        if (v < 2 * SUB) {
            return (int) v;
        }
        int exponent = 63 - Long.numberOfLeadingZeros(v);
        int shift = exponent - SUB_BITS;
        long top = v >>> shift; // in [SUB, 2 * SUB)
        return (shift + 1) * SUB + (int) (top - SUB);
    }

    static long midpoint(int index) {
        if (index < 2 * SUB) {
            return index;
        }
        int shift = index / SUB - 1;
        long top = SUB + index % SUB;
        return (top << shift) + (1L << shift) / 2;
    }
}
