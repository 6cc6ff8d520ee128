package org.cairndb.tools;

/**
 * How keys and values are spelled in a dump: the two encodings of Berkeley DB's {@code db_dump}
 * text format (version 3), named as in its {@code format=} header line.
 */
public enum DumpFormat {
    /** Every byte as two lowercase hex digits: {@code 68656c6c6f}. What {@code db_dump} writes by default. */
    BYTEVALUE("bytevalue"),
    /**
     * Printable ASCII (0x20..0x7e) as itself, a backslash as {@code \\}, every other byte as a
     * backslash and two hex digits ({@code \00}). What {@code db_dump -p} writes.
     */
    PRINT("print");

    private final String headerName;

    DumpFormat(String headerName) {
        this.headerName = headerName;
    }

    /** The value of the {@code format=} header line. */
    public String headerName() {
        return headerName;
    }

    /** The format named by a {@code format=} header value, or null. */
    public static DumpFormat ofHeaderName(String name) {
        for (DumpFormat f : values()) {
            if (f.headerName.equals(name)) {
                return f;
            }
        }
        return null;
    }
}
