package org.cairndb.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileLock;
import java.nio.file.Path;

/** An open file with positional reads and writes. Implementations are safe for concurrent use. */
public interface StorageFile extends Closeable {

    Path path();

    /**
     * Reads up to {@code dst.remaining()} bytes at {@code position}; fewer only at the end of the
     * file. Returns the number of bytes read.
     */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Writes all of {@code src} at {@code position}. */
    void write(ByteBuffer src, long position) throws IOException;

    /** Forces written data (and with {@code metadata}, the file's size and times) to stable storage. */
    void force(boolean metadata) throws IOException;

    long size() throws IOException;

    void truncate(long size) throws IOException;

    /** An exclusive lock on the whole file, or null if another process holds one. */
    FileLock tryLock() throws IOException;

    /**
     * A shared lock on the whole file, which a file opened only for reading can take (on read-only
     * media too), or null if another process holds an exclusive one. Shared locks of several
     * processes coexist; each keeps {@link #tryLock()} from succeeding anywhere else.
     */
    default FileLock tryLockShared() throws IOException {
        throw new IOException(path() + ": this file layer (" + getClass().getName() + ") has no shared locks");
    }

    /** Writes zeros over {@code [from, to)} (not forced). */
    default void zeroFill(long from, long to) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.max(0, Math.min(to - from, 1 << 20)));
        for (long pos = from; pos < to; pos += zeros.capacity()) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), to - pos));
            write(zeros, pos);
        }
    }

    /** Reads exactly {@code dst.remaining()} bytes or throws {@link java.io.EOFException}. */
    default void readFully(ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int n = read(dst, pos);
            if (n <= 0) {
                throw new java.io.EOFException(path() + ": end of file at offset " + pos
                        + " while reading " + dst.remaining() + " more bytes");
            }
            pos += n;
        }
    }
}
