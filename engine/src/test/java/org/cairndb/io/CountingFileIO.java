package org.cairndb.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The real file system, counting for the files {@code counted} accepts: how many are open now and
 * at most at once, and their writes and forces (for tests of how many files stay open and what a
 * checkpoint writes).
 */
public final class CountingFileIO extends ForwardingFileIO {

    public final AtomicInteger open = new AtomicInteger();
    public final AtomicInteger most = new AtomicInteger();
    public final AtomicInteger writes = new AtomicInteger();
    public final AtomicInteger forces = new AtomicInteger();
    private final Predicate<Path> counted;

    public CountingFileIO(Predicate<Path> counted) {
        super(NioFileIO.INSTANCE);
        this.counted = counted;
    }

    /** Counts the files whose name ends with {@code suffix}. */
    public static CountingFileIO ofNamesEndingWith(String suffix) {
        return new CountingFileIO(p -> p.getFileName().toString().endsWith(suffix));
    }

    @Override
    public StorageFile open(Path path, boolean write, boolean create) throws IOException {
        StorageFile f = super.open(path, write, create);
        if (!counted.test(path)) {
            return f;
        }
        most.accumulateAndGet(open.incrementAndGet(), Math::max);
        return new ForwardingStorageFile(f) {
            private boolean closed;

            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                writes.incrementAndGet();
                super.write(src, position);
            }

            @Override
            public void force(boolean metadata) throws IOException {
                forces.incrementAndGet();
                super.force(metadata);
            }

            @Override
            public void close() throws IOException {
                synchronized (this) {
                    if (!closed) {
                        closed = true;
                        open.decrementAndGet();
                    }
                }
                super.close();
            }
        };
    }
}
