package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.backup.BackupManifest;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.cairndb.tools.Bench;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged backups and bad targets: each gets a clear one-line error naming the file, and the
 * environment backed up is never harmed.
 */
class BadInputTest {

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    static Path home;
    static Path pristine;
    Path backup;
    List<Path> segments;

    static EnvironmentConfig config() {
        return new EnvironmentConfig().cacheSize(16L << 20).logSegmentSize(64 << 10).checkpointerEnabled(false);
    }

    /** Writes filler records until the log is in segment {@code n}. */
    static void fillSegments(Environment env, long n) {
        Database filler = env.openDatabase("filler");
        TransactionConfig fast = new TransactionConfig().durability(Durability.WRITE_NO_SYNC);
        for (int i = 0; env.internals().log().currentSegment() < n; i++) {
            try (Transaction t = env.beginTransaction(fast)) {
                filler.put(t, TransferWriter.bytes("f" + i), new byte[1500]);
                t.commit();
            }
        }
    }

    /**
     * An environment with transfers and several segments, and a hot backup of it left for
     * catastrophic recovery (--no-recover), so that restoring it needs every segment it holds.
     */
    @BeforeAll
    static void backupOfSeveralSegments() throws Exception {
        home = shared.resolve("env");
        pristine = shared.resolve("backup");
        try (Environment env = Environment.open(home, config())) {
            TransferWriter.initBank(env, 200);
            try (TransferWriter w = new TransferWriter(env, 2, 7, 0)) {
                w.awaitMore(100);
            }
            fillSegments(env, 5);
            HotBackup.run(env.internals(), pristine, BackupOptions.defaults().withRecover(false));
        }
        Cairn.ok("verifybackup", pristine.toString());
    }

    @BeforeEach
    void copyOfTheBackup() throws Exception {
        backup = dir.resolve("backup");
        TestSupport.copyTree(pristine, backup);
        segments = SegmentFiles.list(NioFileIO.INSTANCE, backup).stream().map(n -> backup.resolve(SegmentFiles.name(n)))
                .toList();
        assertTrue(segments.size() >= 4, "the backup holds " + segments);
    }

    /** The environment backed up still verifies and passes the bank's check. */
    private void assertSourceUnharmed() {
        Cairn.ok("verify", "-h", home.toString());
        try (Environment env = Environment.open(home, config().allowCreate(false))) {
            assertTrue(Bench.check(env).ok(), Bench.check(env).message());
        }
    }

    private static void assertOneLineNaming(Cairn.Result r, String command, Path file, String... words) {
        assertEquals(1, r.exit(), r::toString);
        assertEquals(1, r.err().strip().lines().count(), r::toString);
        assertTrue(r.err().startsWith("cairn " + command + ": "), r::toString);
        assertTrue(r.err().contains(file.toString()), () -> "does not name " + file + ":\n" + r);
        for (String w : words) {
            assertTrue(r.err().contains(w), () -> "does not say '" + w + "':\n" + r);
        }
    }

    static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x10)).rewind();
            ch.write(b, offset);
        }
    }

    @Test
    void aMissingSegmentIsNamedByVerifybackupAndByRecovery() throws Exception {
        Path gone = segments.get(1);
        Files.delete(gone);
        assertOneLineNaming(Cairn.run("verifybackup", backup.toString()), "verifybackup", gone, "missing");
        assertOneLineNaming(Cairn.run("recover", "-c", "-h", backup.toString()), "recover",
                gone.getFileName(), "missing");
        assertSourceUnharmed();
    }

    @Test
    void aSegmentOfAnotherEnvironmentIsNamed() throws Exception {
        Path other = dir.resolve("other");
        try (Environment env = Environment.open(other, config())) {
            fillSegments(env, 5);
        }
        Path foreign = segments.get(1);
        Files.copy(other.resolve("log").resolve(foreign.getFileName()), foreign, StandardCopyOption.REPLACE_EXISTING);
        Cairn.Result v = Cairn.run("verifybackup", backup.toString());
        assertOneLineNaming(v, "verifybackup", foreign, "SHA-256");
        assertTrue(v.out().contains("PROBLEM: " + foreign + ": corrupt at offset 24: segment belongs to environment"),
                v::toString);
        assertOneLineNaming(Cairn.run("recover", "-c", "-h", backup.toString()), "recover", foreign,
                "belongs to environment");
        assertSourceUnharmed();
    }

    @Test
    void aFlippedByteInADataFileIsNamed() throws Exception {
        Path data = backup.resolve(Bench.ACCOUNTS + ".cdb");
        flipByte(data, Files.size(data) / 2);
        assertOneLineNaming(Cairn.run("verifybackup", backup.toString()), "verifybackup", data, "SHA-256");
        assertSourceUnharmed();
    }

    @Test
    void aFlippedByteInASegmentIsNamedWithItsOffset() throws Exception {
        Path seg = segments.get(1);
        flipByte(seg, 1000);
        Cairn.Result r = Cairn.run("verifybackup", backup.toString());
        assertOneLineNaming(r, "verifybackup", seg, "SHA-256");
        assertTrue(r.out().contains("PROBLEM: " + seg + ": corrupt at offset "), r::toString);
        assertOneLineNaming(Cairn.run("recover", "-c", "-h", backup.toString()), "recover", seg, "corrupt");
        assertSourceUnharmed();
    }

    @Test
    void anIncompleteBackupHasNoManifestAndIsNamed() throws Exception {
        Files.delete(backup.resolve(BackupManifest.FILE_NAME));
        assertOneLineNaming(Cairn.run("verifybackup", backup.toString()), "verifybackup",
                backup.resolve(BackupManifest.FILE_NAME), "not a complete backup");
    }

    @Test
    void aNonEmptyTargetIsRefusedAndLeftAlone() throws Exception {
        Path target = dir.resolve("target");
        Files.createDirectories(target);
        Files.writeString(target.resolve("holiday-photos.jpg"), "precious");
        Cairn.Result r = Cairn.run("hotbackup", "-h", home.toString(), "-b", target.toString());
        assertOneLineNaming(r, "hotbackup", target, "not empty");
        try (var s = Files.list(target)) {
            assertEquals(List.of(target.resolve("holiday-photos.jpg")), s.toList());
        }
        assertEquals("precious", Files.readString(target.resolve("holiday-photos.jpg")));
        assertSourceUnharmed();
    }
}
