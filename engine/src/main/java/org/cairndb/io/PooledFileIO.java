package org.cairndb.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * Keeps at most a given number of the files it opens open at once, closing the least recently
 * used and opening it again when it is next read or written. Each database has a data file, and
 * an environment of thousands of databases held every one open: past the process's limit on open
 * files (often 1,024) a database could not be created, and the environment could not even be
 * opened again, whatever the size of its data.
 *
 * <p>Only a file with no call in progress whose every write has been forced is closed: closing a
 * file with unforced writes and forcing it later through a new descriptor would let a write-back
 * error in between go unreported on Linux (it is reported to descriptors open when it happened).
 * Data files are written by checkpoints, which force them at once, so between checkpoints every
 * idle one can go. When no open file can go, the limit is exceeded for a while rather than a
 * caller kept waiting. Files are opened again without {@code create}: one removed meanwhile fails
 * as missing, and is never made again empty.
 */
public final class PooledFileIO extends ForwardingFileIO {

    private final int maxOpen;
    /** Files now open, least recently used first. Guarded by itself. */
    private final LinkedHashMap<PooledFile, Boolean> open = new LinkedHashMap<>(16, 0.75f, true);

    public PooledFileIO(FileIO delegate, int maxOpen) {
        super(delegate);
        if (maxOpen < 1) {
            throw new IllegalArgumentException("at least one file must be allowed open: " + maxOpen);
        }
        this.maxOpen = maxOpen;
    }

    @Override
    public StorageFile open(Path path, boolean write, boolean create) throws IOException {
        PooledFile f = new PooledFile(path, write);
        synchronized (open) {
            makeRoomForOne();
            f.current = delegate().open(path, write, create);
            open.put(f, Boolean.TRUE);
        }
        return f;
    }

    /** How many files this layer has open now (for tests and statistics). */
    public int openCount() {
        synchronized (open) {
            return open.size();
        }
    }

    /** Closes idle, forced files, least recently used first, until one more fits. Holding {@link #open}. */
    private void makeRoomForOne() {
        Iterator<PooledFile> it = open.keySet().iterator();
        while (open.size() >= maxOpen && it.hasNext()) {
            PooledFile f = it.next();
            if (f.users == 0 && f.forced()) {
                it.remove();
                f.closeCurrentQuietly();
            }
        }
    }

    private StorageFile acquire(PooledFile f) throws IOException {
        synchronized (open) {
            if (f.closed) {
                throw new ClosedChannelException();
            }
            if (f.current == null) {
                makeRoomForOne();
                f.current = delegate().open(f.path, f.write, false);
                open.put(f, Boolean.TRUE);
            } else {
                open.get(f); // most recently used now
            }
            f.users++;
            return f.current;
        }
    }

    private void release(PooledFile f) throws IOException {
        StorageFile toClose = null;
        synchronized (open) {
            f.users--;
            if (f.closed && f.users == 0 && f.current != null) {
                toClose = f.current;
                f.current = null;
            }
        }
        if (toClose != null) {
            toClose.close();
        }
    }

    /** One open call to do through the file's current descriptor. */
    @FunctionalInterface
    private interface Call<T> {
        T on(StorageFile f) throws IOException;
    }

    /** A file of this layer: open now or not, to the caller the same open file. */
    private final class PooledFile implements StorageFile {
        private final Path path;
        private final boolean write;
        /** Writes finished, and of those the number a force finished after. */
        private final java.util.concurrent.atomic.AtomicLong writes = new java.util.concurrent.atomic.AtomicLong();
        private volatile long forcedWrites;
        // Guarded by the layer's map:
        private StorageFile current;
        private int users;
        private boolean closed;

        PooledFile(Path path, boolean write) {
            this.path = path;
            this.write = write;
        }

        boolean forced() {
            return forcedWrites == writes.get();
        }

        void closeCurrentQuietly() {
            try {
                current.close();
            } catch (IOException e) {
                // Nothing unforced was in it; the next use opens it again.
            }
            current = null;
        }

        private <T> T call(Call<T> c) throws IOException {
            StorageFile f = acquire(this);
            try {
                return c.on(f);
            } finally {
                release(this);
            }
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return call(f -> f.read(dst, position));
        }

        @Override
        public void readFully(ByteBuffer dst, long position) throws IOException {
            call(f -> {
                f.readFully(dst, position);
                return null;
            });
        }

        /** A call that changes the file: counted once done, so that a force that began before it leaves the file unforced. */
        private void change(Call<?> c) throws IOException {
            call(c);
            writes.incrementAndGet();
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            change(f -> {
                f.write(src, position);
                return null;
            });
        }

        @Override
        public void zeroFill(long from, long to) throws IOException {
            change(f -> {
                f.zeroFill(from, to);
                return null;
            });
        }

        @Override
        public void force(boolean metadata) throws IOException {
            long upTo = writes.get();
            call(f -> {
                f.force(metadata);
                return null;
            });
            synchronized (this) {
                forcedWrites = Math.max(forcedWrites, upTo);
            }
        }

        @Override
        public long size() throws IOException {
            return call(StorageFile::size);
        }

        @Override
        public void truncate(long size) throws IOException {
            change(f -> {
                f.truncate(size);
                return null;
            });
        }

        @Override
        public FileLock tryLock() throws IOException {
            throw new IOException(path + ": files of a pool of open files cannot be locked (they may be closed and opened again)");
        }

        @Override
        public FileLock tryLockShared() throws IOException {
            return tryLock();
        }

        @Override
        public void close() throws IOException {
            StorageFile toClose = null;
            synchronized (open) {
                if (closed) {
                    return;
                }
                closed = true;
                open.remove(this);
                if (users == 0 && current != null) {
                    toClose = current;
                    current = null;
                }
            }
            if (toClose != null) {
                toClose.close();
            }
        }

        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** For tests: the paths of the files open now, least recently used first. */
    List<Path> openPaths() {
        synchronized (open) {
            return open.keySet().stream().map(f -> f.path).toList();
        }
    }
}
