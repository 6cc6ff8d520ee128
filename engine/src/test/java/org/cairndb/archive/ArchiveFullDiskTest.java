package org.cairndb.archive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.TestSupport;
import org.cairndb.io.FaultInjectingFileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive's disk fills up while segments are archived and checkpoints remove archived ones:
 * no segment leaves the log before the archive holds it whole, no partial copy is left in the
 * archive, and once there is room again archiving catches up and the archive and the log hold
 * one unbroken chain that recovers every commit.
 */
class ArchiveFullDiskTest {

    @TempDir
    Path tmp;

    private static void fill(Environment env, int segments, int[] next) {
        Database db = env.openDatabase("t", true);
        long until = env.internals().log().currentSegment() + segments;
        while (env.internals().log().currentSegment() < until) {
            db.put(null, TestSupport.b("k" + next[0]++), new byte[1500]);
            if (next[0] % 40 == 0) {
                env.checkpoint(true); // automatic removal follows every checkpoint
            }
        }
    }

    /** Every segment from the first to {@code last} is in the archive or in the log; none is partial in the archive. */
    private static void assertOneChain(Path archive, Path log, long last) throws Exception {
        List<Long> archived = SegmentFiles.list(NioFileIO.INSTANCE, archive);
        List<Long> logged = SegmentFiles.list(NioFileIO.INSTANCE, log);
        for (long seg = 1; seg <= last; seg++) {
            assertTrue(archived.contains(seg) || logged.contains(seg), SegmentFiles.name(seg) + " is in neither "
                    + archive + " " + archived + " nor " + log + " " + logged);
        }
        try (var s = Files.list(archive)) {
            List<Path> partial = s.filter(p -> p.getFileName().toString().endsWith(".copying")).toList();
            assertEquals(List.of(), partial, "partial copies left in the archive");
        }
    }

    @Test
    void aFullArchiveKeepsSegmentsInTheLogUntilThereIsRoomAgain() throws Exception {
        Path home = tmp.resolve("home");
        Path archive = tmp.resolve("archive").toAbsolutePath();
        FaultInjectingFileIO fio = new FaultInjectingFileIO(NioFileIO.INSTANCE, tmp.resolve("scratch"), 1);
        int[] next = {0};
        try (Environment env = Environment.open(home, TestSupport.config().logSegmentSize(64 << 10).archiveEnabled(true)
                .archiveDir(archive).logAutoRemove(true).fileIO(fio))) {
            fill(env, 3, next);
            TestSupport.awaitArchived(env);
            // The archive's disk is full: every write there fails, half-way through a copy too.
            fio.failWrite(1, p -> p.toAbsolutePath().startsWith(archive), true);
            fill(env, 5, next);
            env.internals().archiver().wake();
            TestSupport.awaitTrue(() -> env.internals().archiveStatus().failures() >= 1, "archiving to fail");
            env.checkpoint(true);
            assertOneChain(archive, home.resolve("log"), env.internals().log().currentSegment());
            // Room again.
            fio.clearFaults();
            TestSupport.awaitArchived(env);
            fill(env, 2, next);
            env.checkpoint(true);
            assertOneChain(archive, home.resolve("log"), env.internals().log().currentSegment());
        }
        // The data files are lost: the archive and the log give every commit back.
        Path restored = tmp.resolve("restored");
        Files.createDirectories(restored.resolve("log"));
        for (Path dir : List.of(archive, home.resolve("log"))) {
            for (long seg : SegmentFiles.list(NioFileIO.INSTANCE, dir)) {
                Files.copy(dir.resolve(SegmentFiles.name(seg)), restored.resolve("log").resolve(SegmentFiles.name(seg)),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        try (Environment env = Environment.open(restored, TestSupport.config().catastrophicRecovery(true))) {
            assertEquals(next[0], env.openDatabase("t", false).count(), env.recoveryReport().toString());
        }
    }
}
