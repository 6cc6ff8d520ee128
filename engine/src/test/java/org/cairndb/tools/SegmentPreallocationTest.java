package org.cairndb.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression test for a bug found while writing the verifier's tests, now fixed: in a new environment (empty log) two log
 * segment preallocator threads run. {@code LogManager.open} calls {@code beginSegment}, whose
 * {@code SegmentPreallocator.take} starts a thread because none exists yet, and then calls
 * {@code preallocator.start()}, which starts a second one. Both prepare {@code log.next.tmp}
 * whenever a segment is taken. When segments fill faster than a segment of zeros is written and
 * forced, one thread marks the file ready, the log renames it into use, and the other thread is
 * still writing zeros into it through its open channel (over the new segment's header and
 * records), then marks a file ready that no longer exists: the next segment switch fails with
 * NoSuchFileException on the rename and the environment fails. Small segments and non-forced
 * commits show it within a few hundred kilobytes of log.
 */
class SegmentPreallocationTest {

    @TempDir
    Path home;

    @RepeatedTest(3)
    void fastCommitsAcrossManySmallSegmentsOfANewEnvironment() throws Exception {
        EnvironmentConfig config = new EnvironmentConfig().logSegmentSize(64 << 10).durability(Durability.NO_SYNC);
        try (Environment env = Environment.open(home, config)) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < 20_000; i++) {
                db.put(null, String.format("k%06d", i).getBytes(StandardCharsets.US_ASCII), new byte[100]);
            }
        }
        try (Environment env = Environment.open(home, config)) {
            assertEquals(20_000, env.openDatabase("t", false).count());
        }
        Verifier.Report report = new Verifier(home).verify(List.of());
        assertTrue(report.ok(), () -> report.problems().toString());
    }
}
