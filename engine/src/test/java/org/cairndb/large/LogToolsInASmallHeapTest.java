package org.cairndb.large;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.cairndb.cli.CairnCli;
import org.cairndb.io.NioFileIO;
import org.cairndb.log.LogRecordType;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.RecordFrame;
import org.cairndb.log.SegmentFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that read a log without replaying it hold no more of it than a piece at a time, so
 * a log of transactions of several 16 MiB values (the largest value; a transaction may hold several,
 * up to cairn.txn.max.bytes) is printed, verified, dumped and its backup verified in a heap of
 * 48 MB, a heap that holds such a record once but not twice. They read and decoded each record
 * whole, values included: {@code printlog} and {@code verify} of a 48 MiB COMMIT ran out of memory.
 * The checksum of such a record is still checked over every byte: a byte flipped inside one of its
 * values is a problem {@code verify} reports, in the same heap.
 */
class LogToolsInASmallHeapTest {

    private static final String HEAP = "-Xmx48m";
    private static final Duration TIMEOUT = Duration.ofMinutes(2);

    @TempDir
    static Path dir;
    private static Path home;
    private static Path backup;

    @BeforeAll
    static void writeTheLog() throws IOException, InterruptedException {
        home = dir.resolve("env");
        backup = dir.resolve("backup");
        String written = ChildJvm.run(dir, "write child", "-Xmx512m", TIMEOUT, LogOfLargeValues.class, home.toString(),
                backup.toString());
        assertTrue(written.contains("written"), written);
    }

    @Test
    void printlogPrintsTransactionsOfLargeValues() throws IOException, InterruptedException {
        String out = cairn("printlog", "printlog", "-h", home.toString(), "-v");
        assertTrue(Pattern.compile("(?m)^\\d+/\\d+ +COMMIT +txn \\d+ +COMMIT txn \\d+ at [^,]+, 3 ops$").matcher(out).find(),
                out);
        assertTrue(Pattern.compile("(?m)^\\d+/\\d+ +PREPARE +txn \\d+ +PREPARE txn \\d+ global id 0x6769642d31 at [^,]+,"
                + " 2 ops$").matcher(out).find(), out);
        for (String key : new String[] {"a", "b", "c", "d", "e"}) {
            assertTrue(out.contains("\n    put db 1 '" + key + "' (" + LogOfLargeValues.VALUE_BYTES + " bytes)\n"), out);
        }
        assertTrue(out.contains("\n    put db 1 'small' (4 bytes)\n"), out);
    }

    @Test
    void verifyChecksTheLogOfLargeValues() throws IOException, InterruptedException {
        String out = cairn("verify", "verify", "-h", home.toString());
        assertTrue(out.contains("database big: 6 records"), out);
        assertTrue(out.contains("verified " + home + ": no problems"), out);
    }

    @Test
    void verifyFindsAByteFlippedInsideALargeValue() throws IOException, InterruptedException {
        Path copy = dir.resolve("flipped");
        copyTree(home, copy);
        RecordFrame large = largestCommit(copy.resolve("log"));
        long offset = Lsn.offset(large.lsn()) + large.size() / 2;
        Path segment = copy.resolve("log").resolve(SegmentFiles.name(Lsn.segment(large.lsn())));
        flip(segment, offset);

        ChildJvm.Outcome o = ChildJvm.exec(dir, "verify of a flipped byte", HEAP, TIMEOUT, CairnCli.class, "verify", "-h",
                copy.toString());
        assertEquals(1, o.exit(), o.output());
        assertTrue(o.output().contains("PROBLEM: " + segment + " offset " + Lsn.offset(large.lsn())
                + ": record checksum mismatch"), o.output());
    }

    @Test
    void dumpWritesTheLargeValues() throws IOException, InterruptedException {
        Path file = dir.resolve("big.dump");
        cairn("dump", "dump", "-h", home.toString(), "-f", file.toString(), "big");
        // Each value is written in hexadecimal: two characters a byte.
        assertTrue(Files.size(file) > 5L * 2 * LogOfLargeValues.VALUE_BYTES, "dump of " + Files.size(file) + " bytes");
    }

    @Test
    void verifybackupChecksTheLogOfLargeValues() throws IOException, InterruptedException {
        String out = cairn("verifybackup", "verifybackup", backup.toString());
        assertTrue(out.contains("verified backup " + backup + ": no problems"), out);
    }

    /**
     * Catastrophic recovery's first step reads the copies of each segment side by side and compares
     * their records: it read each record whole, twice over (one buffer per copy), and ran out of
     * memory on the 48 MiB COMMIT. Here the log/ of a copy of the home, whose segments are the same
     * bytes, meets the home's own log as a source: every record of the two is compared.
     */
    @Test
    void theAssemblyComparesTheCopiesOfALargeRecordAPieceAtATime() throws IOException, InterruptedException {
        Path copy = dir.resolve("assembled");
        copyTree(home, copy);
        String out = ChildJvm.run(dir, "assembly", HEAP, TIMEOUT, AssemblyOfLargeRecords.class,
                copy.resolve("log").toString(), home.resolve("log").toString());
        assertTrue(out.contains("assembled: []"), out); // the same copies: nothing to take
    }

    /** As above, one copy damaged inside the large record: the whole copy is taken, in the same heap. */
    @Test
    void theAssemblyTakesTheWholeCopyOverOneDamagedInsideALargeRecord() throws IOException, InterruptedException {
        Path copy = dir.resolve("assembled-flipped");
        copyTree(home, copy);
        RecordFrame large = largestCommit(copy.resolve("log"));
        Path segment = copy.resolve("log").resolve(SegmentFiles.name(Lsn.segment(large.lsn())));
        flip(segment, Lsn.offset(large.lsn()) + large.size() / 2);
        String out = ChildJvm.run(dir, "assembly of a damaged copy", HEAP, TIMEOUT, AssemblyOfLargeRecords.class,
                copy.resolve("log").toString(), home.resolve("log").toString());
        assertTrue(out.contains(segment.getFileName() + ": took the copy from " + home.resolve("log")) && out.contains(
                "over the one in " + copy.resolve("log") + " (valid to offset " + Lsn.offset(large.lsn()) + ")"), out);
    }

    private static String cairn(String name, String... args) throws IOException, InterruptedException {
        return ChildJvm.run(dir, name, HEAP, TIMEOUT, CairnCli.class, args);
    }

    private static RecordFrame largestCommit(Path logDir) throws IOException {
        List<RecordFrame> commits = new ArrayList<>();
        new LogScanner(NioFileIO.INSTANCE, logDir).scan(Lsn.NULL, null, f -> {
            if (f.type() == LogRecordType.COMMIT && f.size() > 3 * LogOfLargeValues.VALUE_BYTES) {
                commits.add(new RecordFrame(f.lsn(), f.size(), f.type(), f.flags(), f.txnId(), f.durableLsn(), null));
            }
        });
        assertEquals(1, commits.size(), commits::toString);
        return commits.get(0);
    }

    private static void flip(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) ~b.get(0)).rewind();
            ch.write(b, offset);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            files.forEach(p -> {
                try {
                    Files.copy(p, to.resolve(from.relativize(p).toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
