package org.cairndb.format;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A whole log segment as docs/file-format.md lays it out: the 64-byte header, then records one after
 * the other from offset 64, then a record length of zero followed only by zeros, or the end of the
 * file. Decoding stops at the first record that fails its checks
 * and says so in {@link #problem}: the document's reader would see a torn tail or damage there.
 */
record DocumentedSegment(Path file, long numberInName, DocumentedSegmentHeader header, List<DocumentedRecord> records,
        int end, long fileSize, boolean zeroTail, String problem) {

    static DocumentedSegment read(Path file) throws IOException {
        String name = file.getFileName().toString();
        long number = Long.parseLong(name.substring("log.".length()));
        byte[] bytes = Files.readAllBytes(file);
        DocumentedSegmentHeader header = DocumentedSegmentHeader.decode(bytes, file.toString());
        List<DocumentedRecord> records = new ArrayList<>();
        int offset = header.headerSize();
        String problem = null;
        while (offset + 4 <= bytes.length && FormatReader.int32At(bytes, offset) != 0) {
            DocumentedRecord rec;
            try {
                rec = DocumentedRecord.decode(bytes, offset, number, file.toString());
            } catch (IllegalStateException e) {
                problem = e.getMessage();
                break;
            }
            if (rec.storedCrc() != rec.computedCrc()) {
                problem = file + ": CRC mismatch in record at " + offset;
                break;
            }
            records.add(rec);
            offset += rec.length();
        }
        return new DocumentedSegment(file, number, header, records, offset, bytes.length,
                FormatReader.allZero(bytes, offset, bytes.length), problem);
    }

    /** The segments of a log directory, in number order. */
    static List<DocumentedSegment> readLog(Path logDir) throws IOException {
        List<DocumentedSegment> segments = new ArrayList<>();
        try (var s = Files.list(logDir)) {
            for (Path p : s.filter(p -> p.getFileName().toString().matches("log\\.\\d{10}")).sorted().toList()) {
                segments.add(read(p));
            }
        }
        return segments;
    }
}
