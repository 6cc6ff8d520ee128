package org.cairndb.tools;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Reads Berkeley DB's {@code db_dump} text format (version 3), as written by {@code db_dump},
 * {@code db_dump -p} and {@link DumpWriter}. See {@code docs/cli.md} for the format.
 *
 * <p>It is stricter than {@code db_load} where leniency would load something other than what
 * was dumped: an odd number of hex digits, a bad escape, a key without a value, a missing
 * {@code DATA=END} (a truncated file), an unknown header keyword, and duplicate-key databases are
 * errors naming the line. Header keywords that only tune Berkeley DB's storage
 * ({@code db_pagesize}, {@code h_nelem}, {@code bt_minkey}, ...) are accepted and ignored.
 *
 * <p>Lines are decoded as they stream in, so memory stays bounded by the largest key and value
 * allowed, whatever the input holds.
 */
public final class DumpReader implements Closeable {

    /** Header keywords of {@code db_load} that only tune Berkeley DB's storage: accepted and ignored. */
    static final Set<String> STORAGE_TUNING_KEYS = Set.of("db_pagesize", "bt_minkey", "chksum", "db_lorder", "extentsize",
            "h_ffactor", "h_nelem", "re_len", "re_pad", "recnum", "renumber", "heap_regionsize", "heap_bytes",
            "heap_gbytes");

    private static final int MAX_TEXT_LINE = 64 * 1024;

    private final InputStream in;
    private final int maxKeyBytes;
    private final int maxValueBytes;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int limit;
    private boolean eof;
    private long line;
    private DumpHeader header;
    private boolean dataEnded;
    private final Bytes keyBytes;
    private final Bytes valueBytes;
    private long keyLine;

    /**
     * @param maxKeyBytes   longest key accepted (a longer one is an error naming its line)
     * @param maxValueBytes longest value accepted
     */
    public DumpReader(InputStream in, int maxKeyBytes, int maxValueBytes) {
        this.in = in;
        this.maxKeyBytes = maxKeyBytes;
        this.maxValueBytes = maxValueBytes;
        this.keyBytes = new Bytes(maxKeyBytes);
        this.valueBytes = new Bytes(maxValueBytes);
    }

    /** Reads and checks the header, up to and including {@code HEADER=END}. */
    public DumpHeader readHeader() throws IOException {
        if (header != null) {
            return header;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        String version = null;
        DumpFormat format = null;
        String type = "btree";
        String database = null;
        while (true) {
            String text = readTextLine();
            if (text == null) {
                throw new DumpFormatException(line + 1, line == 0 ? "input is empty: not a dump"
                        : "input ends inside the header (no HEADER=END line)");
            }
            if (text.equals("HEADER=END")) {
                break;
            }
            int eq = text.indexOf('=');
            if (eq <= 0) {
                throw new DumpFormatException(line, "expected a header line keyword=value or HEADER=END, found "
                        + quote(text));
            }
            String k = text.substring(0, eq);
            String v = text.substring(eq + 1);
            fields.put(k, v);
            switch (k) {
                case "VERSION" -> {
                    if (!v.equals("3")) {
                        throw new DumpFormatException(line, "dump format VERSION=" + v + " is not supported (only 3)");
                    }
                    version = v;
                }
                case "format" -> {
                    format = DumpFormat.ofHeaderName(v);
                    if (format == null) {
                        throw new DumpFormatException(line, "format=" + v + " is not bytevalue or print");
                    }
                }
                case "type" -> {
                    if (!v.equals("btree") && !v.equals("hash")) {
                        throw new DumpFormatException(line, "type=" + v + " cannot be loaded: its keys are record numbers"
                                + " or it is not a key-value database; only btree and hash dumps can be");
                    }
                    type = v;
                }
                case "database", "subdatabase" -> database = v;
                case "duplicates", "dupsort" -> {
                    if (!v.equals("0")) {
                        throw new DumpFormatException(line, k + "=" + v + ": the dumped database allows several values"
                                + " per key, but a Cairn database holds one value per key");
                    }
                }
                case "keys" -> {
                    if (!v.equals("1")) {
                        throw new DumpFormatException(line, "keys=" + v + ": the dump has no keys (a record-number"
                                + " database); only key-value dumps can be loaded");
                    }
                }
                default -> {
                    if (!STORAGE_TUNING_KEYS.contains(k)) {
                        throw new DumpFormatException(line, "unknown header keyword " + quote(k));
                    }
                }
            }
        }
        if (version == null) {
            throw new DumpFormatException(line, "the header has no VERSION=3 line: not a db_dump dump");
        }
        if (format == null) {
            throw new DumpFormatException(line, "the header has no format= line (bytevalue or print)");
        }
        header = new DumpHeader(format, type, database, Collections.unmodifiableMap(fields));
        return header;
    }

    /**
     * Reads the next record. Returns false at {@code DATA=END}, after checking that nothing but
     * blank lines follows it.
     */
    public boolean next() throws IOException {
        readHeader();
        if (dataEnded) {
            return false;
        }
        int first = startLine();
        if (first == ' ') {
            keyLine = line;
            decodeLine(keyBytes);
            if (keyBytes.length() == 0) {
                throw new DumpFormatException(line, "empty key: Cairn keys are 1 to " + maxKeyBytes + " bytes");
            }
            if (keyBytes.length() > maxKeyBytes) {
                throw new DumpFormatException(line, "key of " + keyBytes.length() + " bytes is larger than the maximum of "
                        + maxKeyBytes + " bytes");
            }
        } else if (first < 0) {
            throw new DumpFormatException(line + 1, "input ends without DATA=END (a truncated dump?)");
        } else {
            String text = restAsText(first);
            if (text.equals("DATA=END")) {
                dataEnded = true;
                checkNothingFollows();
                return false;
            }
            throw new DumpFormatException(line, "expected a key line (starting with a space) or DATA=END, found "
                    + quote(text));
        }
        int v = startLine();
        if (v == ' ') {
            decodeLine(valueBytes);
            if (valueBytes.length() > maxValueBytes) {
                throw new DumpFormatException(line, "value of " + valueBytes.length()
                        + " bytes is larger than the maximum of " + maxValueBytes + " bytes");
            }
            return true;
        }
        if (v < 0) {
            throw new DumpFormatException(line + 1, "input ends after the key on line " + keyLine + ", without its value");
        }
        throw new DumpFormatException(line, "expected the value of the key on line " + keyLine
                + " (a line starting with a space), found " + quote(restAsText(v)));
    }

    /** The key of the record {@link #next()} read (a copy). */
    public byte[] key() {
        return keyBytes.copy();
    }

    /** The value of the record {@link #next()} read (a copy). */
    public byte[] value() {
        return valueBytes.copy();
    }

    /** Line of the current record's key. */
    public long keyLine() {
        return keyLine;
    }

    /** The last line read (1-based). */
    public long line() {
        return line;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    // ---- lines ----

    /** Starts a new line and returns its first byte, or -1 at the end of the input. */
    private int startLine() throws IOException {
        int b = read();
        if (b >= 0) {
            line++;
        }
        return b;
    }

    /** Decodes the rest of a data line (after its leading space) into {@code out}. */
    private void decodeLine(Bytes out) throws IOException {
        out.reset();
        boolean hex = header.format() == DumpFormat.BYTEVALUE;
        int state = 0; // print: 0 plain, 1 after '\', 2 after '\' and one hex digit; bytevalue: 0 or 2
        int high = 0;
        while (true) {
            int b = read();
            if (b < 0 || b == '\n') {
                break;
            }
            if (b == '\r') {
                if (peek() == '\n') {
                    continue;
                }
                throw new DumpFormatException(line, "carriage return inside a data line");
            }
            if (hex) {
                int d = hexDigit(b);
                if (d < 0) {
                    throw new DumpFormatException(line, quote(String.valueOf((char) b)) + " is not a hex digit"
                            + " (format=bytevalue)");
                }
                if (state == 0) {
                    high = d;
                    state = 2;
                } else {
                    out.add((high << 4) | d);
                    state = 0;
                }
            } else if (state == 0) {
                if (b == '\\') {
                    state = 1;
                } else {
                    out.add(b);
                }
            } else if (state == 1) {
                if (b == '\\') {
                    out.add('\\');
                    state = 0;
                } else {
                    high = hexDigit(b);
                    if (high < 0) {
                        throw new DumpFormatException(line, "bad escape " + quote("\\" + (char) b)
                                + " (format=print allows \\\\ and \\ followed by two hex digits)");
                    }
                    state = 2;
                }
            } else {
                int d = hexDigit(b);
                if (d < 0) {
                    throw new DumpFormatException(line, "bad escape: " + quote(String.valueOf((char) b))
                            + " is not a hex digit");
                }
                out.add((high << 4) | d);
                state = 0;
            }
        }
        if (state != 0) {
            throw new DumpFormatException(line, hex ? "odd number of hex digits" : "line ends inside an escape");
        }
    }

    /** A header or terminator line as text, or null at the end of the input. */
    private String readTextLine() throws IOException {
        int first = startLine();
        if (first < 0) {
            return null;
        }
        return restAsText(first);
    }

    private String restAsText(int first) throws IOException {
        StringBuilder sb = new StringBuilder();
        int b = first;
        while (b >= 0 && b != '\n') {
            if (sb.length() >= MAX_TEXT_LINE) {
                throw new DumpFormatException(line, "line is longer than " + MAX_TEXT_LINE + " characters");
            }
            sb.append((char) b);
            b = read();
        }
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') {
            sb.setLength(n - 1);
        }
        return sb.toString();
    }

    private void checkNothingFollows() throws IOException {
        while (true) {
            int b = startLine();
            if (b < 0) {
                return;
            }
            String text = restAsText(b);
            if (!text.isBlank()) {
                throw new DumpFormatException(line, "input goes on after DATA=END (a second database?): " + quote(text)
                        + "; cairn load reads one database per dump");
            }
        }
    }

    // ---- bytes ----

    private int read() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        return buf[pos++] & 0xff;
    }

    private int peek() throws IOException {
        if (pos == limit && !fill()) {
            return -1;
        }
        return buf[pos] & 0xff;
    }

    private boolean fill() throws IOException {
        if (eof) {
            return false;
        }
        int n = in.read(buf, 0, buf.length);
        if (n <= 0) {
            // read(byte[]) blocks until it has at least one byte; 0 would break its contract.
            eof = true;
            return false;
        }
        pos = 0;
        limit = n;
        return true;
    }

    private static int hexDigit(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10; // db_dump writes lowercase; uppercase is accepted all the same
        }
        return -1;
    }

    private static String quote(String s) {
        String shown = s.length() > 60 ? s.substring(0, 60) + "..." : s;
        StringBuilder sb = new StringBuilder("'");
        for (char c : shown.toCharArray()) {
            sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\x%02x", (int) c));
        }
        return sb.append('\'').toString();
    }

    /**
     * A growable byte array that stops storing (but keeps counting) past its limit, so that an
     * oversized line costs no memory yet its size can still be reported.
     */
    private static final class Bytes {
        private final int max;
        private byte[] data = new byte[256];
        private int length;

        Bytes(int max) {
            this.max = max;
        }

        void reset() {
            length = 0;
        }

        void add(int b) {
            if (length < max) {
                if (length == data.length) {
                    data = Arrays.copyOf(data, (int) Math.min(max, 2L * data.length));
                }
                data[length] = (byte) b;
            }
            if (length < Integer.MAX_VALUE) {
                length++;
            }
        }

        int length() {
            return length;
        }

        byte[] copy() {
            return Arrays.copyOf(data, Math.min(length, max));
        }
    }
}
