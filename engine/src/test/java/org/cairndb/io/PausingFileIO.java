package org.cairndb.io;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

/**
 * A file layer that stops the thread opening (or deleting) a chosen file until the test lets it
 * go, so that a test can run something else at exactly that point of a long operation (a backup
 * between its pin and its copy of the log, a close between its checkpoint and its log removal)
 * without sleeping and hoping. One pause per {@link #pauseAtOpen} or {@link #pauseAtDelete}.
 */
public final class PausingFileIO extends ForwardingFileIO {

    private static final long DEADLINE_SECONDS = 60;

    /** Where the next pause happens; null when none is armed. */
    private final AtomicReference<Predicate<Path>> armedOpen = new AtomicReference<>();
    private final AtomicReference<Predicate<Path>> armedDelete = new AtomicReference<>();
    private volatile CountDownLatch reached = new CountDownLatch(1);
    private volatile CountDownLatch released = new CountDownLatch(1);

    public PausingFileIO(FileIO delegate) {
        super(delegate);
    }

    /** The next open of a file matching {@code where} waits, before it opens, until {@link #release()}. */
    public void pauseAtOpen(Predicate<Path> where) {
        reached = new CountDownLatch(1);
        released = new CountDownLatch(1);
        armedOpen.set(where);
    }

    /** The next deletion of a file matching {@code where} waits, before it deletes, until {@link #release()}. */
    public void pauseAtDelete(Predicate<Path> where) {
        reached = new CountDownLatch(1);
        released = new CountDownLatch(1);
        armedDelete.set(where);
    }

    /** Waits until a thread is held at the pause; false if none arrived within {@code seconds}. */
    public boolean awaitPaused(long seconds) throws InterruptedException {
        return reached.await(seconds, TimeUnit.SECONDS);
    }

    /** Lets the held thread (or the next one to arrive) go on. */
    public void release() {
        released.countDown();
    }

    @Override
    public StorageFile open(Path path, boolean write, boolean create) throws IOException {
        pauseIfArmed(armedOpen, path, "open");
        return super.open(path, write, create);
    }

    @Override
    public void delete(Path path) throws IOException {
        pauseIfArmed(armedDelete, path, "deletion");
        super.delete(path);
    }

    private void pauseIfArmed(AtomicReference<Predicate<Path>> armed, Path path, String what) throws IOException {
        Predicate<Path> where = armed.get();
        if (where != null && where.test(path) && armed.compareAndSet(where, null)) {
            reached.countDown();
            try {
                if (!released.await(DEADLINE_SECONDS, TimeUnit.SECONDS)) {
                    throw new IOException("paused at the " + what + " of " + path + " and not released within "
                            + DEADLINE_SECONDS + " s: the test did not get there");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while paused at the " + what + " of " + path);
            }
        }
    }
}
