package org.cairndb.crash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.cairndb.Transaction;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.LogRecordType;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.cairndb.util.Checksums;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery's own corruption checks (those past the log scanner's): a data file that only the last
 * checkpoint still names, lost; a COMMIT of a prepared transaction whose PREPARE is not in the log
 * replayed; a record whose checksum is valid but whose contents cannot be decoded. Each refusal
 * names the file, says what is wrong and what to do, and changes no file.
 */
class RecoveryDamageTest {

    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static EnvironmentConfig config() {
        return CrashRig.config(NioFileIO.INSTANCE, Durability.SYNC).logSegmentSize(64 << 10).checkpointerEnabled(false)
                .checkpointKBytes(0).cacheSize(64 << 20);
    }

    private static StorageException refused(Path home) throws IOException {
        Map<String, String> before = CrashRig.fingerprint(home);
        try (Environment env = Environment.open(home, config())) {
            throw new AssertionError("recovery accepted the damage: " + env.recoveryReport());
        } catch (StorageException e) {
            assertEquals(before, CrashRig.fingerprint(home), "a refused recovery changes no file");
            assertTrue(e.getMessage().contains("catastrophic recovery"), "the message says what to do: " + e.getMessage());
            return e;
        }
    }

    private static void fill(Database db, String prefix, int n) {
        for (int i = 0; i < n; i++) {
            db.put(null, b(prefix + i), b("value-" + i + "-" + "x".repeat(100)));
        }
    }

    @Test
    void aLostDataFileThatOnlyTheCheckpointNamesIsNamed() throws IOException {
        Path home = tmp.resolve("env");
        Environment env = Environment.open(home, config());
        fill(env.openDatabase("quiet"), "q", 100);
        fill(env.openDatabase("busy"), "b", 100);
        env.checkpoint(true);
        fill(env.openDatabase("busy"), "c", 100); // nothing written to "quiet" after the checkpoint
        env.internals().abandon();
        Path lost = home.resolve("data/quiet.cdb");
        Files.delete(lost);
        StorageException e = refused(home);
        assertEquals(lost.toAbsolutePath(), e.file().toAbsolutePath(), e.getMessage());
        assertTrue(e.getMessage().contains("data file of database 'quiet' is missing (the checkpoint at "), e.getMessage());
    }

    /**
     * A prepared transaction whose PREPARE lies in segment 1 and whose COMMIT lies in segment 2;
     * then the data files are lost and segment 1 removed (archived away): recovery, with no data
     * file to say where to start, replays from segment 2 and meets the COMMIT first. The refusal
     * must name a file, not the log directory, and say that the PREPARE's segment is not there.
     */
    @Test
    void aCommitWhosePrepareIsNotInTheLogNamesTheSegments() throws IOException {
        Path home = tmp.resolve("env");
        Path logDir = home.resolve("log");
        Environment env = Environment.open(home, config());
        Database db = env.openDatabase("t");
        fill(db, "a", 10);
        Transaction txn = env.beginTransaction();
        db.put(txn, b("prepared"), b("value"));
        txn.prepare(b("gid-1"));
        for (int i = 0; CrashRig.segments(home).size() < 2; i++) {
            fill(db, "f" + i + "-", 50);
        }
        txn.commit();
        fill(db, "z", 10);
        env.internals().abandon();
        Files.delete(logDir.resolve(SegmentFiles.name(1)));
        try (var s = Files.list(home.resolve("data"))) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        StorageException e = refused(home);
        assertTrue(e.file() != null && !e.file().toAbsolutePath().equals(logDir.toAbsolutePath()),
                "a file is named, not the log directory: " + e.getMessage());
        assertTrue(e instanceof CorruptionException, CrashRig.describe(e));
        assertEquals(logDir.resolve(SegmentFiles.name(2)).toAbsolutePath(), e.file().toAbsolutePath(), e.getMessage());
        assertTrue(e.getMessage().contains(SegmentFiles.name(1) + ", which is not in"), "the PREPARE's segment is named: "
                + e.getMessage());
        assertTrue(e.getMessage().contains("are the data files missing?"), e.getMessage());
    }

    @Test
    void aRecordWithAValidChecksumThatCannotBeDecodedIsNamed() throws IOException {
        Path home = tmp.resolve("env");
        Path logDir = home.resolve("log");
        Environment env = Environment.open(home, config());
        Database db = env.openDatabase("t");
        for (int i = 0; CrashRig.segments(home).size() < 3; i++) {
            fill(db, "f" + i + "-", 50);
        }
        env.internals().abandon();
        List<long[]> commits = new ArrayList<>();
        new LogScanner(NioFileIO.INSTANCE, logDir).scan(Lsn.NULL, null, f -> {
            if (f.type() == LogRecordType.COMMIT && Lsn.segment(f.lsn()) == 2) {
                commits.add(new long[] {Lsn.offset(f.lsn()), f.size()});
            }
        });
        long[] victim = commits.get(commits.size() / 2);
        Path segment = logDir.resolve(SegmentFiles.name(2));
        // Written as a Cairn with another layout of COMMIT records would write it: framed and checksummed, unreadable.
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer rec = ByteBuffer.allocate((int) victim[1]);
            ch.read(rec, victim[0]);
            for (int i = 24; i < rec.capacity() - 4; i++) {
                rec.put(i, (byte) 0xFF);
            }
            rec.putInt(rec.capacity() - 4, Checksums.crc32c(rec.array(), 0, rec.capacity() - 4));
            rec.clear();
            ch.write(rec, victim[0]);
        }
        StorageException e = refused(home);
        assertTrue(e instanceof CorruptionException, CrashRig.describe(e));
        assertEquals(segment.toAbsolutePath(), e.file().toAbsolutePath(), e.getMessage());
        assertEquals(victim[0], ((CorruptionException) e).offset(), e.getMessage());
        assertTrue(e.getMessage().contains("record of type COMMIT has a valid checksum but cannot be decoded"), e.getMessage());
    }
}
