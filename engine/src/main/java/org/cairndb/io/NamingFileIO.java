package org.cairndb.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A file layer whose files name themselves in the errors of their reads, writes, forces and
 * truncations. A file channel reports a failing device as a bare {@code IOException} ("Input/output
 * error", "No space left on device") that names no file; passed up as it is, an open, a scan of the
 * log or a verify would end with "cannot open the environment: Input/output error", and the admin
 * would not know which disk or file to look at. Only exceptions of exactly {@link IOException} are
 * given the file's path and what was being done: its subclasses (the end of a file, a closed
 * channel, a file system error) name their file already or mean something the callers act on.
 */
public final class NamingFileIO extends ForwardingFileIO {

    private NamingFileIO(FileIO delegate) {
        super(delegate);
    }

    /** {@code io} with its files naming themselves in their errors (itself if it does already). */
    public static FileIO of(FileIO io) {
        return io instanceof NamingFileIO ? io : new NamingFileIO(io);
    }

    @Override
    public StorageFile open(Path path, boolean write, boolean create) throws IOException {
        return new Named(delegate().open(path, write, create));
    }

    /** {@code e} with {@code file} and {@code what} said in front, if it is a bare I/O error. */
    public static IOException named(Path file, String what, IOException e) {
        if (e.getClass() != IOException.class) {
            return e;
        }
        return new IOException(file + ": " + what + ": " + e.getMessage(), e);
    }

    private static final class Named extends ForwardingStorageFile {
        Named(StorageFile delegate) {
            super(delegate);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            int length = dst.remaining();
            try {
                return delegate().read(dst, position);
            } catch (IOException e) {
                throw named(path(), "cannot read " + length + " bytes at offset " + position, e);
            }
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            int length = src.remaining();
            try {
                delegate().write(src, position);
            } catch (IOException e) {
                throw named(path(), "cannot write " + length + " bytes at offset " + position, e);
            }
        }

        @Override
        public void force(boolean metadata) throws IOException {
            try {
                delegate().force(metadata);
            } catch (IOException e) {
                throw named(path(), "cannot force it to disk", e);
            }
        }

        @Override
        public void truncate(long size) throws IOException {
            try {
                delegate().truncate(size);
            } catch (IOException e) {
                throw named(path(), "cannot truncate it to " + size + " bytes", e);
            }
        }

        @Override
        public long size() throws IOException {
            try {
                return delegate().size();
            } catch (IOException e) {
                throw named(path(), "cannot read its size", e);
            }
        }
    }
}
