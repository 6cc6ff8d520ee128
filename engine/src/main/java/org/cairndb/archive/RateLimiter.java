package org.cairndb.archive;

/** Keeps a copy below a number of bytes per second (for {@code --max-rate}), by waiting between chunks. */
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

    /** Accounts for {@code n} bytes, waiting until they fit under the rate. */
    public void acquire(long n) {
        bytes += n;
        long due = start + (long) (bytes / bytesPerNano);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                java.util.concurrent.TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
