package org.cairndb.log;

/**
 * A log sequence number: the position of a record in the log, as (segment number, byte offset in
 * that segment) packed into a long, segment in the high 32 bits. LSNs of records grow with the
 * order in which they were written. {@link #NULL} (0) means "none": segment numbers start at 1.
 * The printed form is {@code segment/offset} in decimal, e.g. {@code 3/1048576}.
 */
public final class Lsn {

    public static final long NULL = 0;

    private Lsn() {
    }

    public static long of(long segment, long offset) {
        if (segment < 0 || segment > 0xFFFF_FFFFL || offset < 0 || offset > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("LSN out of range: segment " + segment + ", offset " + offset);
        }
        return (segment << 32) | offset;
    }

    public static long segment(long lsn) {
        return lsn >>> 32;
    }

    public static long offset(long lsn) {
        return lsn & 0xFFFF_FFFFL;
    }

    public static String toString(long lsn) {
        return segment(lsn) + "/" + offset(lsn);
    }

    /** Parses the printed form {@code segment/offset}. */
    public static long parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("not an LSN (segment/offset): " + text);
        }
        try {
            return of(Long.parseLong(text.substring(0, slash).trim()), Long.parseLong(text.substring(slash + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not an LSN (segment/offset): " + text);
        }
    }
}
