package org.cairndb.tools;

import java.io.Flushable;
import java.io.IOException;
import java.io.Writer;

/**
 * Writes a database in Berkeley DB's {@code db_dump} text format, so that {@code db_load} (and
 * {@code cairn load}) can read it back:
 *
 * <pre>
 * VERSION=3
 * format=bytevalue          (or print)
 * type=btree
 * HEADER=END
 *  6b6579                   one line per key, one per value, each starting with a space
 *  76616c7565
 * DATA=END
 * </pre>
 *
 * The output is pure ASCII. Long values are encoded in slices, so a 16 MiB value never needs a
 * 32 MiB line in memory.
 */
public final class DumpWriter implements Flushable {

    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final int SLICE = 8192;

    private final Writer out;
    private final DumpFormat format;
    private final char[] buf = new char[SLICE + 4];
    private boolean headerWritten;
    private boolean ended;
    private long records;

    public DumpWriter(Writer out, DumpFormat format) {
        this.out = out;
        this.format = format;
    }

    /** Writes the header; called by the first {@link #writeRecord} if not called before. */
    public void writeHeader() throws IOException {
        if (headerWritten) {
            return;
        }
        headerWritten = true;
        out.write("VERSION=3\nformat=" + format.headerName() + "\ntype=btree\nHEADER=END\n");
    }

    /** Writes one record: its key line and its value line. */
    public void writeRecord(byte[] key, byte[] value) throws IOException {
        if (ended) {
            throw new IllegalStateException("the dump already ended with DATA=END");
        }
        writeHeader();
        writeLine(key);
        writeLine(value);
        records++;
    }

    /** Writes {@code DATA=END} (and the header, for an empty database) and flushes. */
    public void writeEnd() throws IOException {
        writeHeader();
        if (!ended) {
            ended = true;
            out.write("DATA=END\n");
        }
        out.flush();
    }

    /** Records written so far. */
    public long records() {
        return records;
    }

    @Override
    public void flush() throws IOException {
        out.flush();
    }

    private void writeLine(byte[] bytes) throws IOException {
        int n = 0;
        buf[n++] = ' ';
        for (byte b : bytes) {
            int v = b & 0xff;
            if (format == DumpFormat.BYTEVALUE) {
                buf[n++] = HEX[v >>> 4];
                buf[n++] = HEX[v & 15];
            } else if (v == '\\') {
                buf[n++] = '\\';
                buf[n++] = '\\';
            } else if (v >= 0x20 && v <= 0x7e) {
                buf[n++] = (char) v;
            } else {
                buf[n++] = '\\';
                buf[n++] = HEX[v >>> 4];
                buf[n++] = HEX[v & 15];
            }
            if (n >= SLICE) {
                out.write(buf, 0, n);
                n = 0;
            }
        }
        buf[n++] = '\n';
        out.write(buf, 0, n);
    }
}
