package org.cairndb.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PooledFileIO}: many files through few descriptors, and never one closed that must stay open. */
class PooledFileIOTest {

    @TempDir
    Path tmp;

    /** Counts the files the layer beneath has open at once. */
    private static final class CountingIO extends ForwardingFileIO {
        final AtomicInteger open = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        volatile CountDownLatch readGate;
        final CountDownLatch readEntered = new CountDownLatch(1);

        CountingIO() {
            super(NioFileIO.INSTANCE);
        }

        @Override
        public StorageFile open(Path path, boolean write, boolean create) throws IOException {
            StorageFile f = super.open(path, write, create);
            most.accumulateAndGet(open.incrementAndGet(), Math::max);
            return new ForwardingStorageFile(f) {
                @Override
                public int read(ByteBuffer dst, long position) throws IOException {
                    CountDownLatch g = readGate;
                    if (g != null) {
                        readEntered.countDown();
                        try {
                            g.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            throw new IOException(e);
                        }
                    }
                    return super.read(dst, position);
                }

                @Override
                public void close() throws IOException {
                    open.decrementAndGet();
                    super.close();
                }
            };
        }
    }

    private static ByteBuffer text(String s) {
        return ByteBuffer.wrap(s.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static String read(StorageFile f) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) f.size());
        f.readFully(b, 0);
        return new String(b.array(), java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Test
    void manyFilesGoThroughFewDescriptorsAndReadBackWhole() throws IOException {
        CountingIO below = new CountingIO();
        PooledFileIO io = new PooledFileIO(below, 8);
        List<StorageFile> files = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            StorageFile f = io.open(tmp.resolve("f" + i), true, true);
            f.write(text("file " + i), 0);
            f.force(false);
            files.add(f);
        }
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < files.size(); i++) {
                assertEquals("file " + i, read(files.get(i)));
            }
        }
        assertTrue(below.most.get() <= 8, "at most 8 open at once, were " + below.most.get());
        assertTrue(io.openCount() <= 8);
        for (StorageFile f : files) {
            f.close();
        }
        assertEquals(0, below.open.get(), "every descriptor closed with its file");
        assertEquals(0, io.openCount());
    }

    @Test
    void aFileWithUnforcedWritesStaysOpenUntilForced() throws IOException {
        CountingIO below = new CountingIO();
        PooledFileIO io = new PooledFileIO(below, 2);
        Path a = tmp.resolve("a");
        StorageFile fa = io.open(a, true, true);
        fa.write(text("unforced"), 0);
        List<StorageFile> others = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            StorageFile other = io.open(tmp.resolve("o" + i), true, true);
            other.write(text("x"), 0);
            other.force(false);
            others.add(other);
        }
        // A write-back error after the close would be reported to no descriptor a later force uses.
        assertTrue(io.openPaths().contains(a), "a file with unforced writes was closed: " + io.openPaths());
        fa.force(false);
        for (int i = 0; i < 3; i++) {
            StorageFile o = io.open(tmp.resolve("p" + i), true, true);
            o.write(text("y"), 0);
            o.force(false);
            others.add(o);
        }
        assertFalse(io.openPaths().contains(a), "forced and idle, it may go: " + io.openPaths());
        assertEquals("unforced", read(fa));
        fa.close();
        for (StorageFile o : others) {
            o.close();
        }
        assertEquals(0, below.open.get());
    }

    @Test
    void aFileInUseIsNotClosedUnderItsCaller() throws Exception {
        CountingIO below = new CountingIO();
        PooledFileIO io = new PooledFileIO(below, 1);
        StorageFile busy = io.open(tmp.resolve("busy"), true, true);
        busy.write(text("busy"), 0);
        busy.force(false);
        CountDownLatch gate = new CountDownLatch(1);
        below.readGate = gate;
        CompletableFuture<String> reading = CompletableFuture.supplyAsync(() -> {
            try {
                return read(busy);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, org.cairndb.TestSupport.OWN_THREAD);
        assertTrue(below.readEntered.await(30, TimeUnit.SECONDS), "the reader never reached the file");
        below.readGate = null; // the next files' reads do not wait
        try (StorageFile other = io.open(tmp.resolve("other"), true, true)) {
            other.write(text("o"), 0);
            other.force(false);
            assertTrue(io.openPaths().contains(busy.path()), "closed under its reader: " + io.openPaths());
            assertFalse(reading.isDone());
        }
        gate.countDown();
        assertEquals("busy", reading.get(30, TimeUnit.SECONDS));
        busy.close();
        assertEquals(0, below.open.get());
    }

    @Test
    void aClosedFileRefusesAndARemovedOneIsNotMadeAgain() throws IOException {
        PooledFileIO io = new PooledFileIO(NioFileIO.INSTANCE, 1);
        StorageFile f = io.open(tmp.resolve("f"), true, true);
        f.write(text("f"), 0);
        f.force(false);
        f.close();
        assertThrows(ClosedChannelException.class, () -> f.size());

        StorageFile g = io.open(tmp.resolve("g"), true, true);
        g.write(text("g"), 0);
        g.force(false);
        try (StorageFile h = io.open(tmp.resolve("h"), true, true)) { // g closed to make room
            h.force(false);
        }
        Files.delete(tmp.resolve("g"));
        assertThrows(NoSuchFileException.class, () -> read(g));
        assertFalse(Files.exists(tmp.resolve("g")), "reopened with create");
        g.close();
    }

    @Test
    void aLimitBelowOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PooledFileIO(NioFileIO.INSTANCE, 0));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
    }
}
