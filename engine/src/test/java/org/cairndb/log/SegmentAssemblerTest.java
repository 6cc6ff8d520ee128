package org.cairndb.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import org.cairndb.StorageException;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StorageFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which copy of a segment catastrophic recovery takes: of copies of one history the longest,
 * whatever lies past the valid end of the others; copies of two histories (the log from before a
 * point-in-time recovery and the log that went on from its cut) never, whichever is longer.
 */
class SegmentAssemblerTest {

    @TempDir
    Path dir;
    final UUID env = UUID.randomUUID();
    final NioFileIO io = NioFileIO.INSTANCE;

    /** Writes commits {@code from..to} into {@code logDir} (a new log, or one that goes on at {@code end}); their LSNs. */
    List<Long> write(Path logDir, long end, int from, int to) throws Exception {
        Files.createDirectories(logDir);
        LogManager log = LogManager.open(io, logDir, env, end, 64 << 10, 64 << 10, 1);
        List<Long> lsns = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            lsns.add(log.append(LogManagerTest.commit(i, 500)));
        }
        log.syncAll();
        log.close();
        return lsns;
    }

    /** What a point-in-time recovery leaves: {@code log}'s segments up to the cut, zeroed from it on. */
    Path cutCopy(Path log, long cut, String name) throws Exception {
        Path copy = dir.resolve(name);
        Files.createDirectories(copy);
        for (long seg : SegmentFiles.list(io, log)) {
            if (seg <= Lsn.segment(cut)) {
                Files.copy(log.resolve(SegmentFiles.name(seg)), copy.resolve(SegmentFiles.name(seg)));
            }
        }
        zeroFrom(copy.resolve(SegmentFiles.name(Lsn.segment(cut))), Lsn.offset(cut));
        return copy;
    }

    void zeroFrom(Path segment, long offset) throws Exception {
        try (StorageFile f = io.open(segment, true, false)) {
            f.zeroFill(offset, f.size());
        }
    }

    /** Every file in {@code d}, by name. */
    static Map<String, byte[]> files(Path d) throws Exception {
        return files(d, false);
    }

    /** The segments in {@code d}, by name. */
    static Map<String, byte[]> segments(Path d) throws Exception {
        return files(d, true);
    }

    private static Map<String, byte[]> files(Path d, boolean segmentsOnly) throws Exception {
        Map<String, byte[]> out = new TreeMap<>();
        try (var s = Files.list(d)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p) && (!segmentsOnly || SegmentFiles.number(p.getFileName().toString()) > 0)) {
                    out.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (String name : expected.keySet()) {
            assertArrayEquals(expected.get(name), actual.get(name), name + " changed");
        }
    }

    /**
     * The environment's log/ went on from a cut with other commits; an archive still holds the log
     * from before the cut, longer. Refused, naming both copies and the first byte where they differ;
     * log/ as it was.
     */
    @Test
    void copiesOfTwoHistoriesAreRefusedNamingBothAndWhereTheyPart() throws Exception {
        Path archive = dir.resolve("archive");
        List<Long> lsns = write(archive, Lsn.NULL, 1, 200);
        long cut = lsns.get(150);
        Path logDir = cutCopy(archive, cut, "log");
        write(logDir, cut, 1001, 1003);
        String seg = SegmentFiles.name(Lsn.segment(cut));
        long parting = Files.mismatch(logDir.resolve(seg), archive.resolve(seg));
        assertTrue(parting >= Lsn.offset(cut) && parting < Lsn.offset(lsns.get(151)), "they part at the cut: " + parting);
        Map<String, byte[]> before = files(logDir);

        StorageException e = assertThrows(StorageException.class,
                () -> SegmentAssembler.assemble(io, logDir, List.of(archive), env, Lsn.NULL));
        assertTrue(e.getMessage().startsWith(logDir.resolve(seg) + ": differs from " + archive.resolve(seg) + " from offset "
                + parting + " on, where both hold valid log records"), e.getMessage());
        assertTrue(e.getMessage().contains("different histories") && e.getMessage().contains("point-in-time recovery")
                && e.getMessage().contains("give only the directories of the history wanted"), e.getMessage());
        assertSameFiles(before, files(logDir));
    }

    /** The same with the two histories only in other places, log/ holding neither: refused, log/ untouched. */
    @Test
    void copiesOfTwoHistoriesElsewhereAreRefusedToo() throws Exception {
        Path old = dir.resolve("old");
        List<Long> lsns = write(old, Lsn.NULL, 1, 200);
        long cut = lsns.get(40);
        Path after = cutCopy(old, cut, "after");
        write(after, cut, 1001, 1010);
        Path logDir = dir.resolve("log");
        Files.createDirectories(logDir);
        String seg = SegmentFiles.name(Lsn.segment(cut));
        StorageException e = assertThrows(StorageException.class,
                () -> SegmentAssembler.assemble(io, logDir, List.of(old, after), env, Lsn.NULL));
        assertTrue(e.getMessage().startsWith(old.resolve(seg) + ": differs from " + after.resolve(seg) + " from offset "
                + Files.mismatch(old.resolve(seg), after.resolve(seg)) + " on"), e.getMessage());
        assertEquals(Map.of(), files(logDir));
        // Given one history only, each is taken whole.
        SegmentAssembler.assemble(io, logDir, List.of(after), env, Lsn.NULL).commit();
        assertSameFiles(segments(after), files(logDir));
    }

    /**
     * A segment begun again after a cut in the segment before it: the two copies' headers (creation
     * time, previous segment's end) differ, before any record.
     */
    @Test
    void aSegmentBegunInTwoHistoriesIsRefusedAtItsHeader() throws Exception {
        Path old = dir.resolve("old");
        List<Long> lsns = write(old, Lsn.NULL, 1, 200);
        long cut = lsns.get(20);
        assertEquals(1, Lsn.segment(cut));
        Path after = cutCopy(old, cut, "after");
        Thread.sleep(5); // another creation time
        write(after, cut, 1001, 1200);
        // Only the second segments, as after segment 1 was removed from both places.
        Files.delete(old.resolve(SegmentFiles.name(1)));
        Files.delete(after.resolve(SegmentFiles.name(1)));
        Path logDir = dir.resolve("log");
        Files.createDirectories(logDir);
        String seg = SegmentFiles.name(2);
        long parting = Files.mismatch(old.resolve(seg), after.resolve(seg));
        assertTrue(parting < SegmentHeader.SIZE, "the headers differ: " + parting);
        StorageException e = assertThrows(StorageException.class,
                () -> SegmentAssembler.assemble(io, logDir, List.of(old, after), env, Lsn.NULL));
        assertTrue(e.getMessage().contains("from offset " + parting + " on"), e.getMessage());
        assertEquals(Map.of(), files(logDir));
    }

    /**
     * Copies of one history: log/'s ends in a torn record (bytes that are no record, unlike the
     * archive's there), a backup's was copied while the segment was being written. Neither counts
     * past its valid end: the archive's whole copy wins.
     */
    @Test
    void aShorterOrTornCopyOfTheSameHistoryLosesToTheLongerOne() throws Exception {
        Path archive = dir.resolve("archive");
        List<Long> lsns = write(archive, Lsn.NULL, 1, 200);
        long torn = lsns.get(150);
        Path logDir = cutCopy(archive, torn, "log");
        String seg = SegmentFiles.name(Lsn.segment(torn));
        byte[] garbage = new byte[700];
        new Random(7).nextBytes(garbage);
        ByteBuffer half = ByteBuffer.wrap(garbage);
        half.putInt(0, 540); // a plausible length, then the rest of a write that never finished
        try (StorageFile f = io.open(logDir.resolve(seg), true, false)) {
            f.write(half, Lsn.offset(torn));
        }
        Path backup = cutCopy(archive, lsns.get(120), "backup");

        SegmentAssembler.Assembly a = SegmentAssembler.assemble(io, logDir, List.of(backup, archive), env, Lsn.NULL);
        a.commit();
        assertArrayEquals(Files.readAllBytes(archive.resolve(seg)), Files.readAllBytes(logDir.resolve(seg)));
        assertTrue(a.notes().stream().anyMatch(n -> n.startsWith(seg + ": took the copy from " + archive)
                && n.contains("over the one in " + logDir + " (valid to offset " + Lsn.offset(torn) + ")")), a.notes()::toString);
        assertTrue(new LogScanner(io, logDir).scan(Lsn.NULL, env, f -> { }).tail() == null, "one whole chain");
    }

    /**
     * A replay that starts in a later segment (the data files' checkpoint) needs nothing before it:
     * those segments stay in the archive, with one note, instead of being copied into log/.
     */
    @Test
    void segmentsBeforeTheReplaysStartAreLeftWhereTheyAre() throws Exception {
        Path archive = dir.resolve("archive");
        List<Long> lsns = write(archive, Lsn.NULL, 1, 600);
        long start = lsns.get(450);
        long startSegment = Lsn.segment(start);
        assertTrue(startSegment >= 3, "the start lies a few segments in: " + Lsn.toString(start));
        Path logDir = dir.resolve("log");
        Files.createDirectories(logDir);

        SegmentAssembler.Assembly a = SegmentAssembler.assemble(io, logDir, List.of(archive), env, start);
        a.commit();
        Map<String, byte[]> needed = segments(archive);
        needed.keySet().removeIf(name -> SegmentFiles.number(name) < startSegment);
        assertSameFiles(needed, files(logDir));
        String note = (startSegment - 1) + " segments from " + SegmentFiles.name(1) + " to " + SegmentFiles.name(startSegment - 1)
                + " lie before where the data files' replay starts (" + Lsn.toString(start) + "): not needed, left where they are";
        assertTrue(a.notes().contains(note), a.notes()::toString);
        assertTrue(new LogScanner(io, logDir).scan(start, env, f -> { }).tail() == null, "one whole chain from the start");
    }

    /** The same directory given twice (as the archive and with --logs) is read once and is no conflict. */
    @Test
    void aDirectoryGivenTwiceIsOnePlace() throws Exception {
        Path archive = dir.resolve("archive");
        write(archive, Lsn.NULL, 1, 200);
        Path logDir = dir.resolve("log");
        Files.createDirectories(logDir);
        Path again = dir.resolve("x").resolve("..").resolve("archive");
        Files.createDirectories(dir.resolve("x"));
        SegmentAssembler.Assembly a = SegmentAssembler.assemble(io, logDir, List.of(archive, again), env, Lsn.NULL);
        a.commit();
        assertSameFiles(segments(archive), files(logDir));
        assertEquals(1, a.notes().size(), a.notes()::toString);
    }
    /** Segments of another environment in a --logs directory are left out, and the note says so. */
    @Test
    void aCopyOfAnotherEnvironmentIsLeftOutWithANote() throws Exception {
        Path mine = dir.resolve("mine");
        write(mine, Lsn.NULL, 1, 20);
        Path foreign = dir.resolve("foreign");
        Files.createDirectories(foreign);
        LogManager other = LogManager.open(io, foreign, UUID.randomUUID(), Lsn.NULL, 64 << 10, 64 << 10, 1);
        for (int i = 1; i <= 200; i++) {
            other.append(LogManagerTest.commit(i, 500));
        }
        other.syncAll();
        other.close();
        Path logDir = dir.resolve("log");
        Files.createDirectories(logDir);
        SegmentAssembler.Assembly a = SegmentAssembler.assemble(io, logDir, List.of(mine, foreign), env, Lsn.NULL);
        a.commit();
        assertSameFiles(segments(mine), files(logDir));
        assertTrue(a.notes().stream().anyMatch(n -> n.startsWith("ignored " + foreign.resolve("log.0000000001"))
                && n.contains("belongs to environment")), a.notes()::toString);
    }
    /**
     * The only copy of the last segment, in a --logs directory, has a damaged header but holds
     * commits: it used to be left out (a blank header without a word), so the log ended a segment
     * early and catastrophic recovery dropped its commits. Now it is taken into log/, where the
     * scan refuses it by name.
     */
    @Test
    void theOnlyCopyOfASegmentWithADamagedHeaderIsNotLeftOutSilently() throws Exception {
        Path mine = dir.resolve("mine");
        write(mine, Lsn.NULL, 1, 200);
        List<Long> segs = SegmentFiles.list(io, mine);
        assertTrue(segs.size() >= 2, "two segments at least: " + segs);
        long last = segs.get(segs.size() - 1);
        Path logDir = dir.resolve("log");
        Files.createDirectories(logDir);
        for (long seg : segs) {
            if (seg != last) {
                Files.copy(mine.resolve(SegmentFiles.name(seg)), logDir.resolve(SegmentFiles.name(seg)));
            }
        }
        Path archive = Files.createDirectories(dir.resolve("archive"));
        Path damaged = archive.resolve(SegmentFiles.name(last));
        Files.copy(mine.resolve(SegmentFiles.name(last)), damaged);
        try (StorageFile f = io.open(damaged, true, false)) {
            f.zeroFill(0, SegmentHeader.SIZE); // a zeroed sector where the header was
        }
        SegmentAssembler.Assembly a = SegmentAssembler.assemble(io, logDir, List.of(archive), env, Lsn.NULL);
        a.commit();
        assertTrue(a.notes().stream().anyMatch(n -> n.startsWith(SegmentFiles.name(last) + ": the only copy, from " + archive)
                && n.contains("damaged header")), a.notes()::toString);
        org.cairndb.CorruptionException e = assertThrows(org.cairndb.CorruptionException.class,
                () -> new LogScanner(io, logDir).scan(Lsn.NULL, env, f -> { }));
        assertEquals(logDir.resolve(SegmentFiles.name(last)), e.file(), e.getMessage());
        assertTrue(e.getMessage().contains("records follow it"), e.getMessage());
    }
}
