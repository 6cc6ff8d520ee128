package org.cairndb.log;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.cairndb.io.FileIO;
import org.cairndb.io.StorageFile;

/**
 * Appends records to the log and makes them durable.
 *
 * <h2>Appending</h2>
 * A record is serialized into the <em>active</em> buffer under {@code appendLock}; its LSN is the
 * buffer's base LSN plus its position. Appends never wait for I/O unless the buffer is full or the
 * record does not fit in the current segment.
 *
 * <h2>Group commit</h2>
 * {@link #sync} makes the log durable up to an LSN. The thread that gets {@code ioLock} is the
 * leader: it swaps the active buffer for the spare one (so appends go on meanwhile), writes the
 * swapped bytes, forces the file, and publishes the new durable LSN. Threads that arrived during
 * the force find their records already on disk when they get the lock, or become the next leader
 * and carry everything appended in the meantime in one write and one force. A force therefore
 * covers every commit that was waiting for it.
 *
 * <h2>Segments</h2>
 * A record never spans two segments. When it does not fit, the current segment is written out and
 * forced, and the next one begins: a file zero-filled in advance by {@link SegmentPreallocator}
 * (so that a force is a data-only {@code fdatasync} that changes no file size), renamed to its
 * final name, given its header, forced, and its directory entry synced. A record larger than a
 * whole segment gets a segment of its own, grown to fit (and the growth forced) before its header is
 * written: the header records the size the segment really has, so that recovery can tell a cut in
 * it from a torn tail. A header, once forced, is never written again: a record too large for a
 * segment that holds none yet (the log opened at the end of an empty one) also goes into a new
 * segment, and the empty one stays in the chain.
 *
 * <h2>Failure</h2>
 * If a write or force fails the manager stops accepting records: the caller's environment is no
 * longer safe to use and must be reopened, which runs recovery (see
 * {@link org.cairndb.EnvironmentFailureException}).
 *
 * <h2>Read-only</h2>
 * An environment opened only to inspect it has a log opened with {@link #openReadOnly}: it knows
 * where the log ends and touches no file (no prepared next segment, no new segment, no force);
 * appending is refused.
 *
 * Lock order: {@code ioLock} before {@code appendLock}.
 */
public final class LogManager implements Closeable {

    private final FileIO io;
    private final Path logDir;
    private final UUID environmentId;
    private final long segmentSize;
    private final SegmentPreallocator preallocator;

    private final ReentrantLock ioLock = new ReentrantLock();
    private final ReentrantLock appendLock = new ReentrantLock();
    /** Where records that change the environment other than by a commit are noted (guarded by appendLock). */
    private ChangeTimes changeTimes;

    /**
     * The buffers' configured size. A record larger than it gets a buffer of its own size, given
     * back once written: kept (as the spare, then both buffers) it held twice the largest
     * transaction ever committed for the life of the environment, 128 MiB after two of 64 MiB.
     */
    private final int bufferSize;

    // Guarded by appendLock.
    private ByteBuffer active;
    private long activeStartLsn;
    private long appendLsn;
    private long segmentLimit;

    // Guarded by ioLock.
    private ByteBuffer spare;
    private StorageFile current;
    private long currentSegment;

    private volatile long writtenLsn;
    private volatile long durableLsn;
    private volatile IOException failure;
    private volatile boolean closed;
    /** Why appending is refused (a log opened read-only), or null. */
    private final String readOnly;

    private final AtomicLong bytesAppended = new AtomicLong();
    private final AtomicLong recordsAppended = new AtomicLong();
    private final AtomicLong forces = new AtomicLong();
    private final AtomicLong fileWrites = new AtomicLong();

    private LogManager(FileIO io, Path logDir, UUID environmentId, long segmentSize, int bufferSize, String readOnly) {
        this.io = io;
        this.readOnly = readOnly;
        this.logDir = logDir;
        this.environmentId = environmentId;
        this.segmentSize = wholeKiB(segmentSize);
        this.bufferSize = bufferSize;
        this.active = ByteBuffer.allocate(bufferSize);
        this.spare = ByteBuffer.allocate(bufferSize);
        this.preallocator = new SegmentPreallocator(io, logDir, this.segmentSize);
    }

    /**
     * Opens the log for appending at {@code endLsn} (where a {@link LogScanner} found the valid
     * records to end). If {@code endLsn} is {@link Lsn#NULL} the log is empty and segment
     * {@code firstSegment} is created.
     */
    public static LogManager open(FileIO io, Path logDir, UUID environmentId, long endLsn, long segmentSize,
            int bufferSize, long firstSegment) throws IOException {
        LogManager log = new LogManager(io, logDir, environmentId, segmentSize, bufferSize, null);
        try {
            log.openAt(endLsn, firstSegment);
        } catch (IOException | RuntimeException e) {
            // The caller gets no log to close: the segment opened and the preallocator's thread
            // (started by the first segment's creation) would stay behind.
            log.abandon();
            throw e;
        }
        return log;
    }

    private void openAt(long endLsn, long firstSegment) throws IOException {
        LogManager log = this;
        io.delete(logDir.resolve(SegmentFiles.PREALLOCATED));
        if (endLsn == Lsn.NULL) {
            log.beginSegment(firstSegment, 0, SegmentHeader.SIZE);
        } else {
            long seg = Lsn.segment(endLsn);
            StorageFile f = io.open(logDir.resolve(SegmentFiles.name(seg)), true, false);
            log.current = f;
            log.currentSegment = seg;
            // Appends stay within the size the segment's header records (a segment made when the
            // configured size was smaller is not grown past it; the next segment has the new size),
            // and a segment grown for one large record takes no other.
            log.segmentLimit = Math.min(f.size(), log.segmentSize);
            log.appendLsn = endLsn;
            log.activeStartLsn = endLsn;
            log.writtenLsn = endLsn;
            log.durableLsn = endLsn;
        }
        log.preallocator.start();
    }

    /**
     * The log of an environment opened only to inspect it, ending at {@code endLsn} (or empty, with
     * {@link Lsn#NULL}, after segment {@code lastSegment}): it opens no file, and every append, write
     * or sync fails with {@code reason}.
     */
    public static LogManager openReadOnly(FileIO io, Path logDir, UUID environmentId, long endLsn, long lastSegment,
            String reason) {
        LogManager log = new LogManager(io, logDir, environmentId, 0, 0, reason);
        log.currentSegment = endLsn == Lsn.NULL ? lastSegment : Lsn.segment(endLsn);
        log.appendLsn = endLsn;
        log.activeStartLsn = endLsn;
        log.writtenLsn = endLsn;
        log.durableLsn = endLsn;
        return log;
    }

    public UUID environmentId() {
        return environmentId;
    }

    public Path directory() {
        return logDir;
    }

    /** Appends a record and returns its LSN. It is durable only after {@link #sync} past its end. */
    public long append(LogRecord record) throws IOException {
        int size = record.size();
        appendLock.lock();
        try {
            checkUsable();
            if (fits(size)) {
                return put(record, size);
            }
        } finally {
            appendLock.unlock();
        }
        // Slow path: the buffer is full or the segment is: do I/O holding both locks.
        ioLock.lock();
        try {
            appendLock.lock();
            try {
                checkUsable();
                if (Lsn.offset(appendLsn) + size > segmentLimit) {
                    // Also when the segment holds no record yet (the log opened at the end of an
                    // empty one): it is left empty, and the record gets a segment of its own. Grown
                    // in place, its forced header was rewritten with the new size, and a power loss
                    // during that rewrite (a torn header, or the header kept and the growth lost)
                    // made it unreadable; when the data files' checkpoint starts in it (a checkpoint
                    // ran while the log stood there) recovery cannot take it for a segment never
                    // begun, and the environment no longer opened. A header, once forced, is never
                    // written again.
                    switchSegmentLocked(size);
                }
                if (active.remaining() < size) {
                    drainActiveLocked();
                    if (active.capacity() < size) {
                        active = ByteBuffer.allocate(size);
                    }
                }
                return put(record, size);
            } finally {
                appendLock.unlock();
            }
        } catch (IOException e) {
            throw fail(e);
        } finally {
            ioLock.unlock();
        }
    }

    private boolean fits(int size) {
        return active.remaining() >= size && Lsn.offset(appendLsn) + size <= segmentLimit;
    }

    /** From now on, every record that changes the environment other than by a commit is noted in {@code times}. */
    public void noteChangesIn(ChangeTimes times) {
        appendLock.lock();
        try {
            this.changeTimes = times;
        } finally {
            appendLock.unlock();
        }
    }

    private long put(LogRecord record, int size) {
        long lsn = appendLsn;
        record.writeTo(active, durableLsn);
        if (changeTimes != null && ChangeTimes.isNoted(record.type())) {
            changeTimes.noted(lsn, record.eventMillis()); // under the append lock: in log order
        }
        appendLsn = lsn + size;
        bytesAppended.addAndGet(size);
        recordsAppended.incrementAndGet();
        return lsn;
    }

    /** Makes every record before {@code lsn} durable (written and forced). */
    public void sync(long lsn) throws IOException {
        if (durableLsn >= lsn) {
            return;
        }
        ioLock.lock();
        try {
            if (durableLsn >= lsn) {
                return;
            }
            checkUsable();
            writeBufferedLocked();
            forceLocked();
        } catch (IOException e) {
            throw fail(e);
        } finally {
            ioLock.unlock();
        }
    }

    /** Hands every record before {@code lsn} to the operating system, without forcing. */
    public void write(long lsn) throws IOException {
        if (writtenLsn >= lsn) {
            return;
        }
        ioLock.lock();
        try {
            if (writtenLsn >= lsn) {
                return;
            }
            checkUsable();
            writeBufferedLocked();
        } catch (IOException e) {
            throw fail(e);
        } finally {
            ioLock.unlock();
        }
    }

    /** Makes everything appended so far durable; returns the LSN it reached. */
    public long syncAll() throws IOException {
        long end = endLsn();
        sync(end);
        return end;
    }

    /** LSN where the next record will go. */
    public long endLsn() {
        appendLock.lock();
        try {
            return appendLsn;
        } finally {
            appendLock.unlock();
        }
    }

    public long durableLsn() {
        return durableLsn;
    }

    /** Everything before this LSN has been handed to the operating system. */
    public long writtenLsn() {
        return writtenLsn;
    }

    public long currentSegment() {
        ioLock.lock();
        try {
            return currentSegment;
        } finally {
            ioLock.unlock();
        }
    }

    public long bytesAppended() {
        return bytesAppended.get();
    }

    public long recordsAppended() {
        return recordsAppended.get();
    }

    public long forces() {
        return forces.get();
    }

    public long fileWrites() {
        return fileWrites.get();
    }

    /** The I/O error that stopped the log, or null. */
    public IOException failure() {
        return failure;
    }

    private void writeBufferedLocked() throws IOException {
        ByteBuffer buf;
        long start;
        long end;
        appendLock.lock();
        try {
            if (active.position() == 0) {
                return;
            }
            buf = active;
            start = activeStartLsn;
            end = appendLsn;
            spare.clear();
            active = spare;
            activeStartLsn = end;
        } finally {
            appendLock.unlock();
        }
        buf.flip();
        current.write(buf, Lsn.offset(start));
        fileWrites.incrementAndGet();
        writtenLsn = end;
        buf.clear();
        spare = ordinary(buf);
    }

    /** {@code buf}, or a buffer of the configured size in place of one grown for a large record. */
    private ByteBuffer ordinary(ByteBuffer buf) {
        return buf.capacity() > bufferSize ? ByteBuffer.allocate(bufferSize) : buf;
    }

    /** Writes the active buffer while holding both locks (buffer full, or before a switch). */
    private void drainActiveLocked() throws IOException {
        if (active.position() == 0) {
            return;
        }
        active.flip();
        current.write(active, Lsn.offset(activeStartLsn));
        fileWrites.incrementAndGet();
        active.clear();
        active = ordinary(active);
        activeStartLsn = appendLsn;
        writtenLsn = appendLsn;
    }

    private void forceLocked() throws IOException {
        long target = writtenLsn;
        current.force(false);
        forces.incrementAndGet();
        durableLsn = target;
    }

    private void switchSegmentLocked(int recordSize) throws IOException {
        drainActiveLocked();
        current.force(false);
        forces.incrementAndGet();
        durableLsn = writtenLsn;
        long previousEnd = Lsn.offset(appendLsn);
        current.close();
        beginSegment(currentSegment + 1, previousEnd, SegmentHeader.SIZE + recordSize);
    }

    private void beginSegment(long number, long previousEnd, long minSize) throws IOException {
        Path path = logDir.resolve(SegmentFiles.name(number));
        StorageFile f = preallocator.take(path);
        long size;
        try {
            long prepared = f.size();
            size = growTo(f, minSize);
            if (size > prepared) {
                // The growth is made durable before the header that records it is written: forced
                // together, a power loss could keep the header (dirty pages reach the disk in any
                // order) and lose the growth, leaving a segment shorter than its header says, which
                // recovery must refuse as truncated (a cut through acknowledged commits looks the
                // same), and the environment no longer opened.
                f.force(true);
            }
            f.write(new SegmentHeader(number, environmentId, System.currentTimeMillis(), previousEnd, size).encode(), 0);
            f.force(true);
            io.syncDirectory(logDir);
        } catch (IOException | RuntimeException e) {
            // The log fails with this error and never takes the segment as its current one: nothing
            // else would close it (the close closes the current segment only).
            try {
                f.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        current = f;
        currentSegment = number;
        // A grown segment holds its one record only, not small ones in the rest of its last KiB.
        segmentLimit = minSize > segmentSize ? minSize : size;
        long start = Lsn.of(number, SegmentHeader.SIZE);
        appendLsn = start;
        activeStartLsn = start;
        writtenLsn = start;
        durableLsn = start;
    }

    /**
     * Zero-fills {@code f} up to {@code minSize} (in whole KiB) when it is shorter, and returns its
     * size. A segment is given its full size, grown for a record larger than a segment included,
     * before its header records that size: recovery refuses a segment shorter than its header says
     * as truncated, so a segment grown after its header was written (or a size the header, in KiB,
     * rounded down) let a cut in its last bytes pass for a torn tail and drop acknowledged commits.
     */
    private static long growTo(StorageFile f, long minSize) throws IOException {
        long size = f.size();
        if (minSize > size) {
            long grown = wholeKiB(minSize);
            f.zeroFill(size, grown);
            size = grown;
        }
        return size;
    }

    /**
     * Sizes of segments are whole KiB, the unit their header records them in ({@code
     * cairn.log.segment.size} is rounded up).
     */
    static long wholeKiB(long bytes) {
        return (bytes + 1023) & ~1023L;
    }

    private void checkUsable() throws IOException {
        if (readOnly != null) {
            throw new IOException("the log is read-only: " + readOnly);
        }
        if (failure != null) {
            throw new IOException("the log stopped after an earlier write failure: " + failure.getMessage(), failure);
        }
        if (closed) {
            throw new IOException("the log is closed");
        }
    }

    private IOException fail(IOException e) {
        if (failure == null) {
            failure = e;
        }
        return e;
    }

    @Override
    public void close() throws IOException {
        ioLock.lock();
        try {
            if (closed) {
                return;
            }
            try {
                if (failure == null && readOnly == null) {
                    writeBufferedLocked();
                    forceLocked();
                }
            } finally {
                closed = true;
                preallocator.close();
                if (current != null) {
                    current.close();
                }
            }
        } finally {
            ioLock.unlock();
        }
    }

    /** Closes the files without writing anything: for a simulated crash. */
    public void abandon() {
        closed = true;
        preallocator.close();
        try {
            if (current != null) {
                current.close();
            }
        } catch (IOException ignored) {
            // crashing anyway
        }
    }
}
