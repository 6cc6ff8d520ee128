package org.cairndb.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cairndb.CorruptionException;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scan that reads records larger than a piece (1 MiB) in pieces, as printlog and verify do,
 * decodes them as a scan holding them whole does: the same description, the same writes with the
 * same values when they are read (across the pieces the payload is read in), what follows the
 * writes (locked keys, a heuristic decision's global id) after values skipped; and a byte flipped
 * anywhere in such a record still fails its checksum.
 */
class RecordsReadInPiecesTest {

    @TempDir
    Path home;
    private final Random random = new Random(7);

    @BeforeEach
    void writeLargeRecords() {
        try (Environment env = Environment.open(home, new EnvironmentConfig().checkpointerEnabled(false))) {
            Database db = env.openDatabase("db");
            db.put(null, "gone".getBytes(), "x".getBytes());
            try (Transaction txn = env.beginTransaction()) {
                for (int i = 0; i < 3; i++) {
                    db.put(txn, ("one-phase " + i).getBytes(), value(600_000 + i));
                }
                db.delete(txn, "gone".getBytes());
                db.put(txn, "small".getBytes(), "v".getBytes());
                txn.commit();
            }
            try (Transaction txn = env.beginTransaction()) {
                db.getForUpdate(txn, "small".getBytes()); // a key locked, not written: listed after the writes
                db.put(txn, "prepared 1".getBytes(), value(700_000));
                db.put(txn, "prepared 2".getBytes(), value(700_001));
                txn.prepare("global id".getBytes());
                txn.heuristicCommit(); // a COMMIT holding the global id after its (no) writes
            }
        }
    }

    @Test
    void largeRecordsDecodeAsWhenReadWhole() throws IOException {
        List<String> whole = new ArrayList<>();
        List<String> inPieces = new ArrayList<>();
        int[] largeRecords = new int[1];
        new LogScanner(NioFileIO.INSTANCE, home.resolve("log")).scan(Lsn.NULL, null, f -> {
            LogRecord r = f.decode();
            whole.add(f.lsn() + " " + r.describe());
            List<Op> ops = r instanceof CommitRecord c ? c.ops() : r instanceof PrepareRecord p ? p.ops() : List.of();
            for (Op op : ops) {
                whole.add(op.toString() + (op.isPut() ? " " + java.util.Arrays.hashCode(op.value()) : ""));
            }
        });
        new LogScanner(NioFileIO.INSTANCE, home.resolve("log")).readingLargeRecordsInPieces().scan(Lsn.NULL, null, f -> {
            if (f.size() > SegmentReader.PIECE) {
                largeRecords[0]++;
                assertNull(f.payload(), "a large record is not held");
            } else {
                assertNotNull(f.payload());
            }
            inPieces.add(f.lsn() + " " + LogRecord.decode(f, Op.SKIP_VALUES).describe());
            List<String> ops = new ArrayList<>();
            LogRecord.decode(f, new Op.Sink() {
                @Override
                public void put(int dbId, byte[] key, PayloadInput in, int valueLength) {
                    byte[] value = new byte[valueLength];
                    in.get(value);
                    ops.add(Op.describePut(dbId, key, valueLength) + " " + java.util.Arrays.hashCode(value));
                }

                @Override
                public void delete(int dbId, byte[] key) {
                    ops.add(Op.describeDelete(dbId, key));
                }
            });
            inPieces.addAll(ops);
        });
        assertEquals(2, largeRecords[0], inPieces::toString);
        assertEquals(whole, inPieces);
        assertTrue(whole.stream().anyMatch(l -> l.contains("PREPARE") && l.contains("2 ops, 1 more keys locked")),
                whole::toString);
        assertTrue(whole.stream().anyMatch(l -> l.contains("HEURISTIC COMMIT")), whole::toString);
    }

    @Test
    void aByteFlippedInALargeRecordFailsItsChecksum() throws IOException {
        List<RecordFrame> large = new ArrayList<>();
        new LogScanner(NioFileIO.INSTANCE, home.resolve("log")).scan(Lsn.NULL, null, f -> {
            if (f.size() > SegmentReader.PIECE) {
                large.add(new RecordFrame(f.lsn(), f.size(), f.type(), f.flags(), f.txnId(), f.durableLsn(), null));
            }
        });
        RecordFrame first = large.get(0);
        // In each piece: the first, one inside, the last byte the checksum covers.
        long start = Lsn.offset(first.lsn());
        long[] offsets = {start + LogRecord.HEADER_SIZE, start + SegmentReader.PIECE + 3,
                start + first.size() - LogRecord.TRAILER_SIZE - 1};
        Path segment = home.resolve("log").resolve(SegmentFiles.name(Lsn.segment(first.lsn())));
        for (long offset : offsets) {
            flip(segment, offset);
            try (SegmentReader r = SegmentReader.open(NioFileIO.INSTANCE, segment, Lsn.segment(first.lsn()))) {
                r.holdingRecordsUpTo(SegmentReader.PIECE);
                r.seek(start);
                assertEquals(SegmentReader.Stop.INVALID, r.next(), "flipped at " + offset);
                assertEquals("record checksum mismatch", r.problem());
                assertEquals(start, r.offset());
            }
            flip(segment, offset);
        }
        // A later record proves the damaged one was forced: the scan stops with corruption, not a torn tail.
        flip(segment, offsets[1]);
        CorruptionException e = assertThrows(CorruptionException.class, () -> new LogScanner(NioFileIO.INSTANCE,
                home.resolve("log")).readingLargeRecordsInPieces().scan(Lsn.NULL, null, f -> { }));
        assertEquals(start, e.offset(), e::getMessage);
        assertTrue(e.getMessage().contains("record checksum mismatch"), e.getMessage());
    }

    private byte[] value(int length) {
        byte[] v = new byte[length];
        random.nextBytes(v);
        return v;
    }

    private static void flip(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) ~b.get(0)).rewind();
            ch.write(b, offset);
        }
    }
}
