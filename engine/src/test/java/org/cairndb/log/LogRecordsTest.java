package org.cairndb.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;
import org.cairndb.util.VarInts;
import org.junit.jupiter.api.Test;

/**
 * Each record type through the frame documented in {@link LogRecord} and back, read here byte by
 * byte as another implementation would, so that a change to any layout breaks this test first.
 */
class LogRecordsTest {

    private static final long DURABLE = 0x0000_0003_0000_1234L;

    /** The record framed as the log writes it. */
    private static ByteBuffer frame(LogRecord r) {
        ByteBuffer b = ByteBuffer.allocate(r.size());
        r.writeTo(b, DURABLE);
        assertFalse(b.hasRemaining(), "size() must equal the bytes written");
        return b.flip();
    }

    /** Checks the frame's fixed fields and checksum independently of the reader, then decodes it. */
    private static LogRecord decode(LogRecord r, ByteBuffer b) {
        ByteBuffer be = b.duplicate().order(ByteOrder.BIG_ENDIAN);
        int n = be.getInt(0);
        assertEquals(r.size(), n, "length at offset 0");
        assertEquals(r.type().code(), be.get(4), "type at offset 4");
        assertEquals(0, be.getShort(6), "reserved bytes");
        assertEquals(r.txnId(), be.getLong(8), "transaction id at offset 8");
        assertEquals(DURABLE, be.getLong(16), "durable LSN at offset 16");
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, n - 4);
        assertEquals((int) crc.getValue(), be.getInt(n - 4), "CRC-32C of everything before it");
        ByteBuffer payload = ByteBuffer.wrap(b.array(), LogRecord.HEADER_SIZE, n - LogRecord.OVERHEAD).slice();
        RecordFrame f = new RecordFrame(77, n, LogRecordType.of(be.get(4)), be.get(5), be.getLong(8), be.getLong(16), payload);
        LogRecord back = f.decode();
        assertEquals(r.type(), back.type());
        assertEquals(r.txnId(), back.txnId());
        assertEquals(r.size(), back.size(), "decoding then encoding gives the same length");
        ByteBuffer again = frame(back);
        assertEquals(b.rewind(), again, "decoding then encoding gives the same bytes");
        return back;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void assertOps(List<Op> expected, List<Op> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Op e = expected.get(i);
            Op a = actual.get(i);
            assertEquals(e.kind(), a.kind());
            assertEquals(e.dbId(), a.dbId());
            assertArrayEquals(e.key(), a.key());
            assertArrayEquals(e.value(), a.value());
        }
    }

    private static final List<Op> OPS = List.of(Op.put(3, bytes("alpha"), new byte[300]), Op.delete(300, bytes("beta")),
            Op.put(70_000, new byte[0], new byte[] {1, 2, 3}));

    @Test
    void commitWithItsWritesAndAHeuristicCommitOfAPreparedOne() {
        CommitRecord c = new CommitRecord(42, 1_700_000_000_123L, 0, OPS);
        CommitRecord back = assertInstanceOf(CommitRecord.class, decode(c, frame(c)));
        assertEquals(1_700_000_000_123L, back.commitMillis());
        assertEquals(0, back.prepareLsn());
        assertFalse(back.heuristic());
        assertOps(OPS, back.ops());

        byte[] gid = {0, 0, 0, 9, (byte) 0xff, 0x7f, 0};
        CommitRecord h = new CommitRecord(43, 5, Lsn.of(2, 4096), List.of(), gid);
        ByteBuffer hb = frame(h);
        assertEquals(LogRecord.FLAG_HEURISTIC, hb.get(5), "the heuristic flag is bit 0 of byte 5");
        CommitRecord hback = assertInstanceOf(CommitRecord.class, decode(h, hb));
        assertTrue(hback.heuristic());
        assertArrayEquals(gid, hback.heuristicGlobalId());
        assertEquals(Lsn.of(2, 4096), hback.prepareLsn());
    }

    @Test
    void prepareKeepsTheGlobalIdBitForBitAndTheKeysLockedWithoutWrites() {
        byte[] gid = new byte[140];
        for (int i = 0; i < gid.length; i++) {
            gid[i] = (byte) (i * 37);
        }
        List<PrepareRecord.LockedKey> locked = List.of(new PrepareRecord.LockedKey(3, bytes("read-for-update")),
                new PrepareRecord.LockedKey(1 << 20, new byte[4096]));
        PrepareRecord p = new PrepareRecord(7, 99, gid, OPS, locked);
        PrepareRecord back = assertInstanceOf(PrepareRecord.class, decode(p, frame(p)));
        assertArrayEquals(gid, back.globalId());
        assertEquals(99, back.prepareMillis());
        assertOps(OPS, back.ops());
        assertEquals(2, back.lockedKeys().size());
        assertEquals(1 << 20, back.lockedKeys().get(1).dbId());
        assertArrayEquals(locked.get(0).key(), back.lockedKeys().get(0).key());
        assertTrue(back.describe().contains("2 more keys locked"), back.describe());
    }

    /** A PREPARE with no locked-only keys has no trailing section: the layout logs written before it existed. */
    @Test
    void aPrepareWithoutLockedKeysEndsAfterItsOperations() {
        PrepareRecord p = new PrepareRecord(8, 1, bytes("g"), OPS, List.of());
        long withoutSection = LogRecord.OVERHEAD + 8 + VarInts.size(1) + 1 + Op.encodedSize(OPS);
        assertEquals(withoutSection, p.size());
        PrepareRecord back = assertInstanceOf(PrepareRecord.class, decode(p, frame(p)));
        assertTrue(back.lockedKeys().isEmpty());
    }

    /** Scanned ranges follow the locked keys (an empty locked-keys section when there are none); open bounds are kept. */
    @Test
    void aPrepareKeepsTheRangesItsTransactionScanned() {
        List<PrepareRecord.ScannedRange> ranges = List.of(new PrepareRecord.ScannedRange(2, bytes("a"), bytes("m")),
                new PrepareRecord.ScannedRange(1 << 20, null, new byte[4096]),
                new PrepareRecord.ScannedRange(5, bytes("z"), null));
        PrepareRecord p = new PrepareRecord(8, 1, bytes("g"), OPS, List.of(), ranges);
        long expected = LogRecord.OVERHEAD + 8 + VarInts.size(1) + 1 + Op.encodedSize(OPS) + 1 // no locked keys: count 0
                + 1 + (1 + 2 + 2) + (VarInts.size(1 << 20) + 1 + VarInts.size(4097) + 4096) + (1 + 2 + 1);
        assertEquals(expected, p.size());
        PrepareRecord back = assertInstanceOf(PrepareRecord.class, decode(p, frame(p)));
        assertTrue(back.lockedKeys().isEmpty());
        assertEquals(3, back.scannedRanges().size());
        assertEquals(2, back.scannedRanges().get(0).dbId());
        assertArrayEquals(bytes("a"), back.scannedRanges().get(0).from());
        assertArrayEquals(bytes("m"), back.scannedRanges().get(0).to());
        assertEquals(null, back.scannedRanges().get(1).from());
        assertArrayEquals(new byte[4096], back.scannedRanges().get(1).to());
        assertArrayEquals(bytes("z"), back.scannedRanges().get(2).from());
        assertEquals(null, back.scannedRanges().get(2).to());
        assertTrue(back.describe().contains("3 ranges scanned"), back.describe());
    }

    @Test
    void abortPlainAndHeuristic() {
        AbortRecord a = new AbortRecord(9, 1234, Lsn.of(1, 64));
        AbortRecord back = assertInstanceOf(AbortRecord.class, decode(a, frame(a)));
        assertEquals(1234, back.abortMillis());
        assertEquals(Lsn.of(1, 64), back.prepareLsn());
        assertFalse(back.heuristic());
        AbortRecord h = new AbortRecord(10, 1, Lsn.of(1, 64), bytes("xid"));
        AbortRecord hback = assertInstanceOf(AbortRecord.class, decode(h, frame(h)));
        assertTrue(hback.heuristic());
        assertArrayEquals(bytes("xid"), hback.heuristicGlobalId());
    }

    @Test
    void checkpointWithDatabasesAndHeuristicOutcomes() {
        CheckpointRecord c = new CheckpointRecord(Lsn.of(5, 100), 1_700_000_000_000L, 1_000_001, 17,
                List.of(new CheckpointRecord.DatabaseEntry(1, "accounts", 12), new CheckpointRecord.DatabaseEntry(16, "ünïcödé", 3)),
                List.of(new CheckpointRecord.Heuristic(bytes("gtrid-1"), 55, true, 777),
                        new CheckpointRecord.Heuristic(bytes("gtrid-2"), 56, false, 778)));
        CheckpointRecord back = assertInstanceOf(CheckpointRecord.class, decode(c, frame(c)));
        assertEquals(0, back.txnId(), "a checkpoint belongs to no transaction");
        assertEquals(Lsn.of(5, 100), back.startLsn());
        assertEquals(1_000_001, back.nextTxnId());
        assertEquals(17, back.nextDbId());
        assertEquals(c.databases(), back.databases());
        assertEquals(2, back.heuristics().size());
        assertArrayEquals(bytes("gtrid-2"), back.heuristics().get(1).globalId());
        assertFalse(back.heuristics().get(1).committed());
        assertEquals(777, back.heuristics().get(0).millis());
    }

    @Test
    void databaseCreateRemoveAndForget() {
        DatabaseCreateRecord c = new DatabaseCreateRecord(4, 8192, "history", 1234);
        DatabaseCreateRecord cback = assertInstanceOf(DatabaseCreateRecord.class, decode(c, frame(c)));
        assertEquals(4, cback.dbId());
        assertEquals(8192, cback.pageSize());
        assertEquals("history", cback.name());
        assertEquals(1234, cback.millis());
        DatabaseRemoveRecord r = new DatabaseRemoveRecord(4, "history", 5678);
        DatabaseRemoveRecord rback = assertInstanceOf(DatabaseRemoveRecord.class, decode(r, frame(r)));
        assertEquals("history", rback.name());
        assertEquals(4, rback.dbId());
        assertEquals(5678, rback.millis());
        ForgetRecord f = new ForgetRecord(bytes("forget-me"), 9012);
        ForgetRecord fback = assertInstanceOf(ForgetRecord.class, decode(f, frame(f)));
        assertArrayEquals(bytes("forget-me"), fback.globalId());
        assertEquals(9012, fback.millis());
    }

    /**
     * Logs written before DATABASE_CREATE, DATABASE_REMOVE and FORGET carried a time end after the
     * name (the global id): still read, time 0 (unknown).
     */
    @Test
    void databaseRecordsWithoutATimeAreRead() {
        ByteBuffer create = ByteBuffer.allocate(4 + 4 + 1 + 7).putInt(4).putInt(8192).put((byte) 7).put(bytes("history")).flip();
        RecordFrame cf = new RecordFrame(77, LogRecord.OVERHEAD + create.remaining(), LogRecordType.DATABASE_CREATE, (byte) 0,
                0, DURABLE, create);
        DatabaseCreateRecord c = assertInstanceOf(DatabaseCreateRecord.class, cf.decode());
        assertEquals("history", c.name());
        assertEquals(0, c.millis());
        ByteBuffer remove = ByteBuffer.allocate(4 + 1 + 7).putInt(4).put((byte) 7).put(bytes("history")).flip();
        RecordFrame rf = new RecordFrame(77, LogRecord.OVERHEAD + remove.remaining(), LogRecordType.DATABASE_REMOVE, (byte) 0,
                0, DURABLE, remove);
        DatabaseRemoveRecord r = assertInstanceOf(DatabaseRemoveRecord.class, rf.decode());
        assertEquals(4, r.dbId());
        assertEquals(0, r.millis());
        ByteBuffer forget = ByteBuffer.allocate(1 + 9).put((byte) 9).put(bytes("forget-me")).flip();
        RecordFrame ff = new RecordFrame(77, LogRecord.OVERHEAD + forget.remaining(), LogRecordType.FORGET, (byte) 0,
                0, DURABLE, forget);
        ForgetRecord f = assertInstanceOf(ForgetRecord.class, ff.decode());
        assertArrayEquals(bytes("forget-me"), f.globalId());
        assertEquals(0, f.millis());
    }

    /** Every single-bit flip anywhere in a frame changes its CRC-32C: the reader cannot take damage for a record. */
    @Test
    void everyBitFlipChangesTheChecksum() {
        ByteBuffer b = frame(new CommitRecord(1, 2, 0, OPS));
        int n = b.limit();
        CRC32C crc = new CRC32C();
        crc.update(b.array(), 0, n - 4);
        long good = crc.getValue();
        for (int bit = 0; bit < (n - 4) * 8; bit++) {
            b.array()[bit / 8] ^= (byte) (1 << (bit % 8));
            crc.reset();
            crc.update(b.array(), 0, n - 4);
            assertNotEquals(good, crc.getValue(), "bit " + bit);
            b.array()[bit / 8] ^= (byte) (1 << (bit % 8));
        }
    }

    @Test
    void typeCodesAreFixed() {
        assertEquals(1, LogRecordType.COMMIT.code());
        assertEquals(2, LogRecordType.PREPARE.code());
        assertEquals(3, LogRecordType.ABORT.code());
        assertEquals(4, LogRecordType.CHECKPOINT.code());
        assertEquals(5, LogRecordType.DATABASE_CREATE.code());
        assertEquals(6, LogRecordType.DATABASE_REMOVE.code());
        assertEquals(7, LogRecordType.FORGET.code());
        assertEquals(null, LogRecordType.of((byte) 0));
        assertEquals(null, LogRecordType.of((byte) 8));
    }
}
