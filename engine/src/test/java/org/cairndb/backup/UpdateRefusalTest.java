package org.cairndb.backup;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.DirectorySnapshot;
import org.cairndb.Environment;
import org.cairndb.TestSupport;
import org.cairndb.backup.HotBackupTest.Writer;
import org.cairndb.io.PausingFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refused update ({@code hotbackup -u} or {@code failover}) changes nothing in the copy: not its
 * files' bytes (the lock file's included) and not the permissions an admin gave its directories
 * (here: group-readable, for a backup agent). Refusals used to come after the copy's directories
 * had been made owner-only and, for a copy written to, after this update's name went into its lock
 * file.
 */
class UpdateRefusalTest {

    @TempDir
    Path dir;

    /** The files' bytes and every file's and directory's permissions, by relative path. */
    private static Map<String, String> state(Path root) throws IOException {
        Map<String, String> m = new TreeMap<>();
        DirectorySnapshot.of(root).forEach((path, what) -> {
            // An open environment prepares its next log segment ahead, on a thread of its own.
            if (!path.endsWith(SegmentFiles.PREALLOCATED)) {
                m.put(path, what);
            }
        });
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String name = root.relativize(p).toString();
                if (!name.endsWith(SegmentFiles.PREALLOCATED)) {
                    m.put("permissions of " + (name.isEmpty() ? "." : name),
                            PosixFilePermissions.toString(Files.getPosixFilePermissions(p)));
                }
            }
        }
        return m;
    }

    /** Opens the copy's directories to its group, as an admin might for a backup agent. */
    private static void groupReadable(Path copy) throws IOException {
        try (Stream<Path> s = Files.walk(copy)) {
            for (Path p : s.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-x---"));
            }
        }
    }

    private static void assertRefusedNamingIt(IllegalArgumentException e, Path copy, String why) {
        assertTrue(e.getMessage().contains(copy.toString()) && e.getMessage().contains(why)
                && e.getMessage().contains("Nothing was changed"), e.getMessage());
    }

    @Test
    void anUpdateOfACopyThatIsOpenChangesNothing() throws Exception {
        try (Environment env = Environment.open(dir.resolve("env"), HotBackupTest.cfg()); Writer w = new Writer(env, 0)) {
            w.awaitAcked(500);
            for (boolean split : new boolean[] {false, true}) {
                Path copy = dir.resolve(split ? "split" : "flat");
                HotBackup.run(env.internals(), copy, BackupOptions.defaults().withSplitLayout(split));
                groupReadable(copy);
                w.awaitAcked(w.acked() + 500);
                try (Environment open = Environment.open(copy, HotBackupTest.cfg().allowCreate(false))) {
                    Map<String, String> before = state(copy);
                    assertRefusedNamingIt(assertThrows(IllegalArgumentException.class, () -> HotBackup.run(env.internals(),
                            copy, BackupOptions.defaults().withUpdate(true))), copy, "in use");
                    assertRefusedNamingIt(assertThrows(IllegalArgumentException.class,
                            () -> Failover.update(env.internals(), copy, BackupOptions.defaults())), copy, "in use");
                    assertEquals(before, state(copy), "the open copy was left exactly as it was");
                }
            }
        }
    }

    @Test
    void anUpdateOfACopyWrittenToChangesNothing() throws Exception {
        Path copy = dir.resolve("copy");
        try (Environment env = Environment.open(dir.resolve("env"), HotBackupTest.cfg()); Writer w = new Writer(env, 0)) {
            w.awaitAcked(500);
            Failover.update(env.internals(), copy, BackupOptions.defaults());
            try (Environment app = Environment.open(copy, HotBackupTest.cfg().allowCreate(false))) {
                app.openDatabase("t", false).put(null, b("written in the copy"), b("x"));
            }
            groupReadable(copy);
            Map<String, String> before = state(copy);
            w.awaitAcked(w.acked() + 500);
            assertRefusedNamingIt(assertThrows(IllegalArgumentException.class, () -> HotBackup.run(env.internals(), copy,
                    BackupOptions.defaults().withUpdate(true))), copy, "opened as an environment and written to");
            assertRefusedNamingIt(assertThrows(IllegalArgumentException.class,
                    () -> Failover.update(env.internals(), copy, BackupOptions.defaults())), copy,
                    "opened as an environment and written to");
            assertEquals(before, state(copy), "the refused updates left the copy exactly as they found it");
        }
    }

    /**
     * The segment after the copies' last one is gone from both the log (cairn archive -d, after
     * archiving) and the archive (pruned by hand). The updates failed only when they reached it,
     * with the copy's last segment already replaced by its newer archived copy, so that the copy's
     * manifest no longer matched its files.
     */
    @Test
    void anUpdateNeedingASegmentGoneEverywhereChangesNothing() throws Exception {
        Path backup = dir.resolve("backup");
        Path failover = dir.resolve("failover");
        Path archive = dir.resolve("archive");
        try (Environment env = Environment.open(dir.resolve("env"), HotBackupTest.cfg().archiveEnabled(true).archiveDir(archive))) {
            Database db = env.openDatabase("t");
            db.put(null, b("first"), b("v"));
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            Failover.update(env.internals(), failover, BackupOptions.defaults());
            long copysLast = env.internals().log().currentSegment();
            for (int i = 0; env.internals().log().currentSegment() < copysLast + 3; i++) {
                db.put(null, b("k" + i), new byte[1000]);
            }
            env.checkpoint(true);
            TestSupport.awaitArchived(env);
            env.internals().logArchive().removeArchivable();
            String gone = SegmentFiles.name(copysLast + 1);
            Files.delete(archive.resolve(gone));
            assertTrue(Files.notExists(env.internals().home().logDir().resolve(gone)), gone + " was removed from the log");
            for (Path copy : new Path[] {backup, failover}) {
                groupReadable(copy);
                Map<String, String> before = state(copy);
                CairnException e = assertThrows(CairnException.class, () -> {
                    if (copy == backup) {
                        HotBackup.run(env.internals(), copy, BackupOptions.defaults().withUpdate(true));
                    } else {
                        Failover.update(env.internals(), copy, BackupOptions.defaults());
                    }
                });
                assertTrue(e.getMessage().startsWith("log segment " + gone + " is needed by the backup in " + copy)
                        && e.getMessage().contains("nothing was changed"), e.getMessage());
                assertEquals(before, state(copy), "the refused update left " + copy + " exactly as it found it");
            }
        }
    }

    /**
     * Log removal runs beside an update until the update pins the log. An update comparing the
     * copy's last segment with the environment's found it in the log directory, and log removal took
     * it before the comparison opened it: the update failed with a bare NoSuchFileException. It is
     * now refused as when the segment was gone before the update began, naming it.
     */
    @Test
    void aSegmentRemovedAsTheUpdateComparesItIsRefusedByName() throws Exception {
        Path copy = dir.resolve("copy");
        PausingFileIO io = new PausingFileIO(org.cairndb.io.NioFileIO.INSTANCE);
        try (Environment env = Environment.open(dir.resolve("env"), HotBackupTest.cfg().fileIO(io))) {
            Database db = env.openDatabase("t");
            db.put(null, b("first"), b("v"));
            HotBackup.run(env.internals(), copy, BackupOptions.defaults());
            long copysLast = env.internals().log().currentSegment();
            for (int i = 0; env.internals().log().currentSegment() < copysLast + 3; i++) {
                db.put(null, b("k" + i), new byte[1000]);
            }
            env.checkpoint(true);
            Path segment = env.internals().home().logDir().resolve(SegmentFiles.name(copysLast));
            io.pauseAtOpen(segment::equals);
            java.util.concurrent.CompletableFuture<Void> update = java.util.concurrent.CompletableFuture.runAsync(() -> {
                try {
                    HotBackup.run(env.internals(), copy, BackupOptions.defaults().withUpdate(true));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, org.cairndb.TestSupport.OWN_THREAD);
            assertTrue(io.awaitPaused(60), "the update compares " + segment);
            env.internals().logArchive().removeArchivable();
            assertTrue(Files.notExists(segment), "log removal took " + segment);
            io.release();
            Throwable e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> update.get(60, java.util.concurrent.TimeUnit.SECONDS)).getCause();
            assertTrue(e instanceof CairnException && e.getMessage().startsWith("log segment "
                    + SegmentFiles.name(copysLast) + " is needed by the backup in " + copy)
                    && e.getMessage().contains("nothing was changed"), String.valueOf(e));
        }
    }
}
