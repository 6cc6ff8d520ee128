package org.cairndb.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.cairndb.io.FileIO;
import org.cairndb.log.CommitRecord;
import org.cairndb.log.LogRecord;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.Op;
import org.cairndb.log.PrepareRecord;
import org.cairndb.log.RecordFrame;
import org.cairndb.log.SegmentHeader;

/**
 * Prints log records one per line, like {@code db_printlog}: LSN, type, transaction id and the
 * record's own description. It reads the segment files only (no lock, no recovery), so it works
 * on a running environment, a closed one, or a directory of archived segments laid out as a
 * {@code log/} directory.
 */
public final class LogPrinter {

    /** What was printed. */
    public record Summary(long printed, String endLsn, LogScanner.Tail tail) {
    }

    /** Thrown by the visitor to end the scan early once past {@code --to}. */
    private static final class PastEnd extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PastEnd() {
            super(null, null, false, false);
        }
    }

    private final FileIO io;
    private final Path logDir;
    private final boolean showOps;

    /** @param showOps also print each put and delete of COMMIT and PREPARE records, indented */
    public LogPrinter(FileIO io, Path logDir, boolean showOps) {
        this.io = io;
        this.logDir = logDir;
        this.showOps = showOps;
    }

    /** Prints the records whose LSN lies in {@code [from, to]}; {@link Lsn#NULL} for an open end. */
    public Summary print(long from, long to, PrintWriter out) throws IOException {
        // Start at the beginning of from's segment so that any LSN works, not only a record's first byte.
        long start = from == Lsn.NULL ? Lsn.NULL : Lsn.of(Lsn.segment(from), SegmentHeader.SIZE);
        long[] printed = new long[1];
        LogScanner.Result result;
        try {
            result = new LogScanner(io, logDir).scan(start, null, frame -> {
                if (frame.lsn() < from) {
                    return;
                }
                if (to != Lsn.NULL && frame.lsn() > to) {
                    throw new PastEnd();
                }
                printRecord(frame, out);
                printed[0]++;
            });
        } catch (PastEnd e) {
            out.flush();
            return new Summary(printed[0], null, null);
        }
        out.flush();
        if (result == null) {
            return new Summary(0, Lsn.toString(Lsn.NULL), null);
        }
        return new Summary(printed[0], Lsn.toString(result.endLsn()), result.tail());
    }

    private void printRecord(RecordFrame frame, PrintWriter out) {
        LogRecord rec;
        String description;
        try {
            rec = frame.decode();
            description = rec.describe();
        } catch (RuntimeException e) {
            rec = null;
            description = "UNDECODABLE (" + frame.size() + " bytes, valid checksum): " + e.getMessage();
        }
        out.printf("%-14s %-15s txn %-8d %s%n", Lsn.toString(frame.lsn()), frame.type(), frame.txnId(), description);
        if (showOps && rec != null) {
            List<Op> ops = rec instanceof CommitRecord c ? c.ops() : rec instanceof PrepareRecord p ? p.ops() : List.of();
            for (Op op : ops) {
                out.println("    " + op);
            }
        }
    }
}
