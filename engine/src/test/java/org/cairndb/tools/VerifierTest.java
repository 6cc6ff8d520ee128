package org.cairndb.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.cairndb.tree.LeafPage;
import org.cairndb.tree.Overflow;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifierTest {

    private static final int RECORDS = 5000;
    /** Values k00007, k01007, ... k04007 are large; the updates of k00000..k00299 made k00007 small again. */
    private static final int OVERFLOW_VALUES = 4;

    @TempDir
    Path home;

    private Path dataFile;
    private DataFileSurgery surgery;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A database "t" of several leaves under one branch, with a few overflow values, closed (checkpointed). */
    @BeforeEach
    void createEnvironment() {
        try (Environment env = Environment.open(home, new EnvironmentConfig().logSegmentSize(64 << 10))) {
            Database db = env.openDatabase("t");
            try (Transaction txn = env.beginTransaction()) {
                for (int i = 0; i < RECORDS; i++) {
                    byte[] value = i % 1000 == 7 ? new byte[3000] : b("value-" + i + "-" + "x".repeat(40));
                    db.put(txn, b(String.format("k%05d", i)), value);
                }
                txn.commit();
            }
            // Several more transactions, so that the log spans more than one 64 KiB segment.
            for (int i = 0; i < 300; i++) {
                db.put(null, b(String.format("k%05d", i)), b("updated-" + i + "-" + "y".repeat(200)));
            }
        }
        dataFile = home.resolve("data/t.cdb");
        surgery = new DataFileSurgery(dataFile);
    }

    private Verifier.Report verify(String... databases) throws IOException {
        return new Verifier(home).verify(List.of(databases));
    }

    private static void assertProblem(Verifier.Report r, Path file, long offset, String text) {
        assertFalse(r.ok(), "no problem found");
        for (Verifier.Problem p : r.problems()) {
            if (p.file().equals(file) && p.offset() == offset && p.message().contains(text)) {
                return;
            }
        }
        throw new AssertionError("no problem in " + file + " at offset " + offset + " containing '" + text + "': "
                + r.problems());
    }

    @Test
    void healthyEnvironmentHasNoProblems() throws IOException {
        Verifier.Report r = verify();
        assertTrue(r.ok(), () -> r.problems().toString());
        assertEquals(1, r.databases().size());
        Verifier.DatabaseSummary d = r.databases().get(0);
        assertEquals("t", d.name());
        assertEquals(RECORDS, d.records());
        assertEquals(2, d.depth());
        assertEquals(OVERFLOW_VALUES, d.overflowValues());
        assertTrue(r.log().segments() > 1, "the test wants several log segments: " + r.log());
        assertTrue(r.log().records() > 300, r.log()::toString);
    }

    /** Progress is reported while pages and records are read, and at the end of each phase with its totals. */
    @Test
    void progressIsReportedForTheDataFilesThenTheLog() throws IOException {
        List<VerifyProgress> seen = new java.util.ArrayList<>();
        Verifier.Report r = new Verifier(home).progress(seen::add, 0).verify(List.of());
        assertTrue(r.ok(), () -> r.problems().toString());
        List<String> phases = seen.stream().map(VerifyProgress::phase).distinct().toList();
        assertEquals(List.of("data files", "log"), phases, seen::toString);
        VerifyProgress lastData = seen.stream().filter(p -> p.phase().equals("data files")).reduce((a, b) -> b).orElseThrow();
        assertEquals(1, lastData.files(), lastData::toString);
        // Every tree page is read: at least the pages of the tree the summary counts.
        assertTrue(lastData.bytes() >= r.databases().get(0).treePages() * 8192, lastData::toString);
        VerifyProgress lastLog = seen.get(seen.size() - 1);
        assertEquals("log", lastLog.phase());
        assertEquals(r.log().segments(), lastLog.files(), lastLog::toString);
        long logBytes = 0;
        try (var files = Files.list(home.resolve("log"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                logBytes += Files.size(f);
            }
        }
        assertTrue(lastLog.bytes() > 0 && lastLog.bytes() <= logBytes, lastLog + " of " + logBytes + " bytes of segments");
        for (int i = 1; i < seen.size(); i++) {
            VerifyProgress a = seen.get(i - 1);
            VerifyProgress b = seen.get(i);
            if (a.phase().equals(b.phase())) {
                assertTrue(b.bytes() >= a.bytes() && b.files() >= a.files(), a + " then " + b);
            }
        }
        // With the default interval (3 s), this small verify reports the ends of its phases (and at most
        // a few reports between them, on a machine slow enough to take that long).
        List<VerifyProgress> ends = new java.util.ArrayList<>();
        new Verifier(home).progress(ends::add).verify(List.of());
        assertTrue(ends.size() >= 2 && ends.size() < seen.size(), ends::toString);
        assertEquals(lastLog.files(), ends.get(ends.size() - 1).files(), ends::toString);
    }

    @Test
    void verifyChangesNoFile() throws IOException {
        Map<Path, String> before = fingerprints();
        assertTrue(verify().ok());
        assertEquals(before, fingerprints());
    }

    @Test
    void damagedLeafPageIsReportedWithFileAndOffset() throws IOException {
        long leaf = surgery.child(1);
        int pageSize = surgery.pageSize();
        surgery.flipByte(leaf * pageSize + 100);
        assertProblem(verify(), dataFile, leaf * pageSize, "checksum mismatch");
    }

    @Test
    void keysOutOfOrderInsideAPageAreFound() throws IOException {
        long pos = surgery.fullLeaf(5);
        LeafPage leaf = surgery.leaf(pos);
        byte[][] keys = keys(leaf);
        byte[] k = keys[3];
        keys[3] = keys[4];
        keys[4] = k;
        surgery.rewriteLeaf(pos, keys, values(leaf));
        assertProblem(verify(), dataFile, pos * surgery.pageSize(), "entry 4 (key '" + new String(k, StandardCharsets.US_ASCII)
                + "') does not sort after");
    }

    @Test
    void keyOutsideTheRangeItsParentGivesIsFound() throws IOException {
        long pos = surgery.fullLeaf(2);
        LeafPage leaf = surgery.leaf(pos);
        byte[][] keys = keys(leaf);
        keys[0] = b("a-key-that-belongs-in-the-first-leaf");
        surgery.rewriteLeaf(pos, keys, values(leaf));
        assertProblem(verify(), dataFile, pos * surgery.pageSize(), "sorts before");
    }

    @Test
    void pageReachableTwiceIsFound() throws IOException {
        var root = surgery.root();
        long[] children = new long[root.count()];
        byte[][] separators = new byte[root.count() - 1][];
        for (int i = 0; i < root.count(); i++) {
            children[i] = root.childRef(i).pos();
            if (i > 0) {
                separators[i - 1] = root.key(i - 1);
            }
        }
        long twice = children[1];
        children[2] = twice;
        surgery.rewriteBranch(root.pos(), separators, children);
        Verifier.Report r = verify();
        assertProblem(r, dataFile, twice * surgery.pageSize(), "reachable twice (again from child 2 of branch page "
                + root.pos() + ")");
        assertProblem(r, dataFile, 72, "records but the tree holds");
    }

    @Test
    void recordCountDifferentFromTheHeaderIsFound() throws IOException {
        surgery.setHeaderRecordCount(RECORDS + 1);
        assertProblem(verify(), dataFile, 72, "header says " + (RECORDS + 1) + " records but the tree holds " + RECORDS);
    }

    @Test
    void damagedOverflowValueIsFound() throws IOException {
        long overflowPage = -1;
        var root = surgery.root();
        for (int i = 0; i < root.count() && overflowPage < 0; i++) {
            LeafPage leaf = surgery.leaf(root.childRef(i).pos());
            for (int j = 0; j < leaf.count(); j++) {
                if (leaf.rawValue(j) instanceof Overflow o) {
                    overflowPage = o.pos();
                    break;
                }
            }
        }
        assertTrue(overflowPage > 0, "no overflow value found");
        surgery.flipByte(overflowPage * surgery.pageSize() + 500);
        assertProblem(verify(), dataFile, overflowPage * surgery.pageSize(), "checksum mismatch");
    }

    @Test
    void reachablePageMarkedFreeInTheSpaceMapIsFound() throws IOException {
        long leaf = surgery.child(1);
        surgery.markFreeInSpaceMap(leaf);
        assertProblem(verify(), dataFile, leaf * surgery.pageSize(), "free in the space map");
    }

    @Test
    void damagedLogRecordIsReportedWithSegmentAndOffset() throws IOException {
        Path logDir = home.resolve("log");
        long lsn = aRecordInsideAnEarlierSegment(logDir);
        Path segment = logDir.resolve(SegmentFiles.name(Lsn.segment(lsn)));
        String cleanEnd = verify().log().endLsn();
        flipByte(segment, Lsn.offset(lsn) + 30);
        Verifier.Report r = verify();
        assertProblem(r, segment, Lsn.offset(lsn), "record checksum mismatch");
        // Before the data files' recovery start (the environment was closed): the log recovery reads
        // is scanned on its own, to its end.
        assertEquals(cleanEnd, r.log().endLsn());
    }

    @Test
    void tornTailOfTheLogIsOnlyAWarning() throws IOException {
        Verifier.Report clean = verify();
        long end = Lsn.parse(clean.log().endLsn());
        Path last = home.resolve("log").resolve(SegmentFiles.name(Lsn.segment(end)));
        try (FileChannel ch = FileChannel.open(last, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 77, 1, 2, 3}), Lsn.offset(end));
        }
        Verifier.Report r = verify();
        assertTrue(r.ok(), () -> r.problems().toString());
        assertTrue(r.warnings().stream().anyMatch(w -> w.contains("unfinished write")), r.warnings()::toString);
    }

    @Test
    void namedDatabasesOnlyAndTheLogIsSkipped() throws IOException {
        Verifier.Report r = verify("t");
        assertTrue(r.ok());
        assertEquals(null, r.log());
        assertProblem(verify("nope"), home.resolve("data/nope.cdb"), 0, "database 'nope' has no data file");
    }

    @Test
    void fileThatIsNotADataFileIsAProblem() throws IOException {
        Path bogus = home.resolve("data/bogus.cdb");
        Files.write(bogus, new byte[20000]);
        assertProblem(verify(), bogus, 0, "no valid header");
    }

    // ---- helpers ----

    private static byte[][] keys(LeafPage leaf) {
        byte[][] keys = new byte[leaf.count()][];
        for (int i = 0; i < leaf.count(); i++) {
            keys[i] = leaf.key(i);
        }
        return keys;
    }

    private static Object[] values(LeafPage leaf) {
        Object[] values = new Object[leaf.count()];
        for (int i = 0; i < leaf.count(); i++) {
            values[i] = leaf.rawValue(i);
        }
        return values;
    }

    /** The third record of the first segment (not the last one) that holds at least four: corruption there is never a torn tail. */
    private static long aRecordInsideAnEarlierSegment(Path logDir) throws IOException {
        Map<Long, List<Long>> bySegment = new TreeMap<>();
        new LogScanner(NioFileIO.INSTANCE, logDir).scan(Lsn.NULL, null,
                f -> bySegment.computeIfAbsent(Lsn.segment(f.lsn()), k -> new ArrayList<>()).add(f.lsn()));
        long last = ((TreeMap<Long, List<Long>>) bySegment).lastKey();
        for (Map.Entry<Long, List<Long>> e : bySegment.entrySet()) {
            if (e.getKey() != last && e.getValue().size() >= 4) {
                return e.getValue().get(2);
            }
        }
        throw new AssertionError("no earlier segment with four records: " + bySegment.keySet());
    }

    private static void flipByte(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) ~b.get(0)).rewind();
            ch.write(b, offset);
        }
    }

    private Map<Path, String> fingerprints() throws IOException {
        Map<Path, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(home)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                m.put(p, Files.getLastModifiedTime(p) + " " + sha256(Files.readAllBytes(p)));
            }
        }
        return m;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

}
