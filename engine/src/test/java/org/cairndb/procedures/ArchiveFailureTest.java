package org.cairndb.procedures;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cairndb.ArchiveStatus;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous archiving when the archive cannot take a segment: the failure is counted and reported
 * (status and log) with a message that says what is wrong and where, the segment stays in log/, the
 * archiver keeps retrying, and once the cause is removed the next pass archives everything and
 * clears the error.
 */
class ArchiveFailureTest {

    @TempDir
    Path tmp;

    private EnvironmentConfig config(Path archive) {
        return TestSupport.config().logSegmentSize(64 << 10).archiveEnabled(true).archiveDir(archive);
    }

    /** Writes until the log has finished at least {@code segments} segments. */
    private static void fill(Environment env, Path home, int segments) throws Exception {
        Database db = env.openDatabase("t", true);
        for (int i = 0; SegmentFiles.list(org.cairndb.io.NioFileIO.INSTANCE, home.resolve("log")).size() <= segments; i++) {
            db.put(null, TestSupport.b("k" + i), new byte[1000]);
        }
    }

    private static ArchiveStatus status(Environment env) {
        return env.internals().archiveStatus();
    }

    /** The archive directory is missing and a plain file sits at its path (an unmounted disk, a mistyped setting). */
    @Test
    void anArchivePathThatIsAFileIsReportedAndRetriedUntilFixed() throws Exception {
        Path home = tmp.resolve("home");
        Path archive = tmp.resolve("archive");
        Files.writeString(archive, "not a directory");
        try (Environment env = Environment.open(home, config(archive))) {
            fill(env, home, 2);
            env.internals().archiver().wake();
            TestSupport.awaitTrue(() -> status(env).failures() >= 1, "the archiver to report a failure");
            ArchiveStatus s = status(env);
            assertEquals(0, s.lastArchivedSegment(), s.toString());
            assertTrue(s.lagSegments() >= 2, s.toString());
            String error = s.lastError();
            assertTrue(error != null && error.contains(archive.toString()), "the error names the archive: " + error);
            assertTrue(error.length() > archive.toString().length() + 20,
                    "the error says more than the path, what is wrong with it: " + error);
            assertTrue(error.contains(SegmentFiles.name(1)), "the error names the segment it could not archive: " + error);
            assertTrue(Files.exists(home.resolve("log").resolve(SegmentFiles.name(1))), "the segment stays in log/");

            // The admin fixes it; the archiver's next attempt (woken rather than after its back-off) succeeds.
            Files.delete(archive);
            long finished = env.internals().log().currentSegment() - 1;
            TestSupport.awaitTrue(() -> {
                env.internals().archiver().wake();
                return status(env).lastArchivedSegment() >= finished;
            }, "the archiver to archive every finished segment after the fix");
            s = status(env);
            assertNull(s.lastError(), s.toString());
            for (long seg = 1; seg <= finished; seg++) {
                assertArrayEquals(Files.readAllBytes(home.resolve("log").resolve(SegmentFiles.name(seg))),
                        Files.readAllBytes(archive.resolve(SegmentFiles.name(seg))), SegmentFiles.name(seg));
            }
        }
    }

    /**
     * The archive holds a different log.0000000001 (another environment's, or from before a
     * point-in-time recovery): never overwritten, and the error names both files.
     */
    @Test
    void aDifferentCopyAlreadyInTheArchiveIsNeverOverwritten() throws Exception {
        Path home = tmp.resolve("home");
        Path archive = tmp.resolve("archive");
        Files.createDirectories(archive);
        byte[] foreign = new byte[4096];
        foreign[100] = 1;
        Path copy = archive.resolve(SegmentFiles.name(1));
        Files.write(copy, foreign);
        try (Environment env = Environment.open(home, config(archive))) {
            fill(env, home, 1);
            env.internals().archiver().wake();
            TestSupport.awaitTrue(() -> status(env).failures() >= 1, "the archiver to report a failure");
            String error = status(env).lastError();
            assertTrue(error != null && error.contains(copy.toString())
                    && error.contains(home.resolve("log").resolve(SegmentFiles.name(1)).toString()),
                    "the error names both copies: " + error);
            assertTrue(error.contains("never overwritten"), error);
            assertArrayEquals(foreign, Files.readAllBytes(copy), "the archived copy was left as it was");
        }
    }
}
