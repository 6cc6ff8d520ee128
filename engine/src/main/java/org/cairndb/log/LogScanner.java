package org.cairndb.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.cairndb.CorruptionException;
import org.cairndb.StorageException;
import org.cairndb.io.FileIO;

/**
 * Walks the log from a start LSN to its end, handing every valid record to a visitor, and decides
 * what a bad record means:
 *
 * <ul>
 * <li>in the last segment, with no later record proving the bad bytes had been forced: a torn
 * tail from a crash during a write. The scan ends there and reports the tail; the caller cuts it
 * off. A segment followed only by one created but never begun does not count as the last here:
 * the log forces a segment whole before it creates the next one.</li>
 * <li>anywhere else (an earlier segment, or bytes a later record proves were forced): corruption.
 * The scan stops with a {@link CorruptionException} that names the file and offset and says that
 * catastrophic recovery is needed.</li>
 * </ul>
 *
 * A missing segment in the chain, a segment of another environment, and a chain whose segments do
 * not join end to start are errors too, each naming the file.
 */
public final class LogScanner {

    /** Receives each record in LSN order. */
    public interface Visitor {
        void visit(RecordFrame frame) throws IOException;
    }

    /** What the scan found. */
    public record Result(long endLsn, long lastSegment, int segmentsScanned, long recordsScanned, Tail tail,
            List<Long> unusedSegments, UUID environmentId) {
    }

    /** A torn or corrupt tail of the last segment: bytes from {@code lsn} to {@code endOffset} are not valid records. */
    public record Tail(long lsn, long endOffset, String problem, Path file) {
        public long bytes() {
            return endOffset - Lsn.offset(lsn);
        }
    }

    private final FileIO io;
    private final Path logDir;

    public LogScanner(FileIO io, Path logDir) {
        this.io = io;
        this.logDir = logDir;
    }

    /** Records larger than this are read in pieces (see {@link #readingLargeRecordsInPieces}). */
    private int holdLimit = Integer.MAX_VALUE;

    /**
     * Makes the scan read a record larger than a piece (1 MiB) in pieces, its checksum still checked
     * over every byte, instead of whole: the visitor then reads its payload through
     * {@link RecordFrame#input()} during the visit, and may skip the values. For readers that look at
     * records without replaying them ({@code cairn printlog}, {@code verify}, {@code verifybackup}),
     * whose memory is then a piece whatever the size of the transactions logged. Recovery, which
     * keeps every value it replays, reads records whole.
     */
    public LogScanner readingLargeRecordsInPieces() {
        this.holdLimit = SegmentReader.PIECE;
        return this;
    }

    /** Before this LSN the log is known to have been forced (see {@link #forcedTo}); {@link Lsn#NULL}: not known. */
    private long forcedTo = Lsn.NULL;
    private String forcedBecause;

    /**
     * Tells the scan that the log had been forced up to {@code lsn}, for the reason given (a data
     * file's checkpoint starts there, and nothing reaches a data file before the log is forced past
     * it): a bad record before it in the last segment is corruption, not a torn tail, even when no
     * later record proves it was forced (records written without a force, then forced by a checkpoint
     * or a database creation, carry no proof of it).
     */
    public LogScanner forcedTo(long lsn, String because) {
        this.forcedTo = lsn;
        this.forcedBecause = because;
        return this;
    }

    /** Where {@link #stopAt} stops the scan: no record at or after it is read. */
    private long stopAt = Lsn.NULL;

    /**
     * Thrown by a scan given {@link #stopAt} when it gets there, before reading what follows: a
     * point-in-time recovery to a log position recovers what lies before damage at that position.
     */
    public static final class StopReached extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final long lsn;

        StopReached(long lsn) {
            super(null, null, false, false);
            this.lsn = lsn;
        }

        /** Where the scan stopped: the end of the last record read. */
        public long lsn() {
            return lsn;
        }
    }

    /** Makes the scan stop, with {@link StopReached}, at the first record starting at or after {@code lsn}. */
    public LogScanner stopAt(long lsn) {
        this.stopAt = lsn;
        return this;
    }

    /**
     * Scans from {@code startLsn} (or from the first segment if it is {@link Lsn#NULL}). If
     * {@code expectedEnv} is not null every segment must belong to it. Returns null when the log
     * directory holds no segment at all.
     */
    public Result scan(long startLsn, UUID expectedEnv, Visitor visitor) throws IOException {
        List<Long> segments = SegmentFiles.list(io, logDir);
        if (segments.isEmpty()) {
            if (startLsn != Lsn.NULL) {
                throw missing(Lsn.segment(startLsn), startLsn);
            }
            return null;
        }
        List<Long> unused = new ArrayList<>();
        long last = segments.get(segments.size() - 1);
        // A last segment whose header is blank or torn was being started when the process stopped:
        // the previous segment had already been forced, so nothing in it matters. Only if nothing
        // follows the header, though: a header is forced before the segment's first record, so a bad
        // header with records after it is damage (a flipped byte, a zeroed sector), and taking that
        // segment for an unused one would delete acknowledged commits; openChecked refuses it below.
        // Not the segment the recovery starts in: that one had been begun (a checkpoint saw the log
        // there); removed, it was then reported missing, though its file is there.
        if (startLsn == Lsn.NULL || Lsn.segment(startLsn) != last) {
            if (SegmentReader.neverBegun(io, logDir.resolve(SegmentFiles.name(last)), last)) {
                unused.add(last);
                segments = segments.subList(0, segments.size() - 1);
                last = segments.isEmpty() ? 0 : segments.get(segments.size() - 1);
            }
        }
        if (segments.isEmpty()) {
            if (startLsn != Lsn.NULL) {
                // Only a segment never begun is left, and the start lies before it.
                throw missing(Lsn.segment(startLsn), startLsn);
            }
            return new Result(Lsn.NULL, 0, 0, 0, null, unused, expectedEnv);
        }
        long first = startLsn == Lsn.NULL ? segments.get(0) : Lsn.segment(startLsn);
        if (!segments.contains(first)) {
            throw missing(first, startLsn);
        }
        // Up to a segment never begun, too: it was created only after the one before it, so a gap
        // below it is a lost segment, not the end of the log.
        long chainEnd = unused.isEmpty() ? last : unused.get(0) - 1;
        for (long s = first; s <= chainEnd; s++) {
            if (!segments.contains(s)) {
                throw missing(s, startLsn);
            }
        }
        UUID env = expectedEnv;
        long previousEnd = -1;
        long end = Lsn.NULL;
        long records = 0;
        int scanned = 0;
        Tail tail = null;
        for (long s = first; s <= last; s++) {
            Path path = logDir.resolve(SegmentFiles.name(s));
            // A blank header with zeros after it is refused only in a segment that cannot be one never
            // begun: one followed by others, or (the only one) the one the recovery starts in.
            String needed = s < last ? "later segments exist" : "recovery starts in it (at LSN " + Lsn.toString(startLsn)
                    + ", where the data files' checkpoint needs the log from)";
            try (SegmentReader r = openChecked(path, s, needed)) {
                scanned++;
                SegmentHeader h = r.header();
                if (env == null) {
                    env = h.environmentId();
                } else if (!env.equals(h.environmentId())) {
                    throw new CorruptionException(path, 24, "segment belongs to environment " + h.environmentId()
                            + ", not to this environment (" + env + "); a segment of another environment was put here:"
                            + " take it out and put back this environment's own copy (from the archive or a backup),"
                            + " then run catastrophic recovery (cairn recover -c)");
                }
                if (previousEnd >= 0 && h.previousEnd() != previousEnd) {
                    // The break shows here, but the fault is as often in the previous segment (an
                    // older, shorter copy of it put back by a restore): name both.
                    String prev = SegmentFiles.name(s - 1);
                    throw new CorruptionException(path, 48, "log chain broken: this segment says " + prev
                            + " ends at offset " + h.previousEnd() + " but the valid records of " + prev + " end at "
                            + previousEnd + " (one of the two is a copy from another moment or another history, or "
                            + prev + " is damaged there); put back matching copies of both (cairn recover -c --logs DIR,"
                            + " from the archive or a backup): catastrophic recovery from a backup is needed");
                }
                // Segments are created zero-filled at full size, so no crash leaves one shorter.
                String truncated = r.fileSize() < h.createdSize() ? "the segment was created with " + h.createdSize()
                        + " bytes but is only " + r.fileSize() + " bytes long: it was truncated or copied incompletely" : null;
                if (s == first && startLsn != Lsn.NULL) {
                    r.seek(Lsn.offset(startLsn));
                }
                while (true) {
                    if (stopAt != Lsn.NULL && Lsn.of(s, r.offset()) >= stopAt) {
                        throw new StopReached(Lsn.of(s, r.offset()));
                    }
                    SegmentReader.Stop stop = r.next();
                    if (stop == SegmentReader.Stop.RECORD) {
                        records++;
                        visitor.visit(r.frame());
                        continue;
                    }
                    if (stop == SegmentReader.Stop.INVALID) {
                        long bad = r.offset();
                        if (s != last) {
                            throw corrupt(path, bad, r.problem(), "it is not in the last segment");
                        }
                        if (!unused.isEmpty()) {
                            // The next segment is created only once this one has been forced whole
                            // (a switch forces it first), so its bytes cannot be an unfinished write.
                            throw corrupt(path, bad, r.problem(), SegmentFiles.name(s + 1) + " was created after this"
                                    + " segment had been forced, so these bytes are not an unfinished write");
                        }
                        if (truncated != null) {
                            throw corrupt(path, bad, r.problem(), truncated);
                        }
                        long proof = r.findProofOfDurability(bad);
                        if (proof >= 0) {
                            throw corrupt(path, bad, r.problem(), "the valid record at offset " + proof
                                    + " shows these bytes had been forced to disk");
                        }
                        if (Lsn.of(s, bad) < forcedTo) {
                            throw corruptBeforeDataFiles(path, bad, r.problem());
                        }
                        tail = new Tail(Lsn.of(s, bad), r.endOfNonZero(bad), r.problem(), path);
                    } else if (truncated != null) {
                        // A start past the end: the scan began at the recovery start, which the cut took away.
                        throw corrupt(path, r.offset(), r.offset() > r.fileSize() ? "the log is read from here (LSN "
                                + Lsn.toString(Lsn.of(s, r.offset())) + ", where recovery starts), past the end of the"
                                + " segment" : "no more records", truncated);
                    }
                    break;
                }
                previousEnd = r.offset();
                end = Lsn.of(s, r.offset());
            }
        }
        if (end < forcedTo) {
            // The log had been forced past its end: what lay after it (zeroed, or a segment lost) is gone.
            if (Lsn.segment(forcedTo) > last) {
                throw missing(Lsn.segment(forcedTo), startLsn);
            }
            throw corruptBeforeDataFiles(logDir.resolve(SegmentFiles.name(last)), Lsn.offset(end),
                    "the valid records end here");
        }
        return new Result(end, last, scanned, records, tail, unused, env);
    }

    private SegmentReader openChecked(Path path, long segment, String needed) throws IOException {
        SegmentReader r;
        try {
            r = SegmentReader.open(io, path, segment);
        } catch (IllegalArgumentException e) {
            throw new CorruptionException(path, 0, "bad segment header: " + e.getMessage()
                    + "; catastrophic recovery from a backup is needed");
        }
        r.holdingRecordsUpTo(holdLimit);
        if (r.header() == null) {
            // Blank: records follow it, or nothing does but the segment is needed.
            String why = r.zerosFrom(SegmentHeader.SIZE) ? needed : "records follow it";
            r.close();
            throw new CorruptionException(path, 0, "segment header is blank but " + why
                    + "; catastrophic recovery from a backup is needed");
        }
        return r;
    }

    /** Where the scanner's advice for an environment begins in its corruption messages (see {@link #withoutAdvice}). */
    private static final String ADVICE = "; normal recovery cannot go on";

    /**
     * A corruption message of this scanner without its advice for an environment's recovery: what is
     * wrong, where and why, for a caller whose remedy differs (a backup, damage recovery never reads).
     */
    public static String withoutAdvice(String message) {
        int at = message.indexOf(ADVICE);
        return at > 0 ? message.substring(0, at) : message;
    }

    private CorruptionException corrupt(Path path, long offset, String problem, String why) {
        // The same advice serves normal and catastrophic recovery: another copy of the segment, or
        // everything before the damage (the LSN is where the bad record starts).
        long segment = SegmentFiles.number(path.getFileName().toString());
        String before = segment > 0 ? " --to-lsn " + Lsn.toString(Lsn.of(segment, offset)) + " --exclusive" : "";
        return new CorruptionException(path, offset, problem + " (" + why + ")" + ADVICE + ": "
                + "restore a good copy of this segment and run catastrophic recovery (cairn recover -c --logs DIR,"
                + " from the archive or a backup), or recover everything before the damage (cairn recover -h HOME"
                + before + ")");
    }

    /**
     * Damage before {@link #forcedTo}: a data file already holds commits from after it, so
     * recovering only what lies before the damage (--to-lsn) would be refused; the one remedy is
     * another copy of the segment.
     */
    private CorruptionException corruptBeforeDataFiles(Path path, long offset, String problem) {
        return new CorruptionException(path, offset, problem + " (" + forcedBecause + ")" + ADVICE + ": "
                + "restore a good copy of this segment and run catastrophic recovery (cairn recover -c --logs DIR,"
                + " from the archive or a backup); recovering only what lies before the damage is not possible, as the"
                + " data files already hold later commits");
    }

    private StorageException missing(long segment, long startLsn) {
        return new StorageException(logDir.resolve(SegmentFiles.name(segment)),
                "log segment " + SegmentFiles.name(segment) + " is missing; recovery needs every segment from "
                        + (startLsn == Lsn.NULL ? "the first" : "LSN " + Lsn.toString(startLsn))
                        + " on: restore it from the archive or a backup and run catastrophic recovery", null);
    }
}
