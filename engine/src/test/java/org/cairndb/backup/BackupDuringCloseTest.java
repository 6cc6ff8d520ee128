package org.cairndb.backup;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.archive.BackupPins;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hot backup that is still copying when its environment is closed. The close releases the
 * home's lock: another process may open it at once and write data-file pages the backup's pin
 * still needs, or remove segments it has yet to copy. A backup that went on copying from the
 * closed home then made a copy that nothing kept consistent; it must stop, and the close must not
 * release the home until it has.
 */
class BackupDuringCloseTest {

    @TempDir
    Path dir;

    @Test
    void closeStopsARunningBackupBeforeItLetsTheHomeGo() throws Exception {
        Path home = dir.resolve("home");
        Path target = dir.resolve("backup");
        Environment env = Environment.open(home, new EnvironmentConfig().allowCreate(true).checkpointerEnabled(false));
        byte[] value = new byte[4000];
        for (int d = 0; d < 4; d++) { // four data files of about 1 MB: the copy reports after each
            Database db = env.openDatabase("db" + d, true);
            try (Transaction t = env.beginTransaction()) {
                for (int i = 0; i < 250; i++) {
                    db.put(t, b("k" + i), value);
                }
                t.commit();
            }
        }
        env.checkpoint(true);

        CountDownLatch copying = new CountDownLatch(1);
        BackupOptions slow = BackupOptions.defaults().withMaxRate(1).withProgress(p -> {
            if (p.phase().equals("data files") && p.files() >= 1) {
                copying.countDown();
            }
        });
        CompletableFuture<BackupResult> backup = CompletableFuture.supplyAsync(() -> {
            try {
                return HotBackup.run(env.internals(), target, slow);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }, org.cairndb.TestSupport.OWN_THREAD);
        assertTrue(copying.await(60, TimeUnit.SECONDS), "the backup never reported its first data file");
        assertFalse(backup.isDone(), "at 1 MB/s the backup should still be copying its data files");

        BackupPins pins = env.internals().backupPins();
        env.close();
        assertEquals(0, pins.count(), "close() returned while the backup still held its pin, copying from the released home");
        // Its pin gone, the copy reads nothing more of the home; the exception is on its way out.
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> backup.get(30, TimeUnit.SECONDS));
        String message = String.valueOf(e.getCause().getMessage());
        assertTrue(message.contains(target.toString()) && message.contains("closed") && message.contains(home.toString()),
                message);
        assertFalse(Files.exists(target.resolve(BackupManifest.FILE_NAME)), "an unfinished backup got a manifest");

        // The home is whole and opens again; a backup now runs to the end.
        try (Environment again = Environment.open(home, new EnvironmentConfig().allowCreate(false))) {
            assertNotNull(again.openDatabase("db3", false).get(null, b("k249")));
            assertNotNull(HotBackup.run(again.internals(), dir.resolve("backup2"), BackupOptions.defaults()).manifest());
        }
    }

    /**
     * A copy that passed its checks before the stop but pins after it (the adapter stops copies
     * before it waits for its operations, then closes) must not run on unstopped: its pin is refused.
     */
    @Test
    void aPinAfterTheStopIsRefusedAndOneBeforeItStops() {
        BackupPins pins = new BackupPins();
        BackupPins.Pin before = pins.pin(1, "hot backup to /b1");
        before.pause(0); // not stopped yet
        pins.stopAll("environment /h was closed while it copied");
        IllegalStateException stopped = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> before.pause(0));
        assertTrue(stopped.getMessage().startsWith("hot backup to /b1 stopped unfinished: environment /h was closed"),
                stopped.getMessage());
        IllegalStateException refused = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> pins.pin(1, "failover update of /f"));
        assertTrue(refused.getMessage().startsWith("failover update of /f stopped unfinished: environment /h was closed"),
                refused.getMessage());
        before.close();
        assertEquals(0, pins.count());
        assertTrue(pins.awaitNone(java.time.Duration.ZERO));
    }
}
