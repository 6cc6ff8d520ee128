package org.cairndb.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.io.ForwardingFileIO;
import org.cairndb.io.ForwardingStorageFile;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StorageFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large copy is forced as it goes, so that the disk never has much of it left to write at once
 * (a 1 GiB file forced only at its end held up every commit of the environment for a second), and
 * a force that fails in the background stops the copy as a failed write would.
 */
class WriteBehindTest {

    @TempDir
    Path tmp;

    /** Counts the forces of files whose name ends in ".copying" and the most bytes written to one not yet forced. */
    private static final class Watching extends ForwardingFileIO {
        final AtomicInteger forces = new AtomicInteger();
        final AtomicLong mostUnforced = new AtomicLong();
        volatile IOException failForce;

        Watching() {
            super(NioFileIO.INSTANCE);
        }

        @Override
        public StorageFile open(Path path, boolean write, boolean create) throws IOException {
            StorageFile f = super.open(path, write, create);
            if (!path.getFileName().toString().endsWith(".copying")) {
                return f;
            }
            AtomicLong written = new AtomicLong();
            AtomicLong forced = new AtomicLong();
            return new ForwardingStorageFile(f) {
                @Override
                public void write(ByteBuffer src, long position) throws IOException {
                    int n = src.remaining();
                    super.write(src, position);
                    long unforced = written.addAndGet(n) - forced.get();
                    mostUnforced.accumulateAndGet(unforced, Math::max);
                }

                @Override
                public void force(boolean metadata) throws IOException {
                    if (failForce != null) {
                        throw failForce;
                    }
                    long upTo = written.get();
                    super.force(metadata);
                    forced.accumulateAndGet(upTo, Math::max);
                    forces.incrementAndGet();
                }
            };
        }
    }

    private Path source(long bytes) throws IOException {
        Path p = tmp.resolve("source");
        Random random = new Random(7);
        byte[] chunk = new byte[1 << 20];
        try (var out = Files.newOutputStream(p)) {
            for (long left = bytes; left > 0; left -= chunk.length) {
                random.nextBytes(chunk);
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        }
        return p;
    }

    @Test
    void aLargeCopyIsForcedAsItGoesNotOnlyAtItsEnd() throws Exception {
        long size = 2 * WriteBehind.STEP + 12_345;
        Path from = source(size);
        Path to = tmp.resolve("copy");
        Watching io = new Watching();

        assertEquals(size, SegmentCopier.copyReplacing(io, from, to, null));

        assertEquals(-1, Files.mismatch(from, to));
        assertTrue(io.forces.get() >= 3, "forces of the copy: " + io.forces.get());
        // At most the step being written and the one being forced (plus one read's chunk) wait for the disk.
        assertTrue(io.mostUnforced.get() <= 2 * WriteBehind.STEP + (1 << 20),
                "bytes of the copy written and not yet forced, at most: " + io.mostUnforced.get());
    }

    @Test
    void aSmallCopyIsForcedOnceAtItsEnd() throws Exception {
        Path from = source(WriteBehind.STEP / 4);
        Watching io = new Watching();

        SegmentCopier.copyReplacing(io, from, tmp.resolve("copy"), null);

        assertEquals(1, io.forces.get());
    }

    @Test
    void aForceFailingBehindTheCopyStopsItAndLeavesNoPartOfIt() throws Exception {
        Path from = source(WriteBehind.STEP + 1);
        Path to = tmp.resolve("copy");
        Watching io = new Watching();
        io.failForce = new IOException("No space left on device");

        IOException e = assertThrows(IOException.class, () -> SegmentCopier.copyReplacing(io, from, to, null));

        assertEquals("No space left on device", e.getMessage());
        assertFalse(Files.exists(to), "the copy's final name");
        assertFalse(Files.exists(tmp.resolve("copy.copying")), "the copy's temporary name");
        assertTrue(Files.exists(from));
    }
}
