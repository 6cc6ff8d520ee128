package org.cairndb.crash;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.cairndb.CorruptionException;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.log.SegmentHeader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * docs/file-format.md: "a segment shorter than it was created (truncated, or copied incompletely)
 * ... is refused by name". A segment header records the size the segment was created with, in KiB,
 * and recovery refuses a last segment shorter than that instead of cutting its last records off as
 * a torn tail. Two segments were longer than their header said, so that a cut in their last bytes
 * went unseen and acknowledged commits were dropped as a torn tail: a segment grown for a record
 * larger than a segment (its header gave the size before the growth), and every segment of an
 * environment whose segment size is not a whole number of KiB (its header gave the size rounded
 * down).
 */
class TruncatedUnevenSegmentTest {

    @TempDir
    Path tmp;

    private static EnvironmentConfig config(long segmentSize) {
        return TestSupport.config().logSegmentSize(segmentSize);
    }

    @Test
    void aGrownLastSegmentCutShortIsRefused() throws IOException {
        long segmentSize = 64 << 10;
        Path home = tmp.resolve("grown");
        Path crashed = tmp.resolve("grown-crashed");
        try (Environment env = Environment.open(home, config(segmentSize))) {
            Database db = env.openDatabase("db", true);
            commit(env, db, "small", 100);
            commit(env, db, "larger-than-a-segment", (int) segmentSize + 20_000); // SYNC: acknowledged
            TestSupport.copyTree(home, crashed); // what a crash leaves
        }
        Path last = lastSegment(crashed);
        long size = Files.size(last);
        assertTrue(size > segmentSize + 20_000, "the large record's segment was grown to " + size);
        truncate(last, segmentSize + 10_000); // inside the acknowledged record, past the size before growth
        assertRefused(crashed, last, segmentSize);
    }

    @Test
    void aSegmentOfASizeThatIsNoWholeKibCutInItsLastKibIsRefused() throws IOException {
        long segmentSize = 100_000; // 97 KiB and 672 bytes
        Path home = tmp.resolve("uneven");
        Path crashed = tmp.resolve("uneven-crashed");
        try (Environment env = Environment.open(home, config(segmentSize))) {
            Database db = env.openDatabase("db", true);
            // Fill the first segment until its records end inside its last, partial KiB.
            int i = 0;
            while (recordsEnd(home) <= (segmentSize & ~1023L) + 100) {
                commit(env, db, "k" + i++, 200);
            }
            assertEquals(1, CrashRig.segments(home).size(), "still one segment");
            TestSupport.copyTree(home, crashed);
        }
        Path last = lastSegment(crashed);
        truncate(last, recordsEnd(crashed) - 10); // the last, acknowledged commit cut
        assertRefused(crashed, last, segmentSize);
    }

    /**
     * The log opened at the end of a segment that holds no record yet (a crash right after the
     * segment was begun), and a record larger than a segment written first: the empty segment keeps
     * its header (a header once forced is never rewritten, see LogManager) and the record gets a
     * segment of its own after it, grown, whose header records the grown size.
     */
    @Test
    void aLargeRecordAfterAnEmptyLastSegmentCutShortIsRefused() throws IOException {
        long segmentSize = 64 << 10;
        Path home = tmp.resolve("empty");
        Path crashed = tmp.resolve("empty-crashed");
        try (Environment env = Environment.open(home, config(segmentSize))) {
            commit(env, env.openDatabase("db", true), "small", 100);
        }
        Path first = lastSegment(home);
        SegmentHeader h = SegmentHeader.decode(ByteBuffer.wrap(Files.readAllBytes(first)));
        long firstEnd = recordsEnd(home);
        Path empty = first.resolveSibling(String.format("log.%010d", h.segment() + 1));
        try (FileChannel ch = FileChannel.open(empty, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.allocate((int) segmentSize), 0);
            ch.write(new SegmentHeader(h.segment() + 1, h.environmentId(), System.currentTimeMillis(), firstEnd,
                    segmentSize).encode(), 0);
        }
        Files.deleteIfExists(first.resolveSibling("log.next.tmp"));
        try (Environment env = Environment.open(home, config(segmentSize))) {
            commit(env, env.openDatabase("db"), "larger-than-a-segment", (int) segmentSize + 20_000);
            Path own = empty.resolveSibling(String.format("log.%010d", h.segment() + 2));
            assertEquals(own, lastSegment(home), "the large record went into a segment of its own");
            assertEquals(segmentSize, Files.size(empty), "the empty segment was left as it was");
            TestSupport.copyTree(home, crashed);
        }
        Path last = lastSegment(crashed);
        assertTrue(Files.size(last) > segmentSize + 20_000, "grown to " + Files.size(last));
        truncate(last, segmentSize + 10_000);
        assertRefused(crashed, last, segmentSize);
    }

    /** A log reopened with a larger segment size: its last segment was appended past its header's size. */
    @Test
    void aSegmentReopenedWithALargerSegmentSizeAndCutShortIsRefused() throws IOException {
        Path home = tmp.resolve("resized");
        Path crashed = tmp.resolve("resized-crashed");
        try (Environment env = Environment.open(home, config(64 << 10))) {
            commit(env, env.openDatabase("db", true), "small", 100);
        }
        try (Environment env = Environment.open(home, config(1 << 20))) {
            Database db = env.openDatabase("db");
            for (int i = 0; i < 400; i++) { // 100 KB of commits, more than the first segment's 64 KiB
                commit(env, db, "k" + i, 200);
            }
            TestSupport.copyTree(home, crashed);
        }
        Path last = lastSegment(crashed);
        truncate(last, recordsEnd(crashed) - 10); // the last, acknowledged commit cut
        assertRefused(crashed, last, 1 << 20);
    }

    private static void assertRefused(Path home, Path segment, long segmentSize) {
        try (Environment env = Environment.open(home, config(segmentSize))) {
            fail("recovery took a truncated segment's cut for a torn tail and dropped an acknowledged commit: "
                    + env.recoveryReport());
        } catch (CorruptionException e) {
            assertEquals(segment.getFileName(), e.file().getFileName(), e.getMessage());
            assertTrue(e.getMessage().contains("truncated or copied incompletely"), e.getMessage());
        }
    }

    private static void commit(Environment env, Database db, String key, int valueLength) {
        try (Transaction t = env.beginTransaction()) {
            db.put(t, b(key), new byte[valueLength]);
            t.commit();
        }
    }

    private static Path lastSegment(Path home) throws IOException {
        List<Path> segments = CrashRig.segments(home);
        return segments.get(segments.size() - 1);
    }

    /** Where the records of the last segment end: the first zero length after the header. */
    private static long recordsEnd(Path home) throws IOException {
        byte[] bytes = Files.readAllBytes(lastSegment(home));
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int offset = 64;
        while (offset + 4 <= bytes.length && b.getInt(offset) != 0) {
            offset += b.getInt(offset);
        }
        return offset;
    }

    private static void truncate(Path file, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(size);
        }
    }
}
