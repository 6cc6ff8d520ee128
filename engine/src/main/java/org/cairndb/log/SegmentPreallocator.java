package org.cairndb.log;

import java.io.IOException;
import java.nio.file.Path;
import org.cairndb.io.FileIO;
import org.cairndb.io.StorageFile;

/**
 * Prepares the next log segment before it is needed: a file of the full segment size, filled with
 * zeros and forced, under a temporary name. Forcing appends into such a file changes no file size,
 * so the force is a cheap data-only sync, and a full disk shows up here, in the background, rather
 * than in a commit. When no prepared file is ready the segment is prepared inline.
 */
final class SegmentPreallocator {

    private static final System.Logger LOG = System.getLogger(SegmentPreallocator.class.getName());

    private final FileIO io;
    private final Path tempPath;
    private final long segmentSize;
    private final Object lock = new Object();

    /** EMPTY: no prepared file; PREPARING: the thread is writing it; READY: it waits under the temporary name. */
    private enum State { EMPTY, PREPARING, READY }

    private State state = State.EMPTY;
    private Thread thread;
    private boolean closed;

    SegmentPreallocator(FileIO io, Path logDir, long segmentSize) {
        this.io = io;
        this.tempPath = logDir.resolve(SegmentFiles.PREALLOCATED);
        this.segmentSize = segmentSize;
    }

    /**
     * Starts preparing the next segment in the background, unless one is being prepared or is
     * ready: restarting over a ready file would truncate it, possibly after it was taken.
     */
    void start() {
        synchronized (lock) {
            if (closed || state != State.EMPTY) {
                return;
            }
            state = State.PREPARING;
            if (thread == null) {
                thread = new Thread(this::run, "cairn-log-preallocator");
                thread.setDaemon(true);
                thread.start();
            }
            lock.notifyAll();
        }
    }

    /** Returns the next segment's file, opened for writing at {@code path}. */
    StorageFile take(Path path) throws IOException {
        boolean useTemp;
        synchronized (lock) {
            // Wait for a preparation in progress rather than doing the same work twice.
            while (state == State.PREPARING && !closed) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            useTemp = state == State.READY;
            if (useTemp) {
                state = State.EMPTY;
            }
        }
        if (useTemp) {
            io.rename(tempPath, path);
        } else {
            prepare(path);
        }
        start();
        return io.open(path, true, false);
    }

    private void run() {
        while (true) {
            synchronized (lock) {
                while (state != State.PREPARING && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    thread = null;
                    state = State.EMPTY;
                    lock.notifyAll();
                    return;
                }
            }
            boolean ok = false;
            try {
                prepare(tempPath);
                ok = true;
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot prepare the next log segment " + tempPath + ": " + e
                        + " (it will be prepared when needed)");
            }
            synchronized (lock) {
                state = ok ? State.READY : State.EMPTY;
                lock.notifyAll();
                if (!ok) {
                    thread = null;
                    return;
                }
            }
        }
    }

    private void prepare(Path path) throws IOException {
        try (StorageFile f = io.open(path, true, true)) {
            f.truncate(0);
            f.zeroFill(0, segmentSize);
            f.force(true);
        }
    }

    void close() {
        Thread t;
        synchronized (lock) {
            closed = true;
            lock.notifyAll();
            t = thread;
        }
        if (t != null && t != Thread.currentThread()) {
            org.cairndb.util.Threads.joinUninterruptibly(t, 10_000);
        }
    }
}
