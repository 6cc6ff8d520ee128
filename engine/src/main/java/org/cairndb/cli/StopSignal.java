package org.cairndb.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Lets a long-running command (a checkpoint daemon, a benchmark) end cleanly on Ctrl-C or a kill:
 * a shutdown hook raises the signal and then waits until the command has closed its environment,
 * so that the process does not exit in the middle of a checkpoint. In tests, interrupting the
 * command's thread stops it the same way.
 */
final class StopSignal implements AutoCloseable {

    private static final long CLEANUP_WAIT_SECONDS = 60;

    private final CountDownLatch stop = new CountDownLatch(1);
    private final CountDownLatch cleanedUp = new CountDownLatch(1);
    private final Thread hook;

    StopSignal() {
        hook = new Thread(() -> {
            stop.countDown();
            try {
                cleanedUp.await(CLEANUP_WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "cairn-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Waits up to {@code millis}; true if a stop was asked for (or the thread was interrupted). */
    boolean await(long millis) {
        try {
            return stop.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            stop.countDown();
            return true;
        }
    }

    /** True if a stop was asked for (or the calling thread was interrupted). */
    boolean requested() {
        if (Thread.currentThread().isInterrupted()) {
            stop.countDown();
        }
        return stop.getCount() == 0;
    }

    /** The command has cleaned up: the hook may let the process exit. */
    @Override
    public void close() {
        cleanedUp.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running: it is waiting for exactly this close.
        }
    }
}
