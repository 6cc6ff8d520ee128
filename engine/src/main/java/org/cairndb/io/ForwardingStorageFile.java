package org.cairndb.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileLock;
import java.nio.file.Path;

/**
 * An open file that passes every call to another one; extend it to change a few operations (see
 * {@link ForwardingFileIO}). The defaults of {@link StorageFile} ({@code zeroFill},
 * {@code readFully}) are left to call this file's own {@code write} and {@code read}, so that
 * what a subclass changes applies to them too.
 */
public abstract class ForwardingStorageFile implements StorageFile {

    private final StorageFile delegate;

    protected ForwardingStorageFile(StorageFile delegate) {
        this.delegate = delegate;
    }

    /** The file the calls go to. */
    protected final StorageFile delegate() {
        return delegate;
    }

    @Override
    public Path path() {
        return delegate.path();
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public void write(ByteBuffer src, long position) throws IOException {
        delegate.write(src, position);
    }

    @Override
    public void force(boolean metadata) throws IOException {
        delegate.force(metadata);
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public void truncate(long size) throws IOException {
        delegate.truncate(size);
    }

    @Override
    public FileLock tryLock() throws IOException {
        return delegate.tryLock();
    }

    @Override
    public FileLock tryLockShared() throws IOException {
        return delegate.tryLockShared();
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }
}
