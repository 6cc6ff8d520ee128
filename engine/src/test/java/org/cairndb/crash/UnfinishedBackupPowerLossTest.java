package org.cairndb.crash;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.FaultInjectingFileIO.CrashOptions;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Power loss at each force a hot backup makes in its target. A backup cut short holds data files
 * and a log that stops early; opened, it would recover to wherever its log stops, without commits
 * acknowledged before it began. The line its lock file carries while files are copied in ("files
 * are being copied in", see docs/file-format.md) makes every open refuse it, but only if that line
 * reaches the disk before any copied file does: each copied file is forced as it is written, and
 * a lock file written but not forced lost the line while keeping the files.
 */
class UnfinishedBackupPowerLossTest {

    private static final int RECORDS = 400;

    @TempDir
    Path tmp;

    @Test
    void aBackupCutShortByPowerLossIsRefusedOrWhole() throws Exception {
        Path pristine = tmp.resolve("pristine");
        try (Environment env = Environment.open(pristine, config(NioFileIO.INSTANCE))) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < RECORDS; i++) {
                db.put(null, b("k" + i), new byte[700]); // several 64 KiB segments
            }
        }
        int refused = 0;
        for (int n = 1; ; n++) {
            Path home = tmp.resolve("env-" + n);
            Path backup = tmp.resolve("backup-" + n);
            TestSupport.copyTree(pristine, home);
            FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch-" + n), n);
            fio.crashOnForce(n, p -> p.startsWith(backup), CrashOptions.lossOnly());
            Environment env = Environment.open(home, config(fio));
            try {
                HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            } catch (RuntimeException | java.io.IOException e) {
                assertTrue(fio.isCrashed(), "the backup failed for another reason than the power loss: " + e);
            } finally {
                env.internals().abandon();
            }
            if (!fio.isCrashed()) {
                assertTrue(n > 5, "the backup forced its target only " + (n - 1) + " times");
                break; // every force of the backup has had its power loss
            }
            String what = "power lost at the backup's force " + n + ": " + fio.crashReport();
            try (Environment copy = Environment.open(backup, config(NioFileIO.INSTANCE).allowCreate(false))) {
                assertEquals(RECORDS, copy.openDatabase("t", false).count(), "a copy that opens is whole; " + what);
            } catch (CairnException e) {
                if (!e.getMessage().contains("is not a Cairn environment")) { // nothing of it reached the disk
                    assertTrue(e.getMessage().contains("is an unfinished copy"), what + ": " + e.getMessage());
                    refused++;
                }
            }
        }
        assertTrue(refused > 0, "some power losses left an unfinished copy, refused");
    }

    private static EnvironmentConfig config(FileIO io) {
        return new EnvironmentConfig().fileIO(io).cacheSize(8L << 20).logSegmentSize(64 << 10).checkpointerEnabled(false);
    }
}
