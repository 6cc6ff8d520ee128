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
import org.cairndb.archive.ArchiveOwner;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A copy of an environment (a restored backup, a failover copy, a plain copy of the home) whose
 * configuration names the original's archive directory: opened for writing beside the original, it
 * must not archive its segments there, under the names the original uses next; the original's
 * archiving must go on as if the copy did not exist. Once the original's home is gone, or the admin
 * takes the archive over, the copy archives there.
 */
class ArchiveOwnershipTest {

    @TempDir
    Path tmp;

    Path original;
    Path copy;
    Path archive;

    @org.junit.jupiter.api.BeforeEach
    void paths() {
        original = tmp.resolve("original");
        copy = tmp.resolve("copy");
        archive = tmp.resolve("archive");
    }

    /** The original, with {@code segments} finished segments all archived, closed; then copied (without its lock). */
    private void archivedOriginalAndACopy(int segments) throws Exception {
        try (Environment env = Environment.open(original, config(archive))) {
            fill(env, segments);
            TestSupport.awaitArchived(env);
        }
        TestSupport.copyTree(original, copy);
    }

    private EnvironmentConfig config(Path archive) {
        return TestSupport.config().logSegmentSize(64 << 10).archiveEnabled(true).archiveDir(archive);
    }

    /** Writes until the log has finished {@code more} more segments. */
    private static void fill(Environment env, int more) {
        Database db = env.openDatabase("t", true);
        long until = env.internals().log().currentSegment() + more;
        for (int i = 0; env.internals().log().currentSegment() < until; i++) {
            db.put(null, TestSupport.b("k" + i), new byte[1000]);
        }
    }

    private static ArchiveStatus status(Environment env) {
        return env.internals().archiveStatus();
    }

    private static String awaitFailure(Environment env) throws InterruptedException {
        TestSupport.awaitTrue(() -> {
            env.internals().archiver().wake();
            return status(env).failures() >= 1;
        }, "the archiver to refuse");
        return status(env).lastError();
    }

    /** Every segment in the archive is byte for byte the one in {@code home}'s log. */
    private static void assertArchiveHoldsOnly(Path archive, Path home) throws Exception {
        for (long seg : SegmentFiles.list(NioFileIO.INSTANCE, archive)) {
            Path own = home.resolve("log").resolve(SegmentFiles.name(seg));
            if (Files.exists(own)) {
                assertArrayEquals(Files.readAllBytes(own), Files.readAllBytes(archive.resolve(SegmentFiles.name(seg))),
                        SegmentFiles.name(seg) + " in the archive is " + home.getFileName() + "'s");
            }
        }
    }

    @Test
    void aCopyOpenedBesideTheOriginalLeavesTheOriginalsArchiveAlone() throws Exception {
        archivedOriginalAndACopy(2);
        java.util.List<Long> copied = SegmentFiles.list(NioFileIO.INSTANCE, copy.resolve("log"));
        long forked = copied.get(copied.size() - 1); // the segment both logs go on in, each its own way
        try (Environment orig = Environment.open(original, config(archive));
                Environment dup = Environment.open(copy, config(archive))) {
            fill(dup, 2);
            String error = awaitFailure(dup);
            assertEquals(forked - 1, status(dup).lastArchivedSegment(),
                    "the segments archived already as the copy holds them count as archived: " + status(dup));
            assertTrue(error.contains(original.toRealPath().toString()) && error.contains(copy.toRealPath().toString())
                    && error.contains("--take-over") && error.contains("copy"),
                    "the refusal names the original, the copy and the way out: " + error);

            fill(orig, 3);
            TestSupport.awaitArchived(orig);
            assertEquals(0, status(orig).failures(), "the original's archiving never failed: " + status(orig));
            assertArchiveHoldsOnly(archive, original);
            assertEquals(original.toRealPath(), ArchiveOwner.read(NioFileIO.INSTANCE, archive).home());
            assertTrue(status(dup).lastArchivedSegment() < dup.internals().log().currentSegment() - 1,
                    "the copy archived nothing of its own: " + status(dup));
        }
    }

    /**
     * The copy's status said nothing was wrong until its first segment filled (16 MB by default:
     * hours, for a failover server) and its archiving was refused. It says so from the start now.
     */
    @Test
    void aCopyOpenedBesideTheOriginalIsToldAtOnceThatItsArchivingWillBeRefused() throws Exception {
        archivedOriginalAndACopy(2);
        try (Environment dup = Environment.open(copy, config(archive))) {
            long current = dup.internals().log().currentSegment();
            TestSupport.awaitTrue(() -> status(dup).lastError() != null, "the copy's status to tell of the refusal");
            String error = status(dup).lastError();
            assertTrue(error.startsWith("refused ahead (nothing archived yet): ") && error.contains(original.toRealPath()
                    .toString()) && error.contains("--take-over"), error);
            assertEquals(0, status(dup).failures(), "nothing failed yet");
            assertEquals(current, dup.internals().log().currentSegment(), "no segment of the copy's was finished");

            dup.internals().archiver().takeOver();
            TestSupport.awaitTrue(() -> {
                dup.internals().archiver().wake();
                return status(dup).lastError() == null;
            }, "the warning to go once the copy writes there");
        }
        try (Environment orig = Environment.open(original, config(archive))) {
            TestSupport.awaitTrue(() -> status(orig).lastError() != null, "the old original to be told in turn");
            assertTrue(status(orig).lastError().contains(copy.toRealPath().toString()), status(orig)::toString);
        }
    }

    @Test
    void theCopyTakesTheArchiveOverOnceTheOriginalsHomeIsGone() throws Exception {
        archivedOriginalAndACopy(2);
        TestSupport.deleteTree(original); // the disk that held it is lost
        try (Environment dup = Environment.open(copy, config(archive))) {
            fill(dup, 2);
            TestSupport.awaitArchived(dup);
            assertArchiveHoldsOnly(archive, copy);
            assertEquals(copy.toRealPath(), ArchiveOwner.read(NioFileIO.INSTANCE, archive).home());
        }
    }

    @Test
    void anAdminsTakeOverMovesTheArchiveToTheCopyAndTheOriginalIsThenRefused() throws Exception {
        archivedOriginalAndACopy(2);
        try (Environment dup = Environment.open(copy, config(archive))) {
            fill(dup, 1);
            awaitFailure(dup);
            dup.internals().archiver().takeOver(); // the failover: the copy replaces the original for good
            TestSupport.awaitArchived(dup);
            assertNull(status(dup).lastError());
            assertArchiveHoldsOnly(archive, copy);
        }
        try (Environment orig = Environment.open(original, config(archive))) {
            fill(orig, 1);
            String error = awaitFailure(orig);
            assertTrue(error.contains(copy.toRealPath().toString()), "the old original is refused, naming the copy: " + error);
        }
        assertArchiveHoldsOnly(archive, copy);
    }

    @Test
    void anArchiveOfAnotherEnvironmentIsRefusedNamingBoth() throws Exception {
        Path first = tmp.resolve("first");
        Path second = tmp.resolve("second");
        try (Environment env = Environment.open(first, config(archive))) {
            fill(env, 1);
            TestSupport.awaitArchived(env);
        }
        try (Environment env = Environment.open(second, config(archive))) {
            fill(env, 1);
            String error = awaitFailure(env);
            assertTrue(error.contains("another environment") && error.contains(first.toRealPath().toString())
                    && error.contains("cairn.archive.dir"), error);
            java.io.IOException refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> env.internals().archiver().takeOver());
            assertTrue(refused.getMessage().contains("another environment"), refused.getMessage());
        }
        assertArchiveHoldsOnly(archive, first);
    }

    @Test
    void anArchiveCopiedWithTheHomeBelongsToTheCopy() throws Exception {
        // The default archive lies inside the home, so a plain copy of the home carries its archive
        // and owner file along: the copy writes into its own archive/, which the original never does.
        EnvironmentConfig config = TestSupport.config().logSegmentSize(64 << 10).archiveEnabled(true);
        try (Environment env = Environment.open(original, config)) {
            fill(env, 2);
            TestSupport.awaitArchived(env);
        }
        TestSupport.copyTree(original, copy);
        try (Environment dup = Environment.open(copy, config)) {
            fill(dup, 2);
            TestSupport.awaitArchived(dup);
            assertEquals(copy.toRealPath(), ArchiveOwner.read(NioFileIO.INSTANCE, copy.resolve("archive")).home());
        }
        assertEquals(original.toRealPath(), ArchiveOwner.read(NioFileIO.INSTANCE, original.resolve("archive")).home());
    }

    @Test
    void anArchiveWithoutOwnerFileHoldingAnotherEnvironmentsSegmentsIsRefused() throws Exception {
        // An archive written before owner files existed, or whose owner file was deleted.
        Path first = tmp.resolve("first");
        try (Environment env = Environment.open(first, config(archive))) {
            fill(env, 1);
            TestSupport.awaitArchived(env);
        }
        Files.delete(archive.resolve(ArchiveOwner.FILE));
        try (Environment env = Environment.open(tmp.resolve("second"), config(archive))) {
            fill(env, 1);
            String error = awaitFailure(env);
            assertTrue(error.contains("holds log segments of another environment"), error);
        }
        assertTrue(Files.notExists(archive.resolve(ArchiveOwner.FILE)), "no claim was written");
        assertArchiveHoldsOnly(archive, first);
    }

    @Test
    void aDamagedOwnerFileIsNamedAndNothingIsArchived() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(archive);
        Files.writeString(archive.resolve(ArchiveOwner.FILE), "environment=not-a-uuid\nhome=/x\n");
        try (Environment env = Environment.open(home, config(archive))) {
            fill(env, 1);
            String error = awaitFailure(env);
            assertTrue(error.contains(archive.resolve(ArchiveOwner.FILE).toString()) && error.contains("damaged")
                    && error.contains("delete the file"), error);
            assertTrue(SegmentFiles.list(NioFileIO.INSTANCE, archive).isEmpty(), "nothing archived");
            Files.delete(archive.resolve(ArchiveOwner.FILE)); // what the message says to do
            TestSupport.awaitArchived(env);
        }
    }

    @Test
    void anArchiveAmongTheEnvironmentsOwnFilesIsRefusedBeforeTheOpen() throws Exception {
        Path home = tmp.resolve("home");
        Environment.open(home, TestSupport.config()).close();
        for (Path bad : java.util.List.of(home, home.resolve("log"), home.resolve("log/archive"), home.resolve("data"))) {
            org.cairndb.CairnException e = org.junit.jupiter.api.Assertions.assertThrows(org.cairndb.CairnException.class,
                    () -> Environment.open(home, config(bad)).close(), bad::toString);
            assertTrue(e.getMessage().contains("cairn.archive.dir " + bad) && e.getMessage().contains("outside data/ and log/"),
                    e.getMessage());
        }
        Environment.open(home, config(home.resolve("archive"))).close(); // the default place is fine
    }
}
