package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.cairndb.CorruptionException;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryReport;
import org.cairndb.StorageException;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.TransactionConfig;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentHeader;
import org.cairndb.log.SegmentReader;
import org.cairndb.tools.Verifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The header of the last log segment damaged (a flipped byte, a zeroed sector) while records
 * follow it. A segment's header is written and forced before its first record, so a crash can
 * leave a blank or torn header only in a segment that holds nothing else; a bad header followed
 * by records is damage to a segment that holds acknowledged commits. Recovery must refuse it by
 * name, as it refuses the same damage in an earlier segment, instead of taking the segment for one
 * "created but never begun" and deleting it with the commits in it. A segment that really was
 * never begun (blank, or a torn header and nothing after it) is still removed.
 */
class LastSegmentHeaderTest {

    private static final int ACCOUNTS = 50;

    @TempDir
    Path tmp;

    private static EnvironmentConfig config() {
        return TransfersOverSegments.config(64 << 20);
    }

    /** An abandoned environment whose log spans two segments, the last one holding acknowledged transfers. */
    private TransfersOverSegments build(String name) throws IOException {
        return TransfersOverSegments.crash(tmp.resolve(name), name, ACCOUNTS, 2, 100, config());
    }

    private static Path last(TransfersOverSegments s) throws IOException {
        List<Path> segs = CrashRig.segments(s.home());
        return segs.get(segs.size() - 1);
    }

    private static void write(Path file, long offset, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(bytes), offset);
        }
    }

    private static byte[] read(Path file, long offset, int length) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(length);
            ch.read(b, offset);
            return b.array();
        }
    }

    /** Opening is refused with a CorruptionException naming {@code file} at offset 0; nothing on disk changed. */
    private static CorruptionException assertRefused(TransfersOverSegments s, Path file) throws IOException {
        Map<String, String> before = CrashRig.fingerprint(s.home());
        StorageException e;
        try (Environment env = Environment.open(s.home(), config())) {
            throw new AssertionError("recovery accepted the damaged header of " + file.getFileName() + ": "
                    + env.recoveryReport() + "; segments now " + CrashRig.segments(s.home()));
        } catch (StorageException ex) {
            e = ex;
        }
        assertTrue(e instanceof CorruptionException, CrashRig.describe(e));
        assertEquals(file.toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize(), e.getMessage());
        assertEquals(0, ((CorruptionException) e).offset(), e.getMessage());
        assertTrue(e.getMessage().contains("header"), "the message says what is wrong: " + e.getMessage());
        assertTrue(e.getMessage().contains("catastrophic recovery"), "the message says what to do: " + e.getMessage());
        assertEquals(before, CrashRig.fingerprint(s.home()), "a refused recovery changes no file");
        return (CorruptionException) e;
    }

    private static RecoveryReport assertRecovered(TransfersOverSegments s) {
        try (Environment env = Environment.open(s.home(), config())) {
            Bank.verify(env, ACCOUNTS, s.acked(), "recovery: " + env.recoveryReport());
            return env.recoveryReport();
        }
    }

    @Test
    void aFlippedByteInTheHeaderOfTheLastSegmentIsRefusedNotDeleted() throws IOException {
        TransfersOverSegments s = build("flip-header");
        Path last = last(s);
        byte[] original = read(last, 30, 1);
        write(last, 30, new byte[] {(byte) ~original[0]}); // inside the environment id: the header checksum fails
        assertRefused(s, last);
        Verifier.Report v = new Verifier(s.home()).verify(List.of());
        assertFalse(v.ok(), "cairn verify finds the damaged header: " + v.warnings());
        assertEquals(last.toAbsolutePath(), v.problems().get(0).file().toAbsolutePath(), v.problems().toString());
        assertTrue(v.problems().get(0).message().contains("checksum"), v.problems().toString());
        write(last, 30, original);
        assertRecovered(s);
    }

    @Test
    void aZeroedHeaderOfTheLastSegmentIsRefusedNotDeleted() throws IOException {
        TransfersOverSegments s = build("zero-header");
        Path last = last(s);
        byte[] original = read(last, 0, SegmentHeader.SIZE);
        write(last, 0, new byte[SegmentHeader.SIZE]);
        CorruptionException e = assertRefused(s, last);
        assertTrue(e.getMessage().contains("blank"), e.getMessage());
        write(last, 0, original);
        assertRecovered(s);
    }

    /** What a crash can leave: the next segment renamed into place, its header torn, nothing after it. */
    @Test
    void aSegmentWithATornHeaderAndNothingElseIsStillRemoved() throws IOException {
        TransfersOverSegments s = build("torn-header");
        Path last = last(s);
        Path next = last.resolveSibling(String.format("log.%010d", CrashRig.segments(s.home()).size() + 1));
        Files.write(next, new byte[64 << 10]);
        write(next, 0, read(last, 0, 20)); // the first 20 bytes of a header: magic, version, size, part of the number
        RecoveryReport rr = assertRecovered(s);
        assertFalse(Files.exists(next), "the segment never begun was removed");
        assertNotNull(rr);
        assertTrue(rr.toString().contains(next.getFileName().toString()), rr.toString());
        assertRecovered(s);
    }
    /**
     * A last segment cut inside its header (truncated, or copied incompletely). A crash cannot leave
     * that: a header is written only into a file already zero-filled to its full size and forced.
     * Taken for a segment never begun, it was deleted and the open went on without the acknowledged
     * transfers it held, reporting a removed unused segment.
     */
    @Test
    void aLastSegmentCutInsideItsHeaderIsRefusedNotDeleted() throws IOException {
        TransfersOverSegments s = build("cut-header");
        Path last = last(s);
        byte[] original = Files.readAllBytes(last);
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            ch.truncate(40);
        }
        CorruptionException e = assertRefused(s, last);
        assertTrue(e.getMessage().contains("shorter than a segment header"), e.getMessage());
        Files.write(last, original);
        assertRecovered(s);
    }

    /** A blank file shorter than a header is what a crash leaves of a segment prepared in place: still removed. */
    @Test
    void aShortBlankLastSegmentIsStillRemoved() throws IOException {
        TransfersOverSegments s = build("short-blank");
        Path next = last(s).resolveSibling(String.format("log.%010d", CrashRig.segments(s.home()).size() + 1));
        Files.write(next, new byte[40]);
        assertRecovered(s);
        assertFalse(Files.exists(next), "the segment never begun was removed");
    }

    /** Segments 1 and 2 of a log whose segment 2 was never begun (a torn header, nothing after it). */
    private TransfersOverSegments withSecondNeverBegun(String name) throws IOException {
        TransfersOverSegments s = TransfersOverSegments.crash(tmp.resolve(name), name, ACCOUNTS, 2, 1, config());
        Path second = last(s);
        byte[] torn = new byte[(int) Files.size(second)];
        System.arraycopy(read(second, 0, 20), 0, torn, 0, 20);
        Files.write(second, torn);
        return s;
    }

    /**
     * A damaged record at the end of the segment before one that was never begun. The log forces a
     * segment whole before it creates the next one, so those bytes cannot be an unfinished write;
     * they were cut off as a torn tail, losing an acknowledged transfer, and reported as the
     * unfinished write of a crash.
     */
    @Test
    void aBadRecordBeforeASegmentNeverBegunIsCorruptionNotATornTail() throws IOException {
        TransfersOverSegments s = withSecondNeverBegun("bad-before-unused");
        Path first = CrashRig.segments(s.home()).get(0);
        long lastRecord = -1;
        try (SegmentReader r = SegmentReader.open(NioFileIO.INSTANCE, first, 1)) {
            while (r.next() == SegmentReader.Stop.RECORD) {
                lastRecord = Lsn.offset(r.frame().lsn());
            }
        }
        write(first, lastRecord + 30, new byte[] {(byte) ~read(first, lastRecord + 30, 1)[0]});
        Map<String, String> before = CrashRig.fingerprint(s.home());
        CorruptionException e = null;
        try (Environment env = Environment.open(s.home(), config())) {
            throw new AssertionError("recovery accepted damage in " + first.getFileName() + ": " + env.recoveryReport());
        } catch (CorruptionException ex) {
            e = ex;
        }
        assertEquals(first.toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize(), e.getMessage());
        assertEquals(lastRecord, e.offset(), e.getMessage());
        assertTrue(e.getMessage().contains("catastrophic recovery"), e.getMessage());
        assertEquals(before, CrashRig.fingerprint(s.home()), "a refused recovery changes no file");
    }

    /** A segment missing below one never begun: the gap is a lost segment, not the end of the log. */
    @Test
    void aMissingSegmentBelowOneNeverBegunIsNamed() throws IOException {
        TransfersOverSegments s = TransfersOverSegments.crash(tmp.resolve("gap"), "gap", ACCOUNTS, 3, 1, config());
        List<Path> segs = CrashRig.segments(s.home());
        Files.delete(segs.get(1));
        Path third = segs.get(2);
        Files.write(third, new byte[(int) Files.size(third)]);
        StorageException e = null;
        try (Environment env = Environment.open(s.home(), config())) {
            throw new AssertionError("recovery went on without " + segs.get(1).getFileName() + ": " + env.recoveryReport());
        } catch (StorageException ex) {
            e = ex;
        }
        assertEquals(segs.get(1).toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize(), e.getMessage());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
        assertTrue(Files.exists(third), "nothing was removed");
    }
    /**
     * The removal of a segment never begun must be durable before the log goes on in the segment
     * before it: brought back by a power loss (its deletion not synced), it made the next recovery
     * take that segment's torn tail, the unfinished write of the second crash, for damage.
     */
    @Test
    void aSegmentNeverBegunStaysRemovedAcrossAPowerLoss() throws IOException {
        Path home = tmp.resolve("removed-durably");
        java.util.List<String> acked = new java.util.ArrayList<>();
        Environment env = Environment.open(home, config());
        Bank.create(env, ACCOUNTS);
        transfers(env, "before", 20, acked);
        env.internals().abandon();
        Path first = CrashRig.segments(home).get(0);
        Path second = first.resolveSibling(String.format("log.%010d", 2));
        byte[] torn = new byte[64 << 10];
        System.arraycopy(read(first, 0, 20), 0, torn, 0, 20);
        Files.write(second, torn);

        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 7);
        env = Environment.open(home, config().fileIO(fio));
        assertFalse(Files.exists(second), "recovery removed the segment never begun");
        transfers(env, "after", 5, acked);
        fio.crash();
        env.internals().abandon();
        // The crash also tore the write that was under way at the end of the log.
        long end = -1;
        try (SegmentReader r = SegmentReader.open(NioFileIO.INSTANCE, first, 1)) {
            while (r.next() == SegmentReader.Stop.RECORD) {
                end = r.offset();
            }
        }
        byte[] junk = new byte[100];
        java.util.Arrays.fill(junk, (byte) 0x5A);
        write(first, end, junk);

        try (Environment again = Environment.open(home, config())) {
            Bank.verify(again, ACCOUNTS, acked, "recovery: " + again.recoveryReport());
            assertNotNull(again.recoveryReport().truncatedTail(), again.recoveryReport().toString());
        }
    }

    private static void transfers(Environment env, String prefix, int n, java.util.List<String> acked) {
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        for (int i = 0; i < n; i++) {
            Bank.Transfer t = new Bank.Transfer(prefix + "-" + i, i % ACCOUNTS, (i + 1) % ACCOUNTS, 1);
            Bank.transfer(env, acc, hist, t, new TransactionConfig().durability(Durability.SYNC));
            acked.add(t.id());
        }
    }
}
