package org.cairndb.xa;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.util.List;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StorageFile;

/** The real file system, except that forcing a log segment fails once {@link #failLogForces} is set. */
final class FaultyFileIO implements FileIO {

    volatile boolean failLogForces;

    @Override
    public StorageFile open(Path path, boolean write, boolean create) throws IOException {
        StorageFile f = NioFileIO.INSTANCE.open(path, write, create);
        boolean log = path.getParent() != null && path.getParent().getFileName().toString().equals("log");
        return log ? new Faulty(f) : f;
    }

    @Override
    public boolean exists(Path path) {
        return NioFileIO.INSTANCE.exists(path);
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        return NioFileIO.INSTANCE.list(dir);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        NioFileIO.INSTANCE.createDirectories(dir);
    }

    @Override
    public void delete(Path path) throws IOException {
        NioFileIO.INSTANCE.delete(path);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        NioFileIO.INSTANCE.rename(source, target);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        NioFileIO.INSTANCE.syncDirectory(dir);
    }

    private final class Faulty implements StorageFile {
        private final StorageFile f;

        Faulty(StorageFile f) {
            this.f = f;
        }

        @Override
        public Path path() {
            return f.path();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return f.read(dst, position);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            f.write(src, position);
        }

        @Override
        public void force(boolean metadata) throws IOException {
            if (failLogForces) {
                throw new IOException("injected device error forcing " + f.path());
            }
            f.force(metadata);
        }

        @Override
        public long size() throws IOException {
            return f.size();
        }

        @Override
        public void truncate(long size) throws IOException {
            f.truncate(size);
        }

        @Override
        public FileLock tryLock() throws IOException {
            return f.tryLock();
        }

        @Override
        public FileLock tryLockShared() throws IOException {
            return f.tryLockShared();
        }

        @Override
        public void close() throws IOException {
            f.close();
        }
    }
}
