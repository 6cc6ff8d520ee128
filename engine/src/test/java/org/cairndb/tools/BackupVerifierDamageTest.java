package org.cairndb.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.TreeMap;
import java.util.stream.Stream;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.TestSupport;
import org.cairndb.backup.BackupManifest;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn verifybackup} on backups damaged the ways backups get damaged: a file lost or
 * changed on the backup host, a data file swapped for another environment's, a segment lost at
 * either end of the log, the manifest edited by hand or damaged. Each problem must name the file
 * and say what is wrong, and verifying must write nothing into the backup.
 */
class BackupVerifierDamageTest {

    @TempDir
    Path dir;

    /** A hot backup (flat, or split into data/ and log/) of an environment whose log spans several segments. */
    private Path backup(String name, boolean split) throws IOException {
        Path backup = dir.resolve(name + "-backup");
        try (Environment env = Environment.open(dir.resolve(name), TestSupport.config().logSegmentSize(64 << 10))) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < 300; i++) {
                db.put(null, TestSupport.b("k" + i), new byte[500]);
            }
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(split).withRecover(false));
        }
        return backup;
    }

    /** Verifies, checking that the backup's files are the same before and after. */
    private static BackupVerifier.Report verify(Path backup) throws IOException {
        Map<String, String> before = fingerprint(backup);
        BackupVerifier.Report r = new BackupVerifier(backup).verify();
        assertEquals(before, fingerprint(backup), "verifying wrote nothing into the backup");
        return r;
    }

    private static BackupVerifier.Problem problem(BackupVerifier.Report r, Path file, String text) {
        assertFalse(r.ok(), "the damaged backup was reported as good");
        for (BackupVerifier.Problem p : r.problems()) {
            if (p.file().equals(file.toAbsolutePath().normalize()) && p.message().contains(text)) {
                return p;
            }
        }
        throw new AssertionError("no problem with " + file + " saying '" + text + "': " + r.problems());
    }

    private static Path segment(Path logDir, long n) {
        return logDir.resolve(SegmentFiles.name(n));
    }

    private static List<Path> segments(Path logDir) throws IOException {
        List<Path> out = new ArrayList<>();
        for (long n : SegmentFiles.list(org.cairndb.io.NioFileIO.INSTANCE, logDir)) {
            out.add(segment(logDir, n));
        }
        return out;
    }

    private static void flip(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) ~b.get(0)).rewind();
            ch.write(b, offset);
        }
    }

    private static void editManifest(Path backup, String from, String to) throws IOException {
        Path m = backup.resolve(BackupManifest.FILE_NAME);
        String text = Files.readString(m);
        assertTrue(text.contains(from), "the manifest holds " + from + ": " + text);
        Files.writeString(m, text.replace(from, to));
    }

    @Test
    void aFlippedByteInADataFileIsFoundByItsChecksum() throws IOException {
        Path backup = backup("env", false);
        Path file = backup.resolve("t.cdb");
        flip(file, Files.size(file) - 100);
        BackupVerifier.Problem p = problem(verify(backup), file, "the file was damaged or changed after the backup");
        assertTrue(p.message().startsWith("SHA-256 "), p.toString());
    }

    @Test
    void bothHeaderCopiesOfADataFileDamagedAreNamed() throws IOException {
        Path backup = backup("env", false);
        Path file = backup.resolve("t.cdb");
        int page = new DataFileSurgery(file).pageSize();
        flip(file, 60);
        flip(file, page + 60);
        BackupVerifier.Report r = verify(backup);
        problem(r, file, "SHA-256");
        BackupVerifier.Problem p = problem(r, file, "no valid header");
        assertTrue(p.message().startsWith("corrupt at offset 0: "), p.toString());
        assertTrue(p.message().contains("restore the file from a backup"), p.toString());
    }

    @Test
    void aDataFileOfAnotherEnvironmentIsNamed() throws IOException {
        Path backup = backup("env", false);
        Path other = backup("other", false);
        Path file = backup.resolve("t.cdb");
        Files.copy(other.resolve("t.cdb"), file, StandardCopyOption.REPLACE_EXISTING);
        BackupVerifier.Report r = verify(backup);
        BackupVerifier.Problem p = problem(r, file, "belongs to environment ");
        assertTrue(p.message().endsWith("but this is a backup of " + r.manifest().environmentId()), p.toString());
    }

    @Test
    void aListedDataFileThatIsGoneIsNamed() throws IOException {
        Path backup = backup("env", true);
        Path file = backup.resolve("data/t.cdb");
        Files.delete(file);
        BackupVerifier.Report r = verify(backup);
        assertEquals(1, r.problems().size(), r.problems().toString());
        problem(r, file, "listed in the manifest but missing");
    }

    @Test
    void aLostFirstSegmentIsNamedAsWhereRecoveryStarts() throws IOException {
        Path backup = backup("env", false);
        Path first = segment(backup, 1);
        BackupManifest m = BackupManifest.read(backup);
        assertEquals(1, Lsn.segment(Lsn.parse(m.startLsn())), "recovery of the backup starts in the first segment");
        Files.delete(first);
        BackupVerifier.Report r = verify(backup);
        problem(r, first, "listed in the manifest but missing");
        problem(r, first, "is missing: recovery of this backup starts in it (LSN " + m.startLsn() + ")");
    }

    @Test
    void aLostLastSegmentIsNamedAndTheLogFoundShort() throws IOException {
        Path backup = backup("env", false);
        List<Path> segs = segments(backup);
        assertTrue(segs.size() >= 3, segs.toString());
        Path last = segs.get(segs.size() - 1);
        Files.delete(last);
        BackupVerifier.Report r = verify(backup);
        problem(r, last, "listed in the manifest but missing");
        BackupVerifier.Problem p = problem(r, segs.get(segs.size() - 2), "before LSN " + r.manifest().endLsn()
                + " that the backup copied it to: segments are missing or incomplete");
        assertTrue(p.message().startsWith("the log ends at LSN "), p.toString());
    }

    @Test
    void aLostLogDirectoryIsNamed() throws IOException {
        Path backup = backup("env", true);
        Path logDir = backup.resolve("log");
        try (Stream<Path> s = Files.list(logDir)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(logDir);
        BackupVerifier.Report r = verify(backup);
        problem(r, segment(logDir, 1), "listed in the manifest but missing");
        problem(r, logDir, "holds no log segment; recovery of this backup needs the log from LSN " + r.manifest().startLsn());
    }

    @Test
    void anEmptySegmentLeftInTheBackupIsNamedAndNoted() throws IOException {
        Path backup = backup("env", false);
        List<Path> segs = segments(backup);
        Path extra = segment(backup, segs.size() + 1);
        Files.write(extra, new byte[64 << 10]);
        BackupVerifier.Report r = verify(backup);
        problem(r, extra, "is not listed in the manifest");
        assertTrue(r.notes().stream().anyMatch(n -> n.startsWith(extra.getFileName() + " was created but never begun")),
                r.notes().toString());
    }

    @Test
    void aSegmentDamagedBeforeTheBackupTookItIsFoundByTheLogScan() throws IOException {
        // The manifest's checksums match (the copy is faithful): only reading the records finds it.
        Path backup = backup("env", false);
        Path seg = segment(backup, 1);
        flip(seg, 5000);
        Path manifest = backup.resolve(BackupManifest.FILE_NAME);
        BackupManifest m = BackupManifest.read(backup);
        List<BackupManifest.FileEntry> files = new ArrayList<>();
        for (BackupManifest.FileEntry f : m.files()) {
            files.add(f.path().equals(seg.getFileName().toString())
                    ? new BackupManifest.FileEntry(f.path(), f.size(), BackupManifest.sha256(seg)) : f);
        }
        Files.delete(manifest);
        new BackupManifest(m.format(), m.version(), m.cairnVersion(), m.environmentId(), m.source(), m.layout(),
                m.startedAt(), m.finishedAt(), m.startLsn(), m.endLsn(), m.recovered(), m.lastCommit(),
                m.preparedTransactions(), files).write(org.cairndb.io.NioFileIO.INSTANCE, backup);
        BackupVerifier.Report r = verify(backup);
        assertEquals(1, r.problems().size(), r.problems().toString());
        BackupVerifier.Problem p = problem(r, seg, "the backup is damaged: restore this file from another copy, or take a new backup");
        assertTrue(p.message().startsWith("corrupt at offset "), p.toString());
        assertFalse(p.message().contains("normal recovery"), "the advice is for a backup: " + p);
    }

    // ---- the manifest edited or damaged ----

    @Test
    void aManifestNamingAnInvalidEnvironmentIdIsNamed() throws IOException {
        Path backup = backup("env", false);
        String id = BackupManifest.read(backup).environmentId();
        editManifest(backup, id, "not-an-id");
        problem(verify(backup), backup.resolve(BackupManifest.FILE_NAME), "names no valid environment id (not-an-id)");
    }

    @Test
    void aManifestListingAPathOutsideTheBackupIsNamed() throws IOException {
        Path backup = backup("env", false);
        editManifest(backup, "\"t.cdb\"", "\"../env/data/t.cdb\"");
        BackupVerifier.Report r = verify(backup);
        problem(r, backup.resolve(BackupManifest.FILE_NAME), "lists '../env/data/t.cdb', which is outside the backup directory");
        problem(r, backup.resolve("t.cdb"), "is not listed in the manifest");
    }

    @Test
    void aManifestListingAnInvalidPathIsNamed() throws IOException {
        Path backup = backup("env", false);
        editManifest(backup, "\"t.cdb\"", "\"t\\u0000.cdb\"");
        problem(verify(backup), backup.resolve(BackupManifest.FILE_NAME), "lists an invalid path");
    }

    @Test
    void aManifestWithAnUnreadableLsnIsNamed() throws IOException {
        Path backup = backup("env", false);
        String start = BackupManifest.read(backup).startLsn();
        editManifest(backup, "\"" + start + "\"", "\"" + start.replace('/', '-') + "\"");
        BackupVerifier.Problem p = problem(verify(backup), backup.resolve(BackupManifest.FILE_NAME), "holds an unreadable LSN");
        assertTrue(p.message().contains(start.replace('/', '-')), p.toString());
    }

    @Test
    void aManifestWhoseFileListIsGoneIsNamedNotACrash() throws IOException {
        Path backup = backup("env", false);
        Path manifest = backup.resolve(BackupManifest.FILE_NAME);
        String text = Files.readString(manifest);
        Files.writeString(manifest, text.substring(0, text.indexOf("\"files\"")).replaceAll(",\\s*$", "") + "\n}\n");
        BackupVerifier.Report r = verify(backup);
        problem(r, manifest, "lists no files");
    }

    @Test
    void aManifestWithAnEmptyEntryIsNamedNotACrash() throws IOException {
        Path backup = backup("env", false);
        editManifest(backup, "\"files\" : [", "\"files\" : [ null,");
        BackupVerifier.Report r = verify(backup);
        problem(r, backup.resolve(BackupManifest.FILE_NAME), "empty entry");
    }

    @Test
    void aFileInsteadOfADirectoryIsRefusedByName() throws IOException {
        Path backup = backup("env", false);
        Path file = backup.resolve("t.cdb");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BackupVerifier(file).verify());
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("not a directory"), e.getMessage());
    }

    private static Map<String, String> fingerprint(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted().toList()) {
                m.put(root.relativize(p).toString(), Files.isRegularFile(p)
                        ? Files.getLastModifiedTime(p) + " " + BackupManifest.sha256(p) : "dir");
            }
        }
        return m;
    }

    /**
     * An update that stopped half-way (here: the backup's disk failed a write) leaves files that
     * disagree with the manifest of the update before. verifybackup advised taking them out or
     * taking the backup again; the remedy is to run the update again, which finishes it.
     */
    @Test
    void anUpdateThatStoppedHalfWayIsToBeRunAgain() throws IOException {
        Path backup = dir.resolve("stopped-backup");
        org.cairndb.io.FaultInjectingFileIO fio = new org.cairndb.io.FaultInjectingFileIO(org.cairndb.io.NioFileIO.INSTANCE,
                dir.resolve("scratch"), 1);
        try (Environment env = Environment.open(dir.resolve("stopped"), TestSupport.config().fileIO(fio).logSegmentSize(64 << 10))) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < 100; i++) {
                db.put(null, TestSupport.b("k" + i), new byte[500]);
            }
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            for (int i = 100; i < 400; i++) {
                db.put(null, TestSupport.b("k" + i), new byte[500]);
            }
            fio.failWrite(3, p -> p.startsWith(backup), true);
            assertThrows(IOException.class, () -> HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true)));
            BackupVerifier.Report stopped = verify(backup);
            assertFalse(stopped.ok(), stopped::toString);
            BackupVerifier.Problem first = stopped.problems().get(0);
            assertEquals(backup.resolve("cairn.lock"), first.file(), stopped::toString);
            assertTrue(first.message().contains("(hot backup to " + backup + "), which was copying files in and stopped before"
                    + " it finished") && first.message().contains("run the same update again")
                    // an update that stopped on damage in the copy cannot finish by running again
                    && first.message().endsWith("unless the update stopped on damage in this copy (it said so): then take"
                    + " a new copy"), first::toString);

            fio.clearFaults();
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true));
        }
        assertTrue(verify(backup).ok(), "the update run again finished it");
    }
}
