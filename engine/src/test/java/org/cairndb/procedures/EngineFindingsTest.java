package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Instant;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.RecoveryTarget;
import org.cairndb.log.Lsn;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.Failover;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Engine bugs found while building the archival commands, kept as regression tests. */
class EngineFindingsTest {

    @TempDir
    Path dir;

    /**
     * A failover update moves the segments the environment no longer needs into the copy, then
     * copied the segments from the highest one the copy held on. When that highest one had just
     * been moved (it was the one being written at the previous update, and is finished and
     * unneeded now), the copy step looked for it in the environment, where it no longer was, and
     * the update failed: "log segment log.0000000002 is needed by the backup ... but is neither in
     * .../log nor in the archive".
     */
    @Test
    void aFailoverUpdateAfterTheCopysLastSegmentBecameUnneededSucceeds() {
        EnvironmentConfig cfg = TestSupport.config().logSegmentSize(64 << 10);
        try (Environment env = Environment.open(dir.resolve("env"), cfg)) {
            Database db = env.openDatabase("t");
            db.put(null, TestSupport.b("first"), new byte[100]);
            Failover.update(env.internals(), dir.resolve("failover"), BackupOptions.defaults());
            long segment = env.internals().log().currentSegment();
            for (int i = 0; env.internals().log().currentSegment() < segment + 2; i++) {
                db.put(null, TestSupport.b("k" + i), new byte[1000]);
            }
            env.checkpoint(true); // now the copy's last segment is finished and unneeded
            Failover.update(env.internals(), dir.resolve("failover"), BackupOptions.defaults());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (Environment copy = Environment.open(dir.resolve("failover"), cfg)) {
            assertEquals(true, copy.openDatabase("t", false).count() > 100);
        }
    }

    /** An environment whose data files were checkpointed after 30 commits, with 30 more in the log. */
    private Path checkpointedThenMore(Instant[] beforeAll) throws Exception {
        Path home = dir.resolve("pitr");
        EnvironmentConfig cfg = TestSupport.config();
        try (Environment env = Environment.open(home, cfg)) {
            Database db = env.openDatabase("t");
            db.put(null, TestSupport.b("first"), TestSupport.b("v"));
            Thread.sleep(5);
            beforeAll[0] = Instant.now();
            Thread.sleep(5);
            for (int i = 0; i < 30; i++) {
                db.put(null, TestSupport.b("a" + i), TestSupport.b("v"));
            }
            env.checkpoint(true);
            for (int i = 0; i < 30; i++) {
                db.put(null, TestSupport.b("b" + i), TestSupport.b("v"));
            }
        }
        return home;
    }

    /**
     * Recovery to a time before what the data files already hold cannot take those commits out, so
     * it must refuse, as it does for a transaction target. It recovered to the first commit after
     * the data files' checkpoint instead and reported "stopped at the recovery target": the data
     * held the 30 "a" commits made after the target.
     */
    @Test
    void aTimeTargetBeforeTheDataFilesIsRefused() throws Exception {
        Instant[] t = new Instant[1];
        Path home = checkpointedThenMore(t);
        CairnException e = assertThrows(CairnException.class, () -> Environment.open(home, TestSupport.config()
                .recoveryTarget(RecoveryTarget.time(t[0], true))).close());
        assertTrue(e.getMessage().contains("cannot recover to"), e.getMessage());
    }

    /** The same for an LSN before the data files' checkpoint: it stopped at the first record after the checkpoint. */
    @Test
    void anLsnTargetBeforeTheDataFilesIsRefused() throws Exception {
        Path home = checkpointedThenMore(new Instant[1]);
        CairnException e = assertThrows(CairnException.class, () -> Environment.open(home, TestSupport.config()
                .recoveryTarget(RecoveryTarget.lsn(Lsn.of(1, 100), true))).close());
        assertTrue(e.getMessage().contains("cannot recover to"), e.getMessage());
    }

    /**
     * Catastrophic recovery gathers segments from the --logs directories into log/ before it checks
     * the target. When the check then refused ("recovery target transaction N does not commit in the log after
     * the data files' checkpoint; nothing was changed"), log/ already holds the gathered segments,
     * so after a point-in-time recovery a refused second attempt silently brings back the log that
     * was moved aside, and the next normal open replayed it: the point-in-time recovery was undone.
     * Now the gathering is taken back when recovery refuses.
     */
    @Test
    void aRefusedCatastrophicRecoveryChangesNothing() throws Exception {
        Path home = dir.resolve("env");
        long early;
        long target;
        EnvironmentConfig cfg = TestSupport.config();
        Environment env = Environment.open(home, cfg);
        try {
            Database db = env.openDatabase("t");
            try (org.cairndb.Transaction t = env.beginTransaction()) {
                db.put(t, TestSupport.b("a"), TestSupport.b("v"));
                early = t.id();
                t.commit();
            }
            env.checkpoint(true);
            for (int i = 0; i < 10; i++) {
                db.put(null, TestSupport.b("b" + i), TestSupport.b("v"));
            }
            try (org.cairndb.Transaction t = env.beginTransaction()) {
                db.put(t, TestSupport.b("c"), TestSupport.b("v"));
                target = t.id();
                t.commit();
            }
            for (int i = 0; i < 10; i++) {
                db.put(null, TestSupport.b("d" + i), TestSupport.b("v"));
            }
        } finally {
            env.internals().abandon(); // a crash: the data files keep the checkpoint before "b0"
        }
        Path restore = dir.resolve("restore");
        TestSupport.copyTree(home, restore);
        try (Environment restored = Environment.open(restore, cfg.copy()
                .recoveryTarget(RecoveryTarget.transaction(target, true)))) {
            assertEquals(12, restored.openDatabase("t", false).count());
        }
        assertThrows(CairnException.class, () -> Environment.open(restore, cfg.copy()
                .recoveryTarget(RecoveryTarget.transaction(early, true)).logSources(java.util.List.of(home.resolve("log"))))
                .close());
        try (Environment again = Environment.open(restore, cfg)) {
            assertEquals(12, again.openDatabase("t", false).count(), "the refused recovery brought the moved-aside log back");
        }
    }
}
