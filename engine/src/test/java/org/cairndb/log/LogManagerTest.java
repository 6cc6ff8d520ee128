package org.cairndb.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.cairndb.CorruptionException;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Framing, segments, group commit, and how the scanner tells a torn tail from corruption. */
class LogManagerTest {

    @TempDir
    Path dir;
    final UUID env = UUID.randomUUID();

    LogManager open(long end) throws Exception {
        return LogManager.open(NioFileIO.INSTANCE, dir, env, end, 64 << 10, 64 << 10, 1);
    }

    static CommitRecord commit(long txn, int valueBytes) {
        return new CommitRecord(txn, 1000 + txn, 0, List.of(Op.put(1, ("k" + txn).getBytes(), new byte[valueBytes])));
    }

    List<RecordFrame> scanAll(LogScanner.Result[] result) throws Exception {
        List<RecordFrame> frames = new ArrayList<>();
        result[0] = new LogScanner(NioFileIO.INSTANCE, dir).scan(Lsn.NULL, env, f -> frames.add(
                new RecordFrame(f.lsn(), f.size(), f.type(), f.flags(), f.txnId(), f.durableLsn(), copy(f.payload()))));
        return frames;
    }

    static ByteBuffer copy(ByteBuffer b) {
        ByteBuffer c = ByteBuffer.allocate(b.remaining());
        c.put(b.duplicate()).flip();
        return c;
    }

    /**
     * Found by FaultSweepTest: a segment switch that failed after it had opened the next segment
     * (writing its header, forcing it, syncing the directory) left that segment open for good: the
     * log closes only its current segment, which the failed switch had not made it yet. Each such
     * failure leaked a file descriptor (and on Windows would keep the file from being deleted).
     */
    @Test
    void aFailedSegmentSwitchLeavesNoFileOpen() throws Exception {
        for (int failing = 1; failing <= 2; failing++) { // the header write, the force
            Path home = dir.resolve("switch-" + failing);
            Files.createDirectories(home);
            org.cairndb.io.FaultInjectingFileIO fio = new org.cairndb.io.FaultInjectingFileIO(NioFileIO.INSTANCE,
                    dir.resolve("scratch-" + failing), failing);
            LogManager log = LogManager.open(fio, home, env, Lsn.NULL, 64 << 10, 64 << 10, 1);
            Path second = home.resolve(SegmentFiles.name(2));
            if (failing == 1) {
                fio.failWrite(1, second::equals, false);
            } else {
                fio.failForce(1, second::equals, false);
            }
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> {
                for (int i = 1; i <= 200; i++) {
                    log.append(commit(i, 1000));
                }
            });
            assertTrue(e.getMessage().contains(second.toString()), e.getMessage());
            log.abandon();
            assertEquals(List.of(), fio.openHandles(), "files left open after a failed switch to " + second);
        }
    }

    /**
     * Found by FaultSweepTest: creating a new environment whose first segment could not be written
     * (or forced, or its directory synced) failed the open, but left the segment preallocator's
     * thread running for good (and the next segment it was preparing open): the caller got no log
     * to close.
     */
    @Test
    void aLogWhoseFirstSegmentCannotBeMadeLeavesNoThreadNorFile() throws Exception {
        List<String> threadsBefore = org.cairndb.env.LeakProbe.cairnThreads();
        org.cairndb.io.FaultInjectingFileIO fio = new org.cairndb.io.FaultInjectingFileIO(NioFileIO.INSTANCE,
                dir.resolve("scratch"), 1);
        Path home = Files.createDirectories(dir.resolve("home"));
        // The first force is the zero-filled file's, before the preallocator starts; the second the header's.
        fio.failForce(2, home.resolve(SegmentFiles.name(1))::equals, false);
        java.io.IOException e = assertThrows(java.io.IOException.class,
                () -> LogManager.open(fio, home, env, Lsn.NULL, 64 << 10, 64 << 10, 1));
        assertTrue(e.getMessage().contains(SegmentFiles.name(1)), e.getMessage());
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        List<String> extra;
        do {
            extra = new ArrayList<>(org.cairndb.env.LeakProbe.cairnThreads());
            threadsBefore.forEach(extra::remove);
            if (!extra.isEmpty()) {
                Thread.sleep(10);
            }
        } while (!extra.isEmpty() && System.nanoTime() < deadline);
        assertEquals(List.of(), extra, "threads left behind by the failed open");
        assertEquals(List.of(), fio.openHandles(), "files left open by the failed open");
    }

    @Test
    void recordsRoundTripAcrossSegmentsIncludingOneLargerThanASegment() throws Exception {
        LogManager log = open(Lsn.NULL);
        List<Long> lsns = new ArrayList<>();
        for (int i = 1; i <= 300; i++) {
            lsns.add(log.append(commit(i, i == 150 ? 200_000 : 500)));
        }
        log.syncAll();
        log.close();
        LogScanner.Result[] r = new LogScanner.Result[1];
        List<RecordFrame> frames = scanAll(r);
        assertEquals(300, frames.size());
        assertNull(r[0].tail());
        assertTrue(r[0].segmentsScanned() > 3, "several segments: " + r[0].segmentsScanned());
        for (int i = 0; i < 300; i++) {
            assertEquals(lsns.get(i), frames.get(i).lsn());
            CommitRecord c = (CommitRecord) frames.get(i).decode();
            assertEquals(i + 1, c.txnId());
            assertEquals(i + 1 == 150 ? 200_000 : 500, c.ops().get(0).value().length);
        }
        // Reopen at the end and keep appending: the chain stays continuous.
        LogManager again = open(r[0].endLsn());
        again.append(commit(301, 10));
        again.syncAll();
        again.close();
        assertEquals(301, scanAll(r).size());
    }

    @Test
    void concurrentSyncCommitsShareForces() throws Exception {
        LogManager log = open(Lsn.NULL);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            int id = t;
            fs.add(pool.submit(() -> {
                for (int i = 0; i < 200; i++) {
                    CommitRecord rec = commit(id * 1000 + i, 100);
                    long lsn = log.append(rec);
                    log.sync(lsn + rec.size());
                    assertTrue(log.durableLsn() >= lsn + rec.size());
                }
                return null;
            }));
        }
        for (Future<?> f : fs) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertTrue(log.forces() < 3200, "16 threads x 200 syncs took " + log.forces() + " forces");
        log.close();
        assertEquals(3200, scanAll(new LogScanner.Result[1]).size());
    }

    @Test
    void aTornTailIsReportedAndEarlierDamageIsCorruption() throws Exception {
        LogManager log = open(Lsn.NULL);
        long last = 0;
        for (int i = 1; i <= 40; i++) {
            last = log.append(commit(i, 3000));
        }
        log.syncAll();
        log.close();
        LogScanner.Result[] r = new LogScanner.Result[1];
        scanAll(r);
        long lastSegment = r[0].lastSegment();
        Path lastFile = dir.resolve(SegmentFiles.name(lastSegment));
        assertEquals(lastSegment, Lsn.segment(last));
        // Tear the last record: garbage in its middle. Nothing later proves it was forced.
        try (FileChannel ch = FileChannel.open(lastFile, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), Lsn.offset(last) + 100);
        }
        List<RecordFrame> frames = scanAll(r);
        assertEquals(39, frames.size());
        assertNotNull(r[0].tail());
        assertEquals(last, r[0].tail().lsn());
        assertTrue(r[0].tail().problem().contains("checksum"), r[0].tail().problem());

        // Damage in an earlier segment is corruption, named by file and offset.
        Path first = dir.resolve(SegmentFiles.name(1));
        try (FileChannel ch = FileChannel.open(first, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {9, 9, 9}), SegmentHeader.SIZE + 50);
        }
        CorruptionException e = assertThrows(CorruptionException.class, () -> scanAll(new LogScanner.Result[1]));
        assertEquals(first, e.file());
        assertEquals(SegmentHeader.SIZE, e.offset());
        assertTrue(e.getMessage().contains("catastrophic recovery"), e.getMessage());
    }

    @Test
    void aMissingSegmentIsNamed() throws Exception {
        LogManager log = open(Lsn.NULL);
        for (int i = 1; i <= 100; i++) {
            log.append(commit(i, 3000));
        }
        log.close();
        Files.delete(dir.resolve(SegmentFiles.name(2)));
        Exception e = assertThrows(Exception.class, () -> scanAll(new LogScanner.Result[1]));
        assertTrue(e.getMessage().contains("log.0000000002"), e.getMessage());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }
}
