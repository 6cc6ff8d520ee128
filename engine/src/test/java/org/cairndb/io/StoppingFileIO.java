package org.cairndb.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A file layer that counts the operations that change files (writes, forces, truncations, renames,
 * deletions, directory syncs) under chosen paths, and at the {@code n}-th one tells the test and
 * stops that thread for good, before the operation happens. A child JVM uses it so that its parent
 * kills it at an exact step of a long procedure (the 7th write into a backup, say) instead of after
 * a guessed time. With {@code n} 0 it only counts, so that a test can learn how many steps there
 * are and choose among them.
 */
public final class StoppingFileIO extends ForwardingFileIO {

    private final Predicate<Path> counted;
    private final long stopAt;
    private final Consumer<String> reached;
    private final AtomicLong count = new AtomicLong();
    private final java.util.List<String> steps = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * @param counted which paths count
     * @param stopAt  the operation to stop at (1 = the first), or 0 to count only
     * @param reached told "n operation path" when the thread stops there
     */
    public StoppingFileIO(FileIO delegate, Predicate<Path> counted, long stopAt, Consumer<String> reached) {
        super(delegate);
        this.counted = counted;
        this.stopAt = stopAt;
        this.reached = reached;
    }

    /** How many counted operations happened (or began, the last one if it stopped). */
    public long count() {
        return count.get();
    }

    /** Every counted operation so far, in order, as "operation path". */
    public java.util.List<String> steps() {
        return java.util.List.copyOf(steps);
    }

    private void step(String operation, Path path) {
        if (!counted.test(path.toAbsolutePath().normalize())) {
            return;
        }
        long n = count.incrementAndGet();
        steps.add(operation + " " + path);
        if (n != stopAt) {
            return;
        }
        reached.accept(n + " " + operation + " " + path);
        // Stopped for good: the parent kills the process now. Other threads go on meanwhile.
        while (true) {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // not even an interrupt lets the step happen
            }
        }
    }

    @Override
    public StorageFile open(Path path, boolean write, boolean create) throws IOException {
        StorageFile f = super.open(path, write, create);
        return write ? new Counting(f) : f;
    }

    @Override
    public void delete(Path path) throws IOException {
        step("delete", path);
        super.delete(path);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        step("rename", target);
        super.rename(source, target);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        step("sync", dir);
        super.syncDirectory(dir);
    }

    private final class Counting extends ForwardingStorageFile {
        Counting(StorageFile delegate) {
            super(delegate);
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            step("write", path());
            super.write(src, position);
        }

        @Override
        public void force(boolean metadata) throws IOException {
            step("force", path());
            super.force(metadata);
        }

        @Override
        public void truncate(long size) throws IOException {
            step("truncate", path());
            super.truncate(size);
        }
    }
}
