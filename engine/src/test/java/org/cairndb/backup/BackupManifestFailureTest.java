package org.cairndb.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.cairndb.Environment;
import org.cairndb.backup.HotBackupTest.Writer;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.tools.BackupVerifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest, written last, is what says a backup is complete. It goes through the engine's file
 * layer like every other file of the copy, so a failure there (a full disk, a failing device) is
 * seen: the backup fails naming the manifest, leaves neither a manifest claiming more than the copy
 * holds nor its temporary file, and runs again afterwards.
 */
class BackupManifestFailureTest {

    @TempDir
    Path dir;

    private static boolean manifestOrItsTemporary(Path p) {
        return p.getFileName().toString().startsWith(BackupManifest.FILE_NAME);
    }

    /** The manifest and anything named after it in {@code backup}. */
    private static List<String> manifestFiles(Path backup) throws IOException {
        try (Stream<Path> s = Files.list(backup)) {
            return s.filter(BackupManifestFailureTest::manifestOrItsTemporary).map(p -> p.getFileName().toString()).sorted()
                    .toList();
        }
    }

    /** A first backup whose manifest cannot be forced to disk has no manifest; taken again, it is complete. */
    @Test
    void aFirstBackupWhoseManifestCannotBeForcedLeavesNoManifest() throws Exception {
        FaultInjectingFileIO io = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch"), 11);
        Path backup = dir.resolve("backup");
        Path fresh = dir.resolve("fresh");
        long acked;
        try (Environment env = Environment.open(dir.resolve("env"), HotBackupTest.cfg().fileIO(io));
                Writer w = new Writer(env, 0)) {
            w.awaitAcked(1000);
            io.failForce(1, BackupManifestFailureTest::manifestOrItsTemporary, true);
            IOException e = assertThrows(IOException.class,
                    () -> HotBackup.run(env.internals(), backup, BackupOptions.defaults()));
            assertTrue(e.getMessage().startsWith("cannot write the backup manifest " + backup.resolve(BackupManifest.FILE_NAME)
                    + ": "), e.getMessage());
            assertEquals(List.of(), manifestFiles(backup), "nothing says the backup is complete");
            assertFalse(new BackupVerifier(backup).verify().ok());
            io.clearFaults();
            // As the refusal of a second run says: a backup without a manifest is incomplete; back up into
            // a new directory (the fault layer would not see the old one emptied behind its back).
            IllegalArgumentException again = assertThrows(IllegalArgumentException.class,
                    () -> HotBackup.run(env.internals(), backup, BackupOptions.defaults()));
            assertTrue(again.getMessage().contains("holds no backup.manifest"), again.getMessage());
            acked = w.acked();
            HotBackup.run(env.internals(), fresh, BackupOptions.defaults());
        }
        assertEquals(List.of(BackupManifest.FILE_NAME), manifestFiles(fresh));
        HotBackupTest.assertVerifiesAndRecoversHolding(fresh, acked);
    }

    /**
     * An update whose manifest cannot be written (the disk fills just then) keeps the manifest of the
     * backup before the update, which verifybackup then finds does not match the updated files; the
     * update run again brings the backup up to date.
     */
    @Test
    void anUpdateWhoseManifestCannotBeWrittenKeepsTheOldOneAndRunsAgain() throws Exception {
        FaultInjectingFileIO io = new FaultInjectingFileIO(NioFileIO.INSTANCE, dir.resolve("scratch"), 12);
        Path backup = dir.resolve("backup");
        long acked;
        try (Environment env = Environment.open(dir.resolve("env"), HotBackupTest.cfg().fileIO(io));
                Writer w = new Writer(env, 0)) {
            w.awaitAcked(300);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            BackupManifest before = BackupManifest.read(backup);
            w.awaitAcked(w.acked() + 2500); // a few 256 KiB segments more
            io.failWrite(1, BackupManifestFailureTest::manifestOrItsTemporary, true);
            IOException e = assertThrows(IOException.class,
                    () -> HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true)));
            assertTrue(e.getMessage().startsWith("cannot write the backup manifest " + backup.resolve(BackupManifest.FILE_NAME)
                    + ": "), e.getMessage());
            assertEquals(List.of(BackupManifest.FILE_NAME), manifestFiles(backup), "no temporary manifest left");
            assertEquals(before, BackupManifest.read(backup), "the manifest still describes the backup before the update");
            assertFalse(new BackupVerifier(backup).verify().ok(), "the old manifest does not vouch for the updated files");
            io.clearFaults();
            acked = w.acked();
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true));
        }
        HotBackupTest.assertVerifiesAndRecoversHolding(backup, acked);
    }
}
