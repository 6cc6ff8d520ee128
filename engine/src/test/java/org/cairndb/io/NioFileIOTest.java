package org.cairndb.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NioFileIO} and thread interrupts: a {@code FileChannel} closes itself when a thread using
 * it is interrupted, which must not close a file of the environment under everyone else.
 */
class NioFileIOTest {

    @TempDir
    Path tmp;

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    private static ByteBuffer block(long n) {
        ByteBuffer b = ByteBuffer.allocate(512);
        while (b.hasRemaining()) {
            b.putLong(n);
        }
        return b.flip();
    }

    @Test
    void anInterruptedThreadWritesForcesAndReadsAndKeepsItsInterrupt() throws Exception {
        try (StorageFile f = NioFileIO.INSTANCE.open(tmp.resolve("f"), true, true)) {
            Thread.currentThread().interrupt();
            f.write(block(7), 0);
            f.force(false);
            ByteBuffer back = ByteBuffer.allocate(512);
            assertEquals(512, f.read(back, 0));
            assertEquals(512, f.size());
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status is kept");
            Thread.interrupted();
            assertEquals(block(7), back.flip());
            f.write(block(8), 512); // the file is still open for everyone
            assertEquals(1024, f.size());
        }
    }

    @Test
    void interruptsDuringForcesNeitherFailNorLoseWrites() throws Exception {
        Path path = tmp.resolve("g");
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong written = new AtomicLong();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        try (StorageFile f = NioFileIO.INSTANCE.open(path, true, true)) {
            Thread writer = new Thread(() -> {
                try {
                    for (long n = 0; !stop.get(); n++) {
                        f.write(block(n), n * 512);
                        f.force(false);
                        written.set(n + 1);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            writer.start();
            // Interrupts aimed at the writer, most of them landing while it forces.
            long end = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            long interrupts = 0;
            while (System.nanoTime() < end && writer.isAlive()) {
                writer.interrupt();
                interrupts++;
                java.util.concurrent.locks.LockSupport.parkNanos(200_000); // an interrupt every 0.2 ms or so
            }
            stop.set(true);
            writer.join(Duration.ofSeconds(30).toMillis());
            assertFalse(writer.isAlive(), "the writer stopped");
            assertTrue(errors.isEmpty(), () -> "I/O failed under interrupts: " + errors);
            assertTrue(interrupts > 100 && written.get() > 10, interrupts + " interrupts, " + written.get() + " blocks");
            for (long n = 0; n < written.get(); n++) {
                ByteBuffer back = ByteBuffer.allocate(512);
                f.read(back, n * 512);
                assertEquals(block(n), back.flip(), "block " + n);
            }
        }
    }

    @Test
    void aLockedFileClosedByAnInterruptIsNotOpenedAgainBehindItsHolder() throws Exception {
        try (StorageFile f = NioFileIO.INSTANCE.open(tmp.resolve("lock"), true, true)) {
            java.nio.channels.FileLock lock = f.tryLock();
            assertTrue(lock != null && lock.isValid());
            AtomicBoolean stop = new AtomicBoolean();
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            Thread writer = new Thread(() -> {
                try {
                    for (long n = 0; !stop.get(); n++) {
                        f.write(block(n), 0);
                        f.force(false);
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            writer.start();
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (writer.isAlive() && System.nanoTime() < end) {
                writer.interrupt();
                java.util.concurrent.locks.LockSupport.parkNanos(200_000);
            }
            stop.set(true);
            writer.join(Duration.ofSeconds(30).toMillis());
            assertFalse(writer.isAlive());
            // An interrupt that closed the channel released the lock: the error reaches the holder.
            assertEquals(1, errors.size(), "the writer stopped with an error: " + errors);
            assertTrue(errors.peek() instanceof ClosedChannelException, errors.toString());
            assertFalse(lock.isValid(), "the lock went with its channel");
        }
    }

    @Test
    void aFileClosedOnPurposeStaysClosed() throws Exception {
        StorageFile f = NioFileIO.INSTANCE.open(tmp.resolve("h"), true, true);
        f.close();
        assertThrows(ClosedChannelException.class, () -> f.write(block(1), 0));
    }
}
