package org.cairndb.archive;

/** Keeps a copy below a number of bytes per second (for {@code --max-rate}): says how long to wait between chunks. */
public final class RateLimiter {

    private final double bytesPerNano;
    private final long start = System.nanoTime();
    private long bytes;

    public RateLimiter(double megabytesPerSecond) {
        if (!(megabytesPerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive: " + megabytesPerSecond + " MB/s");
        }
        this.bytesPerNano = megabytesPerSecond * 1_000_000 / 1e9;
    }

    /** Accounts for {@code n} more bytes; returns the nanoseconds to wait before the next ones (0 when under the rate). */
    public long delayNanos(long n) {
        bytes += n;
        long due = start + (long) (bytes / bytesPerNano);
        return Math.max(0, due - System.nanoTime());
    }
}
