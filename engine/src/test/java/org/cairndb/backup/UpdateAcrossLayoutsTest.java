package org.cairndb.backup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.cairndb.Environment;
import org.cairndb.backup.HotBackupTest.Writer;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An update keeps the layout the copy has, whatever layout the update asks for: a split backup
 * ({@code -D}) updated without {@code -D} stays split, a flat one updated with {@code -D} stays
 * flat, and a failover update (which makes split copies) of a flat backup carries on flat. Mixing
 * layouts in one directory would leave the older files where neither layout looks for them. Each
 * copy verifies and holds every commit acknowledged before its last update began.
 */
class UpdateAcrossLayoutsTest {

    @TempDir
    Path dir;

    /** Names directly in {@code copy} that are data files or log segments. */
    private static List<String> filesAtTop(Path copy) throws IOException {
        try (Stream<Path> s = Files.list(copy)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".cdb") || SegmentFiles.number(n) > 0).sorted().toList();
        }
    }

    private static void assertSplit(Path copy) throws IOException {
        assertEquals("split", BackupManifest.read(copy).layout());
        assertEquals(List.of(), filesAtTop(copy), "a split copy keeps its files in data/ and log/");
        assertTrue(Files.isRegularFile(copy.resolve("data/t.cdb")));
    }

    private static void assertFlat(Path copy) throws IOException {
        assertEquals("flat", BackupManifest.read(copy).layout());
        assertFalse(Files.exists(copy.resolve("data")) || Files.exists(copy.resolve("log")), "no data/ or log/ in a flat copy");
        assertTrue(filesAtTop(copy).contains("t.cdb"));
    }

    @Test
    void aSplitBackupUpdatedWithoutSplitStaysSplit() throws Exception {
        Path backup = dir.resolve("backup");
        long acked;
        try (Environment env = Environment.open(dir.resolve("env"), HotBackupTest.cfg()); Writer w = new Writer(env, 0)) {
            w.awaitAcked(300);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withSplitLayout(true));
            w.awaitAcked(w.acked() + 2500); // new segments for the update to bring
            acked = w.acked();
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true).withSplitLayout(false));
        }
        assertSplit(backup);
        HotBackupTest.assertVerifiesAndRecoversHolding(backup, acked);
    }

    @Test
    void aFlatBackupUpdatedWithSplitStaysFlat() throws Exception {
        Path backup = dir.resolve("backup");
        long acked;
        try (Environment env = Environment.open(dir.resolve("env"), HotBackupTest.cfg()); Writer w = new Writer(env, 0)) {
            w.awaitAcked(300);
            HotBackup.run(env.internals(), backup, BackupOptions.defaults());
            w.awaitAcked(w.acked() + 2500);
            acked = w.acked();
            HotBackup.run(env.internals(), backup, BackupOptions.defaults().withUpdate(true).withSplitLayout(true));
        }
        assertFlat(backup);
        HotBackupTest.assertVerifiesAndRecoversHolding(backup, acked);
    }

    /**
     * A flat hot backup given to failover: the updates go on in its layout, move the segments the
     * environment no longer needs into it beside the data files, and the copy verifies and opens as
     * an environment with every commit acknowledged before the last update began.
     */
    @Test
    void failoverIntoAFlatBackupCarriesOnFlat() throws Exception {
        Path home = dir.resolve("env");
        Path copy = dir.resolve("copy");
        long acked = -1;
        try (Environment env = Environment.open(home, HotBackupTest.cfg()); Writer w = new Writer(env, 0)) {
            w.awaitAcked(300);
            HotBackup.run(env.internals(), copy, BackupOptions.defaults());
            for (int round = 0; round < 2; round++) {
                w.awaitAcked(w.acked() + 2500);
                env.checkpoint(true); // the segments before the recovery start are no longer needed
                List<Long> unneeded = segmentNumbers(env.internals().logArchive().archivable());
                assertFalse(unneeded.isEmpty(), "round " + round + ": segments for the update to move");
                acked = w.acked();
                Failover.update(env.internals(), copy, BackupOptions.defaults());
                assertFlat(copy);
                List<Long> left = SegmentFiles.list(NioFileIO.INSTANCE, home.resolve("log"));
                for (long seg : unneeded) {
                    assertFalse(left.contains(seg), "round " + round + ": segment " + seg + " moved out of the environment");
                    assertTrue(Files.isRegularFile(copy.resolve(SegmentFiles.name(seg))), "segment " + seg + " beside the data");
                }
                assertTrue(new org.cairndb.tools.BackupVerifier(copy).verify().ok(), "round " + round);
            }
        }
        HotBackupTest.assertHoldsAtLeast(copy, acked); // opened as the application would after failing over
    }

    private static List<Long> segmentNumbers(List<Path> segments) {
        return segments.stream().map(p -> SegmentFiles.number(p.getFileName().toString())).toList();
    }
}
