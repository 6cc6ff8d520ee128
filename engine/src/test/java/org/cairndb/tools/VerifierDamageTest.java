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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupManifest;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.LogRecordType;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.cairndb.tree.BranchPage;
import org.cairndb.tree.LeafPage;
import org.cairndb.tree.Overflow;
import org.cairndb.util.Checksums;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn verify} on damage that {@link VerifierTest} leaves out: files put in the wrong place
 * (a data file of another environment, one copied under another name), the log cut short at
 * either end, a header copy gone bad, pages written to the wrong place or pointing where they
 * should not, and log records a Cairn cannot read. Each problem names the file and the offset;
 * verifying changes no file.
 */
class VerifierDamageTest {

    @TempDir
    Path tmp;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Databases "t" and "u" of several leaves under one branch, a few overflow values in "t"; closed or abandoned. */
    private static Path environment(Path home, boolean close) {
        Environment env = Environment.open(home, new EnvironmentConfig().logSegmentSize(64 << 10).checkpointerEnabled(!close
                ? false : true).checkpointKBytes(close ? 1024 : 0));
        for (String name : new String[] {"t", "u"}) {
            Database db = env.openDatabase(name);
            try (Transaction txn = env.beginTransaction()) {
                for (int i = 0; i < 3000; i++) {
                    byte[] value = name.equals("t") && i % 1000 == 7 ? new byte[3000] : b("value-" + i + "-" + "x".repeat(40));
                    db.put(txn, b(String.format("k%05d", i)), value);
                }
                txn.commit();
            }
        }
        Database t = env.openDatabase("t");
        for (int i = 0; i < 200; i++) {
            t.put(null, b(String.format("k%05d", i)), b("updated-" + i + "-" + "y".repeat(200)));
        }
        if (close) {
            env.close();
        } else {
            env.internals().abandon();
        }
        return home;
    }

    private static Verifier.Report verify(Path home) throws IOException {
        Map<Path, String> before = fingerprints(home);
        Verifier.Report r = new Verifier(home).verify(List.of());
        assertEquals(before, fingerprints(home), "verifying changed no file");
        return r;
    }

    private static Verifier.Problem assertProblem(Verifier.Report r, Path file, long offset, String text) {
        assertFalse(r.ok(), "no problem found; warnings: " + r.warnings());
        for (Verifier.Problem p : r.problems()) {
            if (p.file().toAbsolutePath().equals(file.toAbsolutePath()) && p.offset() == offset && p.message().contains(text)) {
                return p;
            }
        }
        throw new AssertionError("no problem in " + file + " at offset " + offset + " containing '" + text + "': "
                + r.problems());
    }

    // ---- files in the wrong place ----

    @Test
    void aDataFileOfAnotherEnvironmentIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        Path other = environment(tmp.resolve("other"), true);
        Path intruder = home.resolve("data/v.cdb");
        Files.copy(other.resolve("data/u.cdb"), intruder);
        Verifier.Report r = verify(home);
        assertProblem(r, intruder, 24, "belongs to environment ");
        assertProblem(r, intruder, 118, "header names database 'u', not 'v' (renamed by hand?)");
    }

    @Test
    void aDataFileCopiedUnderAnotherNameIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        Path copy = home.resolve("data/t2.cdb");
        Files.copy(home.resolve("data/t.cdb"), copy);
        Verifier.Report r = verify(home);
        assertProblem(r, copy, 118, "header names database 't', not 't2'");
        Verifier.Problem p = assertProblem(r, copy, 40, "is also used by " + home.resolve("data/t.cdb"));
        assertTrue(p.message().startsWith("database id "), p.toString());
    }

    @Test
    void oneBadHeaderCopyIsAWarningThatNamesIt() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        Path file = home.resolve("data/t.cdb");
        DataFileSurgery surgery = new DataFileSurgery(file);
        int pageSize = surgery.pageSize();
        long older = 1 - surgery.header().generation() % 2; // the copy not in use
        surgery.flipByte(older * pageSize + 50);
        Verifier.Report r = verify(home);
        assertTrue(r.ok(), r.problems().toString());
        String prefix = file + " offset " + older * pageSize + ": header copy " + (older + 1) + " is not valid (";
        assertTrue(r.warnings().stream().anyMatch(w -> w.startsWith(prefix) && w.contains("the next checkpoint rewrites")),
                r.warnings().toString());
    }

    // ---- the log cut short ----

    @Test
    void aSegmentStillNeededThatWasDeletedIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), false); // no checkpoint since the start: the data files need segment 1
        Path first = home.resolve("log").resolve(SegmentFiles.name(1));
        Files.delete(first);
        Verifier.Report r = verify(home);
        Verifier.Problem p = assertProblem(r, home.resolve("data/t.cdb"), 48, "but segment log.0000000001 is no longer in "
                + home.resolve("log"));
        assertTrue(p.message().startsWith("recovery of this file starts at LSN 1/"), p.toString());
    }

    @Test
    void aLogThatEndsBeforeTheCheckpointIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        List<Long> segs = SegmentFiles.list(NioFileIO.INSTANCE, home.resolve("log"));
        long need = new DataFileSurgery(home.resolve("data/t.cdb")).header().checkpointLsn();
        assertEquals(segs.get(segs.size() - 1), Lsn.segment(need), "the checkpoint lies in the last segment");
        Files.delete(home.resolve("log").resolve(SegmentFiles.name(Lsn.segment(need))));
        Verifier.Report r = verify(home);
        assertProblem(r, home.resolve("data/t.cdb"), 48, "recovery of this file starts at LSN " + Lsn.toString(need)
                + ", beyond the end of the log");
    }

    @Test
    void aLogWithNoSegmentsIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        Path logDir = home.resolve("log");
        for (long s : SegmentFiles.list(NioFileIO.INSTANCE, logDir)) {
            Files.delete(logDir.resolve(SegmentFiles.name(s)));
        }
        assertProblem(verify(home), logDir, 0, "the log has no segments, but the data files need it");
    }

    // ---- log records that cannot be read ----

    /** A COMMIT record in an earlier segment: its segment, offset and length. */
    private static long[] aCommitInAnEarlierSegment(Path home) throws IOException {
        List<long[]> commits = new ArrayList<>();
        long[] lastSegment = new long[1];
        new LogScanner(NioFileIO.INSTANCE, home.resolve("log")).scan(Lsn.NULL, null, f -> {
            lastSegment[0] = Lsn.segment(f.lsn());
            if (f.type() == LogRecordType.COMMIT) {
                commits.add(new long[] {Lsn.segment(f.lsn()), Lsn.offset(f.lsn()), f.size()});
            }
        });
        for (long[] c : commits) {
            if (c[0] < lastSegment[0] && c[2] > 100) {
                return c;
            }
        }
        throw new AssertionError("no commit in an earlier segment");
    }

    /** Changes bytes of a record and gives it a valid checksum again, as a Cairn with another record format would write it. */
    private static void rewriteRecord(Path segment, long offset, int size, java.util.function.Consumer<ByteBuffer> change)
            throws IOException {
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer rec = ByteBuffer.allocate(size);
            ch.read(rec, offset);
            change.accept(rec);
            rec.putInt(size - 4, Checksums.crc32c(rec.array(), 0, size - 4));
            rec.clear();
            ch.write(rec, offset);
        }
    }

    @Test
    void aRecordOfAnUnknownTypeIsNamedWithItsSegmentAndOffset() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        long[] c = aCommitInAnEarlierSegment(home);
        Path segment = home.resolve("log").resolve(SegmentFiles.name(c[0]));
        rewriteRecord(segment, c[1], (int) c[2], rec -> rec.put(4, (byte) 99));
        Verifier.Report r = verify(home);
        Verifier.Problem p = assertProblem(r, segment, c[1], "unknown record type 99");
        assertTrue(p.message().contains("catastrophic recovery"), p.toString());
    }

    /**
     * A flipped byte in the log before where the data files' recovery starts: still a problem (a
     * restore from an older backup replays it), but not "normal recovery cannot go on", which sent
     * admins to a catastrophic recovery the environment did not need (it opens fine); and the part
     * of the log that recovery does read is checked on past it.
     */
    @Test
    void damageBeforeTheRecoveryStartIsNamedWithoutSayingTheEnvironmentCannotOpen() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        long[] c = aCommitInAnEarlierSegment(home);
        long start = new DataFileSurgery(home.resolve("data/t.cdb")).header().checkpointLsn();
        assertTrue(Lsn.of(c[0], c[1]) < start, "the damaged commit lies before the recovery start");
        Path segment = home.resolve("log").resolve(SegmentFiles.name(c[0]));
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {(byte) 0xA5, (byte) 0x5A}), c[1] + 30);
        }
        Verifier.Report r = verify(home);
        Verifier.Problem p = assertProblem(r, segment, c[1], "checksum");
        assertFalse(p.message().contains("normal recovery cannot go on"), p.toString());
        assertTrue(p.message().contains("this lies before LSN " + Lsn.toString(start) + ", where normal recovery of the data"
                + " files starts"), p.toString());
        assertEquals(1, r.problems().size(), "the log recovery reads is whole: " + r.problems());
        assertTrue(r.log() != null, "the log from the recovery start on was scanned");
        try (Environment env = Environment.open(home, new EnvironmentConfig())) {
            assertEquals(3000, env.openDatabase("t", false).count(), "the environment opens as verify says");
        }
    }

    @Test
    void aRecordWithAValidChecksumThatCannotBeDecodedIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        long[] c = aCommitInAnEarlierSegment(home);
        Path segment = home.resolve("log").resolve(SegmentFiles.name(c[0]));
        rewriteRecord(segment, c[1], (int) c[2], rec -> {
            for (int i = 24; i < rec.capacity() - 4; i++) {
                rec.put(i, (byte) 0xFF);
            }
        });
        Verifier.Report r = verify(home);
        Verifier.Problem p = assertProblem(r, segment, c[1], "record of type COMMIT at LSN "
                + Lsn.toString(Lsn.of(c[0], c[1])) + " has a valid checksum but cannot be decoded");
        assertTrue(r.log() != null, "the rest of the log is still scanned");
    }

    // ---- pages ----

    @Test
    void aPageWrittenToTheWrongPlaceIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        Path file = home.resolve("data/t.cdb");
        DataFileSurgery surgery = new DataFileSurgery(file);
        int pageSize = surgery.pageSize();
        long from = surgery.child(1);
        long to = surgery.child(2);
        copyPage(file, from, file, to, pageSize);
        assertProblem(verify(home), file, to * pageSize, "page " + to + " holds page number " + from + " (misplaced write)");
    }

    @Test
    void aPageOfAnotherDatabaseIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        Path file = home.resolve("data/t.cdb");
        DataFileSurgery surgery = new DataFileSurgery(file);
        int pageSize = surgery.pageSize();
        long pos = surgery.child(1);
        Path u = home.resolve("data/u.cdb");
        assertTrue(Files.size(u) > (pos + 1) * pageSize);
        copyPage(u, pos, file, pos, pageSize);
        int uId = new DataFileSurgery(u).header().dbId();
        assertProblem(verify(home), file, pos * pageSize, "page " + pos + " belongs to database id " + uId + ", not "
                + surgery.header().dbId());
    }

    @Test
    void aTreePointerToAnOverflowPageIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        Path file = home.resolve("data/t.cdb");
        DataFileSurgery surgery = new DataFileSurgery(file);
        BranchPage root = surgery.root();
        long overflow = anOverflowValue(surgery).pos();
        long[] children = children(root);
        children[1] = overflow; // a stale pointer to a page since reused for a large value
        surgery.rewriteBranch(root.pos(), separators(root), children);
        Verifier.Problem p = assertProblem(verify(home), file, overflow * surgery.pageSize(), "undecodable page: page "
                + overflow + " is of type ");
        assertTrue(p.message().contains("not a tree page"), p.toString());
    }

    @Test
    void aTreePointerBeyondTheEndOfTheFileIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        Path file = home.resolve("data/t.cdb");
        DataFileSurgery surgery = new DataFileSurgery(file);
        BranchPage root = surgery.root();
        long pages = surgery.header().pageCount();
        long[] children = children(root);
        children[1] = pages + 10;
        surgery.rewriteBranch(root.pos(), separators(root), children);
        assertProblem(verify(home), file, (pages + 10) * surgery.pageSize(), "child 1 of branch page " + root.pos()
                + " points at page " + (pages + 10) + ", outside the file's pages 2.." + (pages - 1));
    }

    @Test
    void anOverflowPointerToALeafIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        Path file = home.resolve("data/t.cdb");
        DataFileSurgery surgery = new DataFileSurgery(file);
        long leafPos = aLeafWithAnOverflowValue(surgery);
        long[] children = children(surgery.root());
        int at = 0;
        while (children[at] != leafPos) {
            at++;
        }
        long target = children[at + 1]; // a leaf the walk has not reached yet: a stale pointer to a page since reused
        rewriteOverflows(surgery, leafPos, o -> new Overflow(target, o.length()));
        assertProblem(verify(home), file, target * surgery.pageSize(), "expected an overflow page, found type");
    }

    @Test
    void anOverflowValueOfTheWrongLengthIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        Path file = home.resolve("data/t.cdb");
        DataFileSurgery surgery = new DataFileSurgery(file);
        long leafPos = aLeafWithAnOverflowValue(surgery);
        Overflow o = anOverflowIn(surgery.leaf(leafPos));
        rewriteOverflows(surgery, leafPos, x -> new Overflow(x.pos(), x.length() - 1000));
        assertProblem(verify(home), file, o.pos() * surgery.pageSize(), "overflow page holds " + o.length()
                + " bytes, expected " + (o.length() - 1000));
    }

    @Test
    void aTruncatedDataFileIsNamed() throws IOException {
        Path home = environment(tmp.resolve("env"), true);
        Path file = home.resolve("data/t.cdb");
        int pageSize = new DataFileSurgery(file).pageSize();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(Math.max(3L * pageSize, ch.size() / pageSize / 2 * pageSize));
        }
        Verifier.Report r = verify(home);
        assertFalse(r.ok());
        Verifier.Problem p = r.problems().get(0);
        assertEquals(file, p.file(), r.problems().toString());
        assertTrue(p.offset() >= 2L * pageSize && p.message().contains("beyond the end of the file"), p.toString());
    }

    // ---- helpers ----

    private static void copyPage(Path fromFile, long from, Path toFile, long to, int pageSize) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(pageSize);
        try (FileChannel ch = FileChannel.open(fromFile, StandardOpenOption.READ)) {
            ch.read(b, from * pageSize);
        }
        b.flip();
        try (FileChannel ch = FileChannel.open(toFile, StandardOpenOption.WRITE)) {
            ch.write(b, to * pageSize);
        }
    }

    private static long[] children(BranchPage root) {
        long[] c = new long[root.count()];
        for (int i = 0; i < c.length; i++) {
            c[i] = root.childRef(i).pos();
        }
        return c;
    }

    private static byte[][] separators(BranchPage root) {
        byte[][] s = new byte[root.count() - 1][];
        for (int i = 0; i < s.length; i++) {
            s[i] = root.key(i);
        }
        return s;
    }

    private static Overflow anOverflowIn(LeafPage leaf) {
        for (int j = 0; j < leaf.count(); j++) {
            if (leaf.rawValue(j) instanceof Overflow o) {
                return o;
            }
        }
        return null;
    }

    private static long aLeafWithAnOverflowValue(DataFileSurgery surgery) throws IOException {
        BranchPage root = surgery.root();
        for (int i = 0; i < root.count(); i++) {
            if (anOverflowIn(surgery.leaf(root.childRef(i).pos())) != null) {
                return root.childRef(i).pos();
            }
        }
        throw new AssertionError("no overflow value");
    }

    private static Overflow anOverflowValue(DataFileSurgery surgery) throws IOException {
        return anOverflowIn(surgery.leaf(aLeafWithAnOverflowValue(surgery)));
    }

    private static void rewriteOverflows(DataFileSurgery surgery, long leafPos, java.util.function.UnaryOperator<Overflow> f)
            throws IOException {
        LeafPage leaf = surgery.leaf(leafPos);
        byte[][] keys = new byte[leaf.count()][];
        Object[] values = new Object[leaf.count()];
        for (int i = 0; i < leaf.count(); i++) {
            keys[i] = leaf.key(i);
            values[i] = leaf.rawValue(i) instanceof Overflow o ? f.apply(o) : leaf.rawValue(i);
        }
        surgery.rewriteLeaf(leafPos, keys, values);
    }

    private static Map<Path, String> fingerprints(Path home) throws IOException {
        Map<Path, String> m = new TreeMap<>();
        try (Stream<Path> files = Files.walk(home)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                m.put(p, Files.getLastModifiedTime(p) + " " + BackupManifest.sha256(p));
            }
        }
        return m;
    }
}
