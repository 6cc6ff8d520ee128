package org.cairndb.archive;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.cairndb.io.StorageFile;
import org.cairndb.util.Threads;

/**
 * Forces a file being copied in the background, every {@link #STEP} bytes the copy writes, so that
 * the part of the copy the disk has not yet written stays small.
 *
 * <h2>Why</h2>
 * A copy written through the page cache and forced once, at its end, reaches the disk in one burst:
 * Linux lets a process dirty up to {@code vm.dirty_ratio} of memory (20 % by default, gigabytes on a
 * server) before it starts writing back, so a hot backup's 1 GiB data file sat in memory until its
 * final force and then went out in a burst of up to most of a second, during which every commit of the environment
 * waited for its own force behind it. A {@code --max-rate} only slowed the copy into the page cache;
 * the burst at the end of each file came all the same. Forcing every 64 MiB in another thread, while
 * the copy goes on, keeps at most two steps unwritten: the disk writes the copy as it goes, at the
 * pace the copy is limited to, and its write-back overlaps the copy's reading instead of following it.
 *
 * <p>Measured (docs/benchmarks.md, <i>A hot backup's copy forced as it goes</i>): during the hot
 * backup of a 1 GiB environment the longest commit of a 4-thread SYNC writer fell from a median of
 * 366 ms (189–730) to 90 ms (68–121) with 64 MiB steps, the copy as fast as before (median 808
 * against 820 MB/s). Steps of 16 MiB stalled commits for 51 ms but copied a tenth slower, steps of
 * 4 MiB no shorter and a fifth slower; the writer's commit rate was the same in all.
 *
 * <p>The copy waits only when it has written a whole step more while the previous force still runs
 * (the disk is slower than the copy). A failed background force (a full disk, an I/O error) is
 * thrown by the copy's next call here, so it stops the copy as a failed write would.
 */
final class WriteBehind implements AutoCloseable {

    /** Bytes written between two background forces: 64 MiB. */
    static final long STEP = 64L << 20;

    /** Threads that force; idle ones end after a few seconds, so an idle environment keeps none. */
    private static final ExecutorService FORCES = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 5, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "cairn-copy-write-behind");
                t.setDaemon(true);
                return t;
            });

    private final StorageFile file;
    private long unforced;
    private Future<?> running;

    WriteBehind(StorageFile file) {
        this.file = file;
    }

    /** {@code n} more bytes were written to the file. */
    void wrote(long n) throws IOException {
        unforced += n;
        if (unforced < STEP) {
            return;
        }
        unforced = 0;
        awaitRunning();
        running = FORCES.submit(() -> {
            file.force(false);
            return null;
        });
    }

    /** Waits for the background force, if one runs, and throws what it failed with. */
    void awaitRunning() throws IOException {
        Future<?> f = running;
        if (f == null) {
            return;
        }
        running = null;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    f.get();
                    return;
                } catch (InterruptedException e) {
                    // The force goes on regardless, and the file must not be closed under it: wait
                    // for it, then let the caller see the interrupt.
                    interrupted = true;
                }
            }
        } catch (ExecutionException e) {
            throw Threads.rethrowCause(e, "forcing the copy " + file.path());
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the background force (the file is closed after this). */
    @Override
    public void close() throws IOException {
        awaitRunning();
    }
}
