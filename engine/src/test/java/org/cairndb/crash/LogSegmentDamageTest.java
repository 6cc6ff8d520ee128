package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cairndb.CorruptionException;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.StorageException;
import org.cairndb.TransactionConfig;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Log segments damaged or misplaced the way an admin, a disk or a crash does it, and recovery's
 * answer: a refusal that names the file (and offset) and says what to do, changing no file; or,
 * for a torn tail it cannot cut off, a failure naming the segment that leaves every commit to a
 * later open.
 */
class LogSegmentDamageTest {

    private static final int ACCOUNTS = 30;

    @TempDir
    Path tmp;

    private static EnvironmentConfig config() {
        return TransfersOverSegments.config(32 << 20);
    }

    /** A crashed environment whose log spans {@code segments} segments of acknowledged transfers. */
    private TransfersOverSegments build(String name, int segments) throws IOException {
        return TransfersOverSegments.crash(tmp.resolve(name), name, ACCOUNTS, segments, 50, config());
    }

    /** Opening is refused with a StorageException naming {@code file}; no file changed. */
    private static StorageException assertRefused(TransfersOverSegments s, Path file) throws IOException {
        Map<String, String> before = CrashRig.fingerprint(s.home());
        StorageException e;
        try (Environment env = Environment.open(s.home(), config())) {
            throw new AssertionError("recovery accepted the damaged log: " + env.recoveryReport());
        } catch (StorageException ex) {
            e = ex;
        }
        assertEquals(file.toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize(), CrashRig.describe(e));
        assertTrue(e.getMessage().contains("catastrophic recovery") || e.getMessage().contains("cairn recover"),
                "the message says what to do: " + e.getMessage());
        assertEquals(before, CrashRig.fingerprint(s.home()), "a refused recovery changes no file");
        return e;
    }

    private static void assertRecovered(TransfersOverSegments s) {
        try (Environment env = Environment.open(s.home(), config())) {
            Bank.verify(env, ACCOUNTS, s.acked(), "recovery: " + env.recoveryReport());
        }
    }

    private static byte[] readAll(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    /** Where the valid records of the log of {@code home} end. */
    private static long validEnd(Path home) throws IOException {
        return new LogScanner(NioFileIO.INSTANCE, home.resolve("log")).scan(Lsn.NULL, null, f -> { }).endLsn();
    }

    /** An admin restoring a segment copies the wrong archived file under its name. */
    @Test
    void aSegmentWhoseHeaderSaysAnotherNumberIsRefusedByName() throws IOException {
        TransfersOverSegments s = build("renamed", 3);
        List<Path> segs = CrashRig.segments(s.home());
        byte[] original = readAll(segs.get(1));
        Files.copy(segs.get(2), segs.get(1), StandardCopyOption.REPLACE_EXISTING);
        StorageException e = assertRefused(s, segs.get(1));
        assertTrue(e instanceof CorruptionException, CrashRig.describe(e));
        assertTrue(e.getMessage().contains("header says segment 3 but the file is named for segment 2"), e.getMessage());
        Files.write(segs.get(1), original);
        assertRecovered(s);
    }

    /** A segment in the middle of the chain emptied to zero bytes: refused by name, not taken for the end of the log. */
    @Test
    void aSegmentOfZeroLengthInTheMiddleIsRefusedByName() throws IOException {
        TransfersOverSegments s = build("zero-middle", 3);
        List<Path> segs = CrashRig.segments(s.home());
        byte[] original = readAll(segs.get(1));
        try (FileChannel ch = FileChannel.open(segs.get(1), StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
        StorageException e = assertRefused(s, segs.get(1));
        assertTrue(e instanceof CorruptionException, CrashRig.describe(e));
        assertEquals(0, ((CorruptionException) e).offset(), e.getMessage());
        Files.write(segs.get(1), original);
        assertRecovered(s);
    }

    /**
     * The segment the recovery starts in, zeroed (its header blank, nothing after it): refused as
     * such. It was said to be blank "but later segments exist" when it was the only one, and
     * reported missing when there were others, though its file was there.
     */
    @Test
    void aZeroedSegmentWhereRecoveryStartsIsRefusedSayingSo() throws IOException {
        TransfersOverSegments s = build("zeroed-start", 2);
        try (Environment env = Environment.open(s.home(), config())) {
            env.checkpoint(true);
        }
        List<Path> segs = CrashRig.segments(s.home());
        Path last = segs.get(segs.size() - 1);
        byte[] original = readAll(last);
        Files.write(last, new byte[original.length]);
        StorageException e = assertRefused(s, last);
        assertTrue(e instanceof CorruptionException, CrashRig.describe(e));
        assertTrue(e.getMessage().contains("blank") && e.getMessage().contains("recovery starts in it"), e.getMessage());
        Files.write(last, original);
        assertRecovered(s);
    }

    /**
     * The last segment cut short at an odd length, inside the 4-byte length of a record (a copy
     * that stopped early, a file system that lost the end): not a torn write, since segments are
     * created at full size; refused at the offset of the cut record, with the LSN to recover to.
     */
    @Test
    void aLastSegmentTruncatedToAnOddLengthIsRefusedAtTheCutRecord() throws IOException {
        TransfersOverSegments s = build("odd-length", 2);
        long end = validEnd(s.home());
        Path last = CrashRig.segments(s.home()).get(1);
        assertEquals(last.getFileName().toString(), String.format("log.%010d", Lsn.segment(end)));
        // Cut inside the length field of the last record that lies wholly before the end.
        long cut;
        long lastRecord;
        List<Long> starts = new ArrayList<>();
        new LogScanner(NioFileIO.INSTANCE, s.home().resolve("log")).scan(Lsn.NULL, null, f -> starts.add(f.lsn()));
        lastRecord = starts.get(starts.size() - 1);
        assertEquals(Lsn.segment(end), Lsn.segment(lastRecord));
        cut = Lsn.offset(lastRecord) + 3;
        byte[] original = readAll(last);
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            ch.truncate(cut);
        }
        StorageException e = assertRefused(s, last);
        assertTrue(e instanceof CorruptionException, CrashRig.describe(e));
        assertEquals(Lsn.offset(lastRecord), ((CorruptionException) e).offset(), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        assertTrue(e.getMessage().contains("--to-lsn " + Lsn.toString(lastRecord)), e.getMessage());
        Files.write(last, original);
        assertRecovered(s);
    }

    /**
     * Someone empties log/ ("old log files, the data is in data/"): the data files' checkpoint needs
     * the log from its LSN on, and recovery must not start a new empty log under data files that
     * are behind the commits the lost log held.
     */
    @Test
    void anEmptiedLogDirectoryIsRefusedWhileDataFilesNeedIt() throws IOException {
        TransfersOverSegments s = build("emptied", 2);
        Path saved = tmp.resolve("saved-log");
        Files.createDirectories(saved);
        List<Path> segs = CrashRig.segments(s.home());
        for (Path p : segs) {
            Files.move(p, saved.resolve(p.getFileName()));
        }
        StorageException e = assertRefused(s, segs.get(0));
        assertTrue(e.getMessage().contains("log segment " + segs.get(0).getFileName() + " is missing"), e.getMessage());
        assertTrue(e.getMessage().contains("restore it from the archive or a backup"), e.getMessage());
        try (var l = Files.list(s.home().resolve("log"))) {
            assertEquals(List.of(), l.filter(CrashRig::isLogSegment).toList(), "no new log was begun");
        }
        for (Path p : segs) {
            Files.move(saved.resolve(p.getFileName()), p);
        }
        assertRecovered(s);
    }

    /**
     * A restore that mixes an older copy of segment 1 (taken while it was being written, so shorter)
     * with the current segment 2: the chain does not join. Refused naming segment 2, where the
     * break shows, and saying which segment's records end short.
     */
    @Test
    void aBrokenChainIsRefusedNamingBothSegments() throws IOException {
        Path home = tmp.resolve("chain");
        TransfersOverSegments early = build("chain", 1);
        Path older = tmp.resolve("older-log.0000000001");
        Files.copy(CrashRig.segments(home).get(0), older);
        // Go on until the log spans two segments.
        List<String> acked = new ArrayList<>(early.acked());
        Environment env = Environment.open(home, config());
        Database acc = env.openDatabase(Bank.ACCOUNTS, false);
        Database hist = env.openDatabase(Bank.HISTORY, false);
        for (int i = 0; CrashRig.segments(home).size() < 2 || i % 50 != 0; i++) {
            Bank.Transfer t = new Bank.Transfer("more-" + i, i % ACCOUNTS, (i + 1) % ACCOUNTS, 1);
            Bank.transfer(env, acc, hist, t, new TransactionConfig().durability(Durability.SYNC));
            acked.add(t.id());
        }
        env.internals().abandon();
        TransfersOverSegments s = new TransfersOverSegments(home, acked);
        List<Path> segs = CrashRig.segments(home);
        byte[] original = readAll(segs.get(0));
        Files.copy(older, segs.get(0), StandardCopyOption.REPLACE_EXISTING);
        StorageException e = assertRefused(s, segs.get(1));
        assertTrue(e instanceof CorruptionException, CrashRig.describe(e));
        assertTrue(e.getMessage().contains("log chain broken"), e.getMessage());
        assertTrue(e.getMessage().contains(segs.get(0).getFileName().toString()),
                "the message names the segment whose records end short: " + e.getMessage());
        Files.write(segs.get(0), original);
        assertRecovered(s);
    }

    /**
     * A crash left a torn record at the end of the log, and the disk fails the write that cuts it
     * off: recovery fails naming the segment, and a later open (the disk working again) recovers
     * every acknowledged commit.
     */
    @Test
    void aFailureWhileCuttingOffATornTailNamesTheSegmentAndLosesNothing() throws IOException {
        TransfersOverSegments s = build("tail-cut-fails", 2);
        long end = validEnd(s.home());
        Path last = CrashRig.segments(s.home()).get(1);
        // What a torn append leaves: the first bytes of a record (a plausible length, its type), the rest never written.
        byte[] torn = new byte[40];
        ByteBuffer.wrap(torn).putInt(600).put((byte) 1);
        for (int i = 8; i < torn.length; i++) {
            torn[i] = (byte) (i * 31 + 1);
        }
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(torn), Lsn.offset(end));
        }
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 1)
                .failWrite(1, CrashRig::isLogSegment, true);
        StorageException e;
        try (Environment env = Environment.open(s.home(), config().fileIO(fio))) {
            throw new AssertionError("recovery did not cut off the torn tail, yet opened: " + env.recoveryReport());
        } catch (StorageException ex) {
            e = ex;
        }
        assertEquals(last.toAbsolutePath().normalize(), e.file().toAbsolutePath().normalize(), CrashRig.describe(e));
        assertTrue(e.getMessage().contains("torn"), e.getMessage());
        assertTrue(CrashRig.segments(s.home()).contains(last), "the segment is still there");
        assertRecovered(s);
    }
}
