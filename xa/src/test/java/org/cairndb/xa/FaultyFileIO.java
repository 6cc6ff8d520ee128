package org.cairndb.xa;

import java.io.IOException;
import java.nio.file.Path;
import org.cairndb.io.ForwardingFileIO;
import org.cairndb.io.ForwardingStorageFile;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StorageFile;

/** The real file system, except that forcing a log segment fails once {@link #failLogForces} is set. */
final class FaultyFileIO extends ForwardingFileIO {

    volatile boolean failLogForces;

    FaultyFileIO() {
        super(NioFileIO.INSTANCE);
    }

    @Override
    public StorageFile open(Path path, boolean write, boolean create) throws IOException {
        StorageFile f = super.open(path, write, create);
        boolean log = path.getParent() != null && path.getParent().getFileName().toString().equals("log");
        return log ? new Faulty(f) : f;
    }

    private final class Faulty extends ForwardingStorageFile {

        Faulty(StorageFile f) {
            super(f);
        }

        @Override
        public void force(boolean metadata) throws IOException {
            if (failLogForces) {
                throw new IOException("injected device error forcing " + path());
            }
            super.force(metadata);
        }
    }
}
