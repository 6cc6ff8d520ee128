package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.cairndb.Database;
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
}
