package org.cairndb.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import org.cairndb.io.StorageFile;
import org.cairndb.util.VarInts;

/**
 * A record's payload as the decoders read it, front to back. Usually the record was read whole
 * and its payload is a buffer. A record larger than the reader holds (see
 * {@link LogScanner#readingLargeRecordsInPieces}) is read from its segment a piece at a time
 * instead, and the values it holds can be skipped unread, so that printing or verifying a
 * transaction of several 16 MiB values takes no more memory than a piece. Reading past the end of
 * the payload throws {@link BufferUnderflowException}, as reading past a buffer's limit does; a
 * failed read of the segment throws {@link UncheckedIOException}.
 */
public final class PayloadInput implements VarInts.Source {

    /** How much of a payload read from its segment is in memory at once. */
    static final int PIECE = 64 << 10;

    /** Where the rest of the payload is, or null: all of it is in {@link #buf}. */
    private final StorageFile file;
    private final ByteBuffer buf;
    /** The offset in {@link #file} of the first byte not yet read into {@link #buf}. */
    private long next;
    /** The offset in {@link #file} just past the payload. */
    private final long end;

    private PayloadInput(StorageFile file, ByteBuffer buf, long next, long end) {
        this.file = file;
        this.buf = buf;
        this.next = next;
        this.end = end;
    }

    /** The payload in {@code payload} from its position to its limit (which it leaves as they are). */
    public static PayloadInput of(ByteBuffer payload) {
        return new PayloadInput(null, payload.duplicate(), 0, 0);
    }

    /** The payload in {@code file} from offset {@code from} to {@code to}, read a piece at a time. */
    static PayloadInput of(StorageFile file, long from, long to) {
        return new PayloadInput(file, ByteBuffer.allocate((int) Math.min(PIECE, to - from)).limit(0), from, to);
    }

    /** Bytes not read yet. */
    public int remaining() {
        return buf.remaining() + (int) (end - next);
    }

    public boolean hasRemaining() {
        return remaining() > 0;
    }

    @Override
    public byte get() {
        if (!buf.hasRemaining()) {
            fill(1);
        }
        return buf.get();
    }

    public long getLong() {
        if (buf.remaining() < Long.BYTES) {
            fill(Long.BYTES);
        }
        return buf.getLong();
    }

    public void get(byte[] dst) {
        get(dst, 0, dst.length);
    }

    public void get(byte[] dst, int offset, int length) {
        if (length > remaining()) {
            throw new BufferUnderflowException();
        }
        while (length > 0) {
            if (!buf.hasRemaining()) {
                fill(1);
            }
            int n = Math.min(length, buf.remaining());
            buf.get(dst, offset, n);
            offset += n;
            length -= n;
        }
    }

    /** Passes over the next {@code n} bytes without reading them. */
    public void skip(int n) {
        if (n < 0 || n > remaining()) {
            throw new BufferUnderflowException();
        }
        int inMemory = Math.min(n, buf.remaining());
        buf.position(buf.position() + inMemory);
        next += n - inMemory;
    }

    /** Reads on so that at least {@code n} (at most a piece) bytes are in {@link #buf}. */
    private void fill(int n) {
        if (file == null || remaining() < n) {
            throw new BufferUnderflowException();
        }
        buf.compact();
        int want = (int) Math.min(buf.remaining(), end - next);
        buf.limit(buf.position() + want);
        try {
            file.readFully(buf, next);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        next += want;
        buf.flip();
    }
}
