package org.cairndb.io;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A file layer that passes every call to another one. Extend it to change a few operations and
 * keep the rest: a layer that counts or slows forces, fails chosen writes, or refuses every write
 * as read-only media do (the project's tests use it so). {@link ForwardingStorageFile} does the
 * same for the files it opens.
 */
public abstract class ForwardingFileIO implements FileIO {

    private final FileIO delegate;

    protected ForwardingFileIO(FileIO delegate) {
        this.delegate = delegate;
    }

    /** The layer the calls go to. */
    protected final FileIO delegate() {
        return delegate;
    }

    @Override
    public StorageFile open(Path path, boolean write, boolean create) throws IOException {
        return delegate.open(path, write, create);
    }

    @Override
    public boolean exists(Path path) {
        return delegate.exists(path);
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        return delegate.list(dir);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        delegate.createDirectories(dir);
    }

    @Override
    public void delete(Path path) throws IOException {
        delegate.delete(path);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        delegate.rename(source, target);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        delegate.syncDirectory(dir);
    }
}
