package org.cairndb.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The real file system, counting for the files {@code counted} accepts: how many are open now and
 * at most at once, their writes and forces, and the most bytes one of them held written and not
 * yet forced (for tests of how many files stay open, what a checkpoint writes, and how far a copy
 * runs ahead of its forces).
 */
public final class CountingFileIO extends ForwardingFileIO {

    public final AtomicInteger open = new AtomicInteger();
    public final AtomicInteger most = new AtomicInteger();
    public final AtomicInteger writes = new AtomicInteger();
    public final AtomicInteger forces = new AtomicInteger();
    /** The most bytes written to one file and not covered by a force that had ended, seen at any write. */
    public final AtomicLong mostUnforcedBytes = new AtomicLong();
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
            private final AtomicLong written = new AtomicLong();
            private final AtomicLong forced = new AtomicLong();

            @Override
            public void write(ByteBuffer src, long position) throws IOException {
                writes.incrementAndGet();
                int n = src.remaining();
                super.write(src, position);
                mostUnforcedBytes.accumulateAndGet(written.addAndGet(n) - forced.get(), Math::max);
            }

            @Override
            public void force(boolean metadata) throws IOException {
                forces.incrementAndGet();
                long upTo = written.get(); // a force covers what was written before it began
                super.force(metadata);
                forced.accumulateAndGet(upTo, Math::max);
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
