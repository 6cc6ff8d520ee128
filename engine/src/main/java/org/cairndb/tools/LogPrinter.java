package org.cairndb.tools;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.cairndb.io.FileIO;
import org.cairndb.log.LogRecord;
import org.cairndb.log.LogRecordType;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.Op;
import org.cairndb.log.PayloadInput;
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
        this.io = org.cairndb.io.NamingFileIO.of(io); // a failing read names its file
        this.logDir = logDir;
        this.showOps = showOps;
    }

    /** Prints the records whose LSN lies in {@code [from, to]}; {@link Lsn#NULL} for an open end. */
    /** How often the output's error state is checked, in records: each check flushes it. */
    private static final int OUTPUT_CHECK_RECORDS = 1024;

    public Summary print(long from, long to, PrintWriter out) throws IOException {
        // Start at the beginning of from's segment so that any LSN works, not only a record's first byte.
        long start = from == Lsn.NULL ? Lsn.NULL : Lsn.of(Lsn.segment(from), SegmentHeader.SIZE);
        long[] printed = new long[1];
        LogScanner.Result result;
        try {
            result = new LogScanner(io, logDir).readingLargeRecordsInPieces().scan(start, null, frame -> {
                if (frame.lsn() < from) {
                    return;
                }
                if (to != Lsn.NULL && frame.lsn() > to) {
                    throw new PastEnd();
                }
                printRecord(frame, out);
                printed[0]++;
                if (printed[0] % OUTPUT_CHECK_RECORDS == 0 && out.checkError()) {
                    throw new PastEnd(); // the output is gone (a closed pipe, a full disk): reading on is for nothing
                }
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

    /**
     * Prints one record. Its values are skipped, not read: a put shows only its value's length, so
     * a transaction of several 16 MiB values is printed in a piece of memory (the scan reads large
     * records in pieces). With {@code showOps}, its writes are decoded a second time to print them
     * under its line, one at a time, rather than kept.
     */
    private void printRecord(RecordFrame frame, PrintWriter out) throws IOException {
        String description;
        boolean decoded;
        try {
            description = LogRecord.decode(frame, Op.SKIP_VALUES).describe();
            decoded = true;
        } catch (UncheckedIOException e) {
            throw e.getCause(); // reading the segment failed: no fault of the record
        } catch (RuntimeException e) {
            decoded = false;
            description = "UNDECODABLE (" + frame.size() + " bytes, valid checksum): " + e.getMessage();
        }
        out.printf("%-14s %-15s txn %-8d %s%n", Lsn.toString(frame.lsn()), frame.type(), frame.txnId(), description);
        if (showOps && decoded && (frame.type() == LogRecordType.COMMIT || frame.type() == LogRecordType.PREPARE)) {
            try {
                LogRecord.decode(frame, new Op.Sink() {
                    @Override
                    public void put(int dbId, byte[] key, PayloadInput in, int valueLength) {
                        in.skip(valueLength);
                        out.println("    " + Op.describePut(dbId, key, valueLength));
                    }

                    @Override
                    public void delete(int dbId, byte[] key) {
                        out.println("    " + Op.describeDelete(dbId, key));
                    }
                });
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
        }
    }
}
