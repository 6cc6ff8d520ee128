package org.cairndb.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
import java.util.zip.CRC32C;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two copies of a segment read side by side by readers that hold no record larger than a piece
 * (as catastrophic recovery's assembly reads them): where both hold a valid record of several
 * pieces, the first byte in which the two differ is found, in whichever piece it lies, and two
 * copies of the same bytes differ nowhere.
 */
class LargeRecordComparisonTest {

    @TempDir
    Path dir;

    @Test
    void copiesOfARecordOfSeveralPiecesAreComparedAPieceAtATime() throws IOException {
        Path home = dir.resolve("home");
        try (Environment env = Environment.open(home, new EnvironmentConfig().checkpointerEnabled(false))) {
            Database db = env.openDatabase("db");
            try (Transaction txn = env.beginTransaction()) {
                byte[] v = new byte[3 * SegmentReader.PIECE];
                new Random(3).nextBytes(v);
                db.put(txn, "large".getBytes(), v);
                txn.commit();
            }
        }
        Path segment = home.resolve("log").resolve(SegmentFiles.name(1));
        Path same = Files.copy(segment, dir.resolve("same"));
        Path other = Files.copy(segment, dir.resolve("other"));
        RecordFrame large = largest(segment);
        long at = Lsn.offset(large.lsn());
        long changed = at + 2L * SegmentReader.PIECE + 12345; // in the third piece
        rewriteValid(other, at, large.size(), changed);

        assertEquals(-1, differenceAtTheLargeRecord(segment, same, large), "the same bytes");
        assertEquals(changed, differenceAtTheLargeRecord(segment, other, large), "the byte changed");
    }

    private static long differenceAtTheLargeRecord(Path a, Path b, RecordFrame large) throws IOException {
        try (SegmentReader x = SegmentReader.open(NioFileIO.INSTANCE, a, 1).holdingRecordsUpTo(SegmentReader.PIECE);
                SegmentReader y = SegmentReader.open(NioFileIO.INSTANCE, b, 1).holdingRecordsUpTo(SegmentReader.PIECE)) {
            while (true) {
                assertEquals(SegmentReader.Stop.RECORD, x.next());
                assertEquals(SegmentReader.Stop.RECORD, y.next(), "the copy's record is valid");
                if (x.frame().lsn() == large.lsn()) {
                    return x.firstDifference(y);
                }
            }
        }
    }

    private static RecordFrame largest(Path segment) throws IOException {
        RecordFrame largest = null;
        try (SegmentReader r = SegmentReader.open(NioFileIO.INSTANCE, segment, 1).holdingRecordsUpTo(SegmentReader.PIECE)) {
            while (r.next() == SegmentReader.Stop.RECORD) {
                if (largest == null || r.frame().size() > largest.size()) {
                    largest = r.frame();
                }
            }
        }
        return largest;
    }

    /** Flips the byte at {@code offset} inside the record at {@code at} and writes the record's checksum anew. */
    private static void rewriteValid(Path file, long at, int size, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer record = ByteBuffer.allocate(size);
            ch.read(record, at);
            record.put((int) (offset - at), (byte) ~record.get((int) (offset - at)));
            CRC32C crc = new CRC32C();
            crc.update(record.array(), 0, size - LogRecord.TRAILER_SIZE);
            record.putInt(size - LogRecord.TRAILER_SIZE, (int) crc.getValue());
            ch.write(record.rewind(), at);
        }
    }
}
