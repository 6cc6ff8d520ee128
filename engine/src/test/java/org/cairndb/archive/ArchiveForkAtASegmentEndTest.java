package org.cairndb.archive;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.RecoveryTarget;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.CommitRecord;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A point-in-time recovery of a home that archives, stopping exactly at the end of a segment's
 * records (the target's commit the last record in it, the next one in the next segment): the new
 * history goes on in that segment, after the records the archive's copy of it holds.
 */
class ArchiveForkAtASegmentEndTest {

    @TempDir
    Path tmp;

    private static EnvironmentConfig config(Path archive) {
        return TestSupport.config().logSegmentSize(64 << 10).archiveEnabled(true).archiveDir(archive);
    }

    record Commit(long txnId, long lsn, long end) {
    }

    /**
     * The archive's copy of the segment holding the cut has no bytes from the cut on, so it stayed
     * in the archive, while the log's segment went on after the cut with the new history's records:
     * when that segment was finished, archiving refused it ("already exists and differs") and stopped
     * for good, and with it automatic log removal.
     */
    @Test
    void archivingGoesOnAfterARecoveryToTheLastCommitOfASegment() throws Exception {
        Path home = tmp.resolve("home");
        Path archive = tmp.resolve("archive");
        Path backup = tmp.resolve("backup");
        List<Long> ids = new ArrayList<>();
        try (Environment env = Environment.open(home, config(archive))) {
            env.openDatabase("t").put(null, b("base"), b("v"));
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(true));
            for (int i = 0; i < 60; i++) {
                Transaction t = env.beginTransaction();
                // 5000 bytes: a segment's records end well before its end, with room for small records.
                env.openDatabase("t").put(t, b("k" + i), new byte[5000]);
                t.commit();
                ids.add(t.id());
            }
            TestSupport.awaitArchived(env);
        }
        // A commit that is the last record of its segment, with the next record in the next segment.
        List<Object[]> records = new ArrayList<>();
        new LogScanner(NioFileIO.INSTANCE, archive).scan(Lsn.NULL, null, f -> records.add(new Object[] {f.lsn(), f.endLsn(),
                f.decode()}));
        Commit found = null;
        for (int i = 0; i + 1 < records.size() && found == null; i++) {
            long lsn = (long) records.get(i)[0];
            long nextLsn = (long) records.get(i + 1)[0];
            if (records.get(i)[2] instanceof CommitRecord c && Lsn.segment(nextLsn) == Lsn.segment(lsn) + 1
                    && Lsn.segment(lsn) > 2) {
                found = new Commit(c.txnId(), lsn, (long) records.get(i)[1]);
            }
        }
        assertNotEquals(null, found, "a segment ending with a commit");
        Commit last = found;
        long cutSegment = Lsn.segment(last.lsn());
        // The admin undoes a mistake in place: the data files from the backup, the home's own log.
        TestSupport.deleteTree(home.resolve("data"));
        TestSupport.copyTree(backup.resolve("data"), home.resolve("data"));
        try (Environment env = Environment.open(home, config(archive).catastrophicRecovery(true)
                .recoveryTarget(RecoveryTarget.transaction(last.txnId(), true)))) {
            assertEquals(Lsn.toString(last.end()), env.recoveryReport().endLsn(), env.recoveryReport().toString());
        }
        try (Environment env = Environment.open(home, config(archive))) {
            for (int i = 0; env.internals().log().currentSegment() <= cutSegment + 1; i++) {
                env.openDatabase("t").put(null, b("new" + i), new byte[5000]);
            }
            env.internals().archiver().archiveFinished(); // threw: log.<cut segment> already exists and differs
            assertNull(env.internals().archiveStatus().lastError());
        }
        // The disk is lost: the backup and the archive give back the new history.
        Path restored = tmp.resolve("restored");
        TestSupport.copyTree(backup, restored);
        try (Environment env = Environment.open(restored, TestSupport.config().catastrophicRecovery(true)
                .logSources(List.of(archive)))) {
            org.cairndb.Database db = env.openDatabase("t", false);
            assertNotEquals(null, db.get(null, b("new0")), env.recoveryReport().toString());
            int kept = 0;
            for (int i = 0; i < 60; i++) {
                kept += db.get(null, b("k" + i)) != null ? 1 : 0;
            }
            assertEquals(ids.indexOf(last.txnId()) + 1, kept, "the old history up to the target only");
        }
    }
}
