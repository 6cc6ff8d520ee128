package org.cairndb.util;

/** Waiting for the engine's own background threads and tasks. */
public final class Threads {

    private Threads() {
    }

    /**
     * Waits up to {@code millis} for {@code t} to end, also when the calling thread is or becomes
     * interrupted; the interrupt is kept for the caller. A close must not go on (closing the log and
     * the files) while a checkpoint, an archiving pass or a preallocation still uses them, and
     * {@link Thread#join(long)} of an interrupted thread returns at once.
     */
    public static void joinUninterruptibly(Thread t, long millis) {
        boolean interrupted = Thread.interrupted();
        long deadline = System.nanoTime() + millis * 1_000_000L;
        try {
            while (t.isAlive()) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) {
                    return;
                }
                try {
                    t.join(left);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Throws what a background task failed with ({@code e}'s cause) as the task threw it, so that
     * the caller's callers see the same exception (a full disk's {@link java.io.IOException}, say)
     * as if the work had run in their own thread; a checked cause of another kind comes wrapped in
     * an {@link IllegalStateException} saying {@code what} failed.
     */
    public static RuntimeException rethrowCause(java.util.concurrent.ExecutionException e, String what)
            throws java.io.IOException {
        Throwable cause = e.getCause();
        if (cause instanceof java.io.IOException io) {
            throw io;
        }
        if (cause instanceof RuntimeException re) {
            throw re;
        }
        if (cause instanceof Error err) {
            throw err;
        }
        throw new IllegalStateException(what + " failed", cause);
    }
}
