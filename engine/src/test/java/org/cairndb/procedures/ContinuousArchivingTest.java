package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.BackupResult;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.LogRecordType;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference's full-plus-incremental scheme with continuous archiving: a hot backup, then
 * every finished segment copied to an archive on another disk as the application writes. When the
 * environment's disk is lost, the backup plus the archive ({@code cairn recover -c --logs ARCHIVE})
 * recover to the last archived commit; with one archived segment gone, recovery fails naming it.
 */
class ContinuousArchivingTest {

    @TempDir
    Path dir;

    @Test
    void aFullBackupPlusArchivedSegmentsRecoversToTheLastArchivedCommit() throws Exception {
        long seed = Seeds.seed("continuousArchiving");
        Path home = dir.resolve("env");
        Path archive = dir.resolve("archive-disk");
        Path backup = dir.resolve("backup");
        archivingHome(home, archive);
        long boundary;
        long[] acknowledged;
        long lastSegmentOfBackup;
        long firstSegmentOfBackup;
        try (Environment env = Environment.open(home, new EnvironmentConfig().cacheSize(32L << 20).checkpointKBytes(32)
                .lockTimeout(Duration.ofSeconds(5)))) {
            assertTrue(env.internals().archiveStatus().enabled(), "cairn.properties turns archiving on");
            TransferWriter.initBank(env, 300);
            try (Transaction t = env.beginTransaction()) {
                boundary = t.id(); // every transfer's transaction id is above this
            }
            try (TransferWriter w = new TransferWriter(env, 2, seed, 300)) {
                w.awaitMore(100);
                while (env.internals().log().currentSegment() < 3) { // so that the backup starts past segment 1
                    w.awaitMore(50);
                }
                acknowledged = w.acknowledged();
                BackupResult b = HotBackup.run(env.internals(), backup, BackupOptions.defaults().withCheckpointFirst(true));
                lastSegmentOfBackup = Lsn.segment(Lsn.parse(b.manifest().endLsn()));
                firstSegmentOfBackup = Lsn.segment(Lsn.parse(b.manifest().startLsn()));
                // Go on until the archive holds four segments more than the backup.
                long deadline = System.nanoTime() + 60_000_000_000L;
                // One listing per round: the archiver adds segments meanwhile, so a list taken for its
                // size and another indexed with it could disagree (IndexOutOfBounds).
                for (List<Long> archived = archivedSegments(archive);
                        archived.isEmpty() || archived.get(archived.size() - 1) < lastSegmentOfBackup + 4;
                        archived = archivedSegments(archive)) {
                    assertTrue(System.nanoTime() < deadline, "archiving did not keep up: " + env.internals().archiveStatus());
                    w.awaitMore(50);
                }
            }
            env.internals().archiver().archiveFinished();
            Cairn.Result status = Cairn.ok("archive", "-h", home.toString(), "-v");
            assertTrue(status.out().contains("continuous archiving has not copied it")
                    || status.err().contains("in use by"), status::toString);
        }
        // The environment's disk is lost: only the backup and the archive remain.
        long[] archivedTransfers = new long[1];
        long[] lastArchivedTxn = new long[1];
        new LogScanner(NioFileIO.INSTANCE, archive).scan(Lsn.NULL, null, f -> {
            if (f.type() == LogRecordType.COMMIT && f.txnId() > boundary) {
                archivedTransfers[0]++;
                lastArchivedTxn[0] = f.txnId();
            }
        });
        Path restore = dir.resolve("restore");
        TestSupport.copyTree(backup, restore);
        Cairn.Result r = Cairn.ok("recover", "-c", "-h", restore.toString(), "--logs", archive.toString());
        assertTrue(r.out().contains("last commit: transaction " + lastArchivedTxn[0] + " at"), r::toString);
        // The archived segments before the backup's start are not needed, and were not copied in.
        assertTrue(firstSegmentOfBackup > 1, "the backup starts after the first segment");
        assertEquals(firstSegmentOfBackup, SegmentFiles.list(NioFileIO.INSTANCE, restore).get(0), r::toString);
        assertTrue(r.out().contains("lie before where the data files' replay starts")
                || r.out().contains("lies before where the data files' replay starts"), r::toString);
        try (Environment env = Environment.open(restore, new EnvironmentConfig().allowCreate(false))) {
            TransferWriter.assertConsistentAndHolds(env, acknowledged, "seed " + seed);
            assertEquals(archivedTransfers[0], TransferWriter.transfers(env), "every archived transfer, and no other");
        }

        // The same with one archived segment (after the backup's log) gone: named, nothing recovered.
        String lost = SegmentFiles.name(lastSegmentOfBackup + 2);
        Files.delete(archive.resolve(lost));
        Path again = dir.resolve("restore-again");
        TestSupport.copyTree(backup, again);
        Cairn.Result failed = Cairn.run("recover", "-c", "-h", again.toString(), "--logs", archive.toString());
        assertEquals(1, failed.exit(), failed::toString);
        assertEquals(1, failed.err().strip().lines().count(), failed::toString);
        assertTrue(failed.err().contains(lost) && failed.err().contains("missing"), failed::toString);
    }

    /**
     * A short-lived process (a load, a bench, a quick restart) closes before the archiver's next
     * pass: closing archives every finished segment, so none waits for a next open that may never come.
     */
    @Test
    void closingArchivesEveryFinishedSegment() throws Exception {
        Path home = dir.resolve("short-lived");
        Path archive = dir.resolve("short-lived-archive");
        archivingHome(home, archive);
        long current;
        try (Environment env = Environment.open(home)) {
            org.cairndb.Database db = env.openDatabase("t");
            byte[] value = new byte[1000];
            for (int i = 0; env.internals().log().currentSegment() < 4; i++) {
                db.put(null, ("k" + i).getBytes(java.nio.charset.StandardCharsets.US_ASCII), value);
            }
            current = env.internals().log().currentSegment();
        }
        List<Long> finished = new java.util.ArrayList<>();
        for (long seg : SegmentFiles.list(NioFileIO.INSTANCE, home.resolve("log"))) {
            if (seg < current) {
                finished.add(seg);
            }
        }
        assertTrue(finished.size() >= 3, "several segments were finished: " + finished);
        assertEquals(finished, archivedSegments(archive), "every finished segment is archived once the environment is closed");
        for (long seg : finished) {
            assertEquals(-1L, Files.mismatch(home.resolve("log").resolve(SegmentFiles.name(seg)),
                    archive.resolve(SegmentFiles.name(seg))), SegmentFiles.name(seg));
        }
    }

    /** {@code home} with 64 KiB segments and continuous archiving into {@code archive}, set as an admin would. */
    private static void archivingHome(Path home, Path archive) throws java.io.IOException {
        Files.createDirectories(home);
        Files.writeString(home.resolve("cairn.properties"), "cairn.log.segment.size=64k\ncairn.archive.enabled=true\n"
                + "cairn.archive.dir=" + archive.toString().replace('\\', '/') + "\n");
    }

    private static List<Long> archivedSegments(Path archive) throws java.io.IOException {
        return Files.isDirectory(archive) ? SegmentFiles.list(NioFileIO.INSTANCE, archive) : List.of();
    }
}
