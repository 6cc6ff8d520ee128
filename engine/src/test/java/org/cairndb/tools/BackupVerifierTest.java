package org.cairndb.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.TestSupport;
import org.cairndb.backup.BackupManifest;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BackupVerifier}: a backup checked against its manifest and its log, without opening it. */
class BackupVerifierTest {

    @TempDir
    Path dir;

    private Path backup(boolean split) throws Exception {
        Path backup = dir.resolve("backup");
        try (Environment env = Environment.open(dir.resolve("env"), TestSupport.config().logSegmentSize(64 << 10))) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < 300; i++) {
                db.put(null, TestSupport.b("k" + i), new byte[500]);
            }
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(split).withRecover(false));
        }
        return backup;
    }

    @Test
    void aSplitBackupVerifiesAndItsLogIsSummed() throws Exception {
        Path backup = backup(true);
        BackupVerifier.Report r = new BackupVerifier(backup).verify();
        assertTrue(r.ok(), r.problems().toString());
        assertNotNull(r.manifest());
        assertEquals(r.manifest().files().size(), r.filesChecked());
        assertTrue(r.log().records() >= 300, r.log().toString());
        assertEquals(1, r.log().firstSegment());
        assertTrue(r.log().lastSegment() >= 2, r.log().toString());
    }

    @Test
    void aFileNotInTheManifestIsAProblem() throws Exception {
        Path backup = backup(false);
        Files.copy(backup.resolve("t.cdb"), backup.resolve("stray.cdb"));
        BackupVerifier.Report r = new BackupVerifier(backup).verify();
        assertEquals(1, r.problems().size(), r.problems().toString());
        assertEquals(backup.resolve("stray.cdb").toAbsolutePath(), r.problems().get(0).file());
        assertTrue(r.problems().get(0).message().contains("not listed in the manifest"), r.problems().toString());
    }

    @Test
    void aTruncatedSegmentIsNamedBySizeAndByTheLog() throws Exception {
        Path backup = backup(false);
        Path seg = backup.resolve("log.0000000001");
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        BackupVerifier.Report r = new BackupVerifier(backup).verify();
        assertEquals(seg.toAbsolutePath(), r.problems().get(0).file(), r.problems().toString());
        assertTrue(r.problems().get(0).message().contains("bytes long, but the manifest says"), r.problems().toString());
        assertTrue(r.problems().stream().anyMatch(p -> p.message().startsWith("corrupt at offset ")),
                r.problems().toString());
    }

    @Test
    void anUnreadableManifestIsNamed() throws Exception {
        Path backup = backup(false);
        Files.writeString(backup.resolve(BackupManifest.FILE_NAME), "{ not json");
        BackupVerifier.Report r = new BackupVerifier(backup).verify();
        assertEquals(1, r.problems().size());
        assertEquals(backup.resolve(BackupManifest.FILE_NAME).toAbsolutePath(), r.problems().get(0).file());
        assertTrue(r.problems().get(0).message().startsWith("cannot be read"), r.problems().toString());
    }
}
