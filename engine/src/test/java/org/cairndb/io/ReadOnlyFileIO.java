package org.cairndb.io;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The real file system as read-only media show it: files open for reading, and everything that
 * would create, change or delete anything fails as on a read-only mount ("Read-only file system").
 * Every refused attempt is remembered, so that a test can say that nothing even tried to write.
 * Files opened for reading are the real ones, which refuse writes themselves.
 *
 * <p>Tests may run as root, for whom file permissions stop no write; this layer stands in for a
 * read-only tree then.
 */
public final class ReadOnlyFileIO extends ForwardingFileIO {

    private final List<String> refused = new CopyOnWriteArrayList<>();

    public ReadOnlyFileIO() {
        super(NioFileIO.INSTANCE);
    }

    /** What was refused, in order: "open for writing /path", "delete /path", ... */
    public List<String> refused() {
        return List.copyOf(refused);
    }

    private FileSystemException refuse(String what, Path path) {
        refused.add(what + " " + path);
        return new FileSystemException(path.toString(), null, "Read-only file system (simulated: " + what + ")");
    }

    @Override
    public StorageFile open(Path path, boolean write, boolean create) throws IOException {
        if (write) {
            throw refuse(create ? "open for writing (creating)" : "open for writing", path);
        }
        return super.open(path, false, false);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        throw refuse("create directories", dir);
    }

    @Override
    public void delete(Path path) throws IOException {
        throw refuse("delete", path);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        throw refuse("rename to " + target, source);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        throw refuse("sync directory", dir);
    }
}
