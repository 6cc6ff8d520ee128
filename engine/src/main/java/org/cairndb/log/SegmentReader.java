package org.cairndb.log;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.cairndb.io.FileIO;
import org.cairndb.io.StorageFile;
import org.cairndb.util.Checksums;

/**
 * Reads the records of one segment in order, checking each frame: a plausible length, a known
 * type, a matching CRC-32C. It says where the valid records stop and why; deciding whether that is
 * the normal end of the log, a torn tail, or corruption is left to the caller (see
 * {@link LogScanner}).
 */
public final class SegmentReader implements Closeable {

    /** Why reading stopped. */
    public enum Stop {
        /** A record was read; call {@link #frame()}. */
        RECORD,
        /** End of the file, or only zero bytes from here on: nothing was ever written here. */
        CLEAN_END,
        /** The bytes here are not a valid record; {@link #problem()} says why. */
        INVALID
    }

    private static final int CHUNK = 1 << 20;
    /** What a record read in pieces is read in, and the largest record such readers hold whole. */
    public static final int PIECE = CHUNK;

    private final StorageFile file;
    private final long segment;
    private final long fileSize;
    private final SegmentHeader header;
    private ByteBuffer chunk = ByteBuffer.allocate(0);
    private long chunkStart;
    private long offset;
    private RecordFrame frame;
    private String problem;
    /** Records larger than this are checked and read a piece at a time, never held whole. */
    private int holdLimit = Integer.MAX_VALUE;

    private SegmentReader(StorageFile file, long segment, SegmentHeader header, long fileSize) {
        this.file = file;
        this.segment = segment;
        this.header = header;
        this.fileSize = fileSize;
        this.offset = SegmentHeader.SIZE;
    }

    /**
     * Whether the file at {@code path} is a segment created but never begun: its header blank or not
     * valid (torn by a crash while it was written) and nothing but zeros after it. A bad header with
     * records after it is damage (a flipped byte, a zeroed sector), not an unfinished start: a
     * segment's header is forced before its first record is written. So is a file shorter than a
     * header whose bytes are not all zeros: a header is written only into a file already zero-filled
     * to its full size and forced, so a crash can leave a short file only blank (a segment prepared
     * in place, cut short before its zeros were forced); one that holds part of a header was cut
     * (truncated, or copied incompletely), and taking it for a segment never begun deleted it with
     * the acknowledged commits its lost bytes held.
     */
    public static boolean neverBegun(FileIO io, Path path, long segment) throws IOException {
        try (SegmentReader r = open(io, path, segment)) {
            return r.header() == null && r.zerosFrom(SegmentHeader.SIZE);
        } catch (IllegalArgumentException e) {
            try (StorageFile f = io.open(path, false, false)) {
                return f.size() >= SegmentHeader.SIZE && zerosAfterHeader(f);
            }
        }
    }

    private static boolean zerosAfterHeader(StorageFile f) throws IOException {
        long size = f.size();
        ByteBuffer b = ByteBuffer.allocate(1 << 16);
        for (long pos = SegmentHeader.SIZE; pos < size; ) {
            b.clear().limit((int) Math.min(b.capacity(), size - pos));
            int n = f.read(b, pos);
            if (n <= 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                if (b.get(i) != 0) {
                    return false;
                }
            }
            pos += n;
        }
        return true;
    }

    /**
     * Opens a segment and checks its header. A header that is all zeros yields a reader with a null
     * {@link #header()} (the segment was created but never begun); any other bad header throws
     * {@link IllegalArgumentException} with the reason.
     */
    public static SegmentReader open(FileIO io, Path path, long segment) throws IOException {
        StorageFile f = io.open(path, false, false);
        try {
            long size = f.size();
            ByteBuffer hb = ByteBuffer.allocate(SegmentHeader.SIZE);
            f.read(hb, 0);
            hb.flip();
            if (SegmentHeader.isBlank(hb)) {
                return new SegmentReader(f, segment, null, size);
            }
            SegmentHeader h = SegmentHeader.decode(hb);
            if (h.segment() != segment) {
                throw new IllegalArgumentException("header says segment " + h.segment() + " but the file is named for segment "
                        + segment);
            }
            return new SegmentReader(f, segment, h, size);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * From now on, a record larger than {@code bytes} is not read whole:
     * its checksum is computed a piece at a time and its frame has no payload in memory, only the
     * means to read it from this segment while the reader is open ({@link RecordFrame#input()}).
     * Readers that only look at records (print, verify) then need a piece of memory whatever the
     * size of the transactions logged.
     */
    public SegmentReader holdingRecordsUpTo(int bytes) {
        holdLimit = bytes;
        return this;
    }

    public SegmentHeader header() {
        return header;
    }

    public long segment() {
        return segment;
    }

    public long fileSize() {
        return fileSize;
    }

    public Path path() {
        return file.path();
    }

    /** Offset of the next record to read (after a stop: where the valid records end). */
    public long offset() {
        return offset;
    }

    public RecordFrame frame() {
        return frame;
    }

    public String problem() {
        return problem;
    }

    /**
     * After this reader and {@code other} have each just read a record at the same offset (two
     * copies of one segment read side by side): the offset of the first byte in which the two
     * records differ, or -1 if they are the same bytes. Records held whole are compared in the
     * buffers they were read into, so that comparing two copies costs no extra read; larger ones
     * are read again, a piece at a time.
     */
    public long firstDifference(SegmentReader other) throws IOException {
        if (frame == null || other.frame == null || frame.lsn() != other.frame.lsn()) {
            throw new IllegalStateException("both readers must have just read a record at the same offset");
        }
        if (frame.payload() != null && other.frame.payload() != null) {
            int at = mine().mismatch(other.mine());
            return at < 0 ? -1 : Lsn.offset(frame.lsn()) + at;
        }
        // A record larger than the readers hold whole (see holdingRecordsUpTo) is read again from
        // both files, a piece at a time: the copies of a 48 MiB COMMIT are compared in 2 MiB.
        long start = Lsn.offset(frame.lsn());
        long end = start + Math.min(frame.size(), other.frame.size());
        for (long pos = start; pos < end; ) {
            int n = (int) Math.min(PIECE, end - pos);
            ensure(pos, n);
            other.ensure(pos, n);
            int q = (int) (pos - chunkStart);
            int r = (int) (pos - other.chunkStart);
            int at = chunk.duplicate().limit(q + n).position(q).mismatch(other.chunk.duplicate().limit(r + n).position(r));
            if (at >= 0) {
                return pos + at;
            }
            pos += n;
        }
        return frame.size() == other.frame.size() ? -1 : end;
    }

    /** The bytes of the record just read, frame included, as they lie in the chunk buffer. */
    private ByteBuffer mine() {
        int p = (int) (Lsn.offset(frame.lsn()) - chunkStart);
        return chunk.duplicate().limit(p + frame.size()).position(p);
    }

    /** Moves to {@code newOffset}, which must be the start of a record. */
    public void seek(long newOffset) {
        this.offset = newOffset;
    }

    /** Reads the next record. After a stop other than RECORD, the offset stays at the stopping point. */
    public Stop next() throws IOException {
        frame = null;
        problem = null;
        Stop s = tryRead(offset);
        if (s == Stop.RECORD) {
            offset += frame.size();
        }
        return s;
    }

    private Stop tryRead(long at) throws IOException {
        if (at + 4 > fileSize) {
            if (at < fileSize && !zerosFrom(at)) {
                problem = "truncated record header";
                return Stop.INVALID;
            }
            return Stop.CLEAN_END;
        }
        ensure(at, Math.min(LogRecord.HEADER_SIZE, fileSize - at));
        int len = chunk.getInt((int) (at - chunkStart));
        if (len == 0) {
            if (zerosFrom(at)) {
                return Stop.CLEAN_END;
            }
            problem = "zero record length followed by non-zero bytes";
            return Stop.INVALID;
        }
        if (len < LogRecord.OVERHEAD || at + len > fileSize || len < 0) {
            problem = "implausible record length " + Integer.toUnsignedString(len);
            return Stop.INVALID;
        }
        if (len > holdLimit) {
            return readInPieces(at, len);
        }
        ensure(at, len);
        int p = (int) (at - chunkStart);
        LogRecordType type = LogRecordType.of(chunk.get(p + 4));
        int stored = chunk.getInt(p + len - LogRecord.TRAILER_SIZE);
        int actual = Checksums.crc32c(chunk, p, p + len - LogRecord.TRAILER_SIZE);
        if (stored != actual) {
            problem = "record checksum mismatch";
            return Stop.INVALID;
        }
        if (type == null) {
            problem = "unknown record type " + chunk.get(p + 4);
            return Stop.INVALID;
        }
        ByteBuffer payload = chunk.duplicate();
        payload.limit(p + len - LogRecord.TRAILER_SIZE).position(p + LogRecord.HEADER_SIZE);
        frame = new RecordFrame(Lsn.of(segment, at), len, type, chunk.get(p + 5), chunk.getLong(p + 8), chunk.getLong(p + 16),
                payload.slice());
        return Stop.RECORD;
    }

    /**
     * Checks the record of {@code len} bytes at {@code at} as {@link #tryRead} does, with the
     * checksum computed over a piece at a time, and leaves a frame that reads its payload from the
     * file.
     */
    private Stop readInPieces(long at, int len) throws IOException {
        ensure(at, LogRecord.HEADER_SIZE);
        int p = (int) (at - chunkStart);
        byte typeCode = chunk.get(p + 4);
        byte flags = chunk.get(p + 5);
        long txnId = chunk.getLong(p + 8);
        long durable = chunk.getLong(p + 16);
        CRC32C crc = new CRC32C();
        long crcEnd = at + len - LogRecord.TRAILER_SIZE;
        for (long pos = at; pos < crcEnd; ) {
            int n = (int) Math.min(PIECE, crcEnd - pos);
            ensure(pos, n);
            int q = (int) (pos - chunkStart);
            crc.update(chunk.duplicate().limit(q + n).position(q));
            pos += n;
        }
        ensure(crcEnd, LogRecord.TRAILER_SIZE);
        if (chunk.getInt((int) (crcEnd - chunkStart)) != (int) crc.getValue()) {
            problem = "record checksum mismatch";
            return Stop.INVALID;
        }
        LogRecordType type = LogRecordType.of(typeCode);
        if (type == null) {
            problem = "unknown record type " + typeCode;
            return Stop.INVALID;
        }
        frame = new RecordFrame(Lsn.of(segment, at), len, type, flags, txnId, durable, null, file);
        return Stop.RECORD;
    }

    /**
     * After an INVALID stop at {@code badOffset}: whether any valid record further on in this
     * segment proves that the bytes at {@code badOffset} had been forced (its durable LSN lies
     * beyond them). If so the damage is corruption, not a torn write. Returns that record's
     * offset, or -1.
     */
    public long findProofOfDurability(long badOffset) throws IOException {
        long badLsn = Lsn.of(segment, badOffset);
        for (long at = badOffset + 1; at + LogRecord.OVERHEAD <= fileSize; at++) {
            ensure(at, Math.min(LogRecord.HEADER_SIZE, fileSize - at));
            int p = (int) (at - chunkStart);
            int len = chunk.getInt(p);
            if (len < LogRecord.OVERHEAD || at + len > fileSize) {
                continue;
            }
            // Only a record whose durable LSN lies past the bad bytes proves anything, and a record's
            // durable LSN never lies past its own start (the log cannot have been forced beyond a
            // record not yet written): looked at before the checksum, which inside a large value of
            // random bytes would otherwise be computed over megabytes at every offset whose bytes read
            // as a plausible length (seconds per megabyte searched).
            long durable = chunk.getLong(p + 16);
            if (durable <= badLsn || durable > Lsn.of(segment, at)) {
                continue;
            }
            if (tryRead(at) == Stop.RECORD && frame.durableLsn() > badLsn) {
                return at;
            }
        }
        return -1;
    }

    /** Whether every byte from {@code at} to the end of the file is zero. */
    public boolean zerosFrom(long at) throws IOException {
        for (long pos = at; pos < fileSize; ) {
            int n = (int) Math.min(CHUNK, fileSize - pos);
            ensure(pos, n);
            int p = (int) (pos - chunkStart);
            int i = 0;
            for (; i + 8 <= n; i += 8) {
                if (chunk.getLong(p + i) != 0) {
                    return false;
                }
            }
            for (; i < n; i++) {
                if (chunk.get(p + i) != 0) {
                    return false;
                }
            }
            pos += n;
        }
        return true;
    }

    /** Offset just past the last non-zero byte of the file (at least {@code from}). */
    public long endOfNonZero(long from) throws IOException {
        long last = from;
        for (long pos = from; pos < fileSize; ) {
            int n = (int) Math.min(CHUNK, fileSize - pos);
            ensure(pos, n);
            int p = (int) (pos - chunkStart);
            for (int i = n - 1; i >= 0; i--) {
                if (chunk.get(p + i) != 0) {
                    last = pos + i + 1;
                    break;
                }
            }
            pos += n;
        }
        return last;
    }

    /** Makes sure {@code [at, at+len)} is in the chunk buffer. */
    private void ensure(long at, long len) throws IOException {
        if (at >= chunkStart && at + len <= chunkStart + chunk.limit()) {
            return;
        }
        int want = (int) Math.max(len, Math.min(CHUNK, fileSize - at));
        if (chunk.capacity() < want) {
            chunk = ByteBuffer.allocate(Math.max(want, CHUNK));
        }
        chunk.clear().limit(want);
        file.read(chunk, at);
        chunk.flip();
        chunkStart = at;
        if (chunk.limit() < len) {
            throw new java.io.EOFException(file.path() + ": short read at offset " + at);
        }
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
