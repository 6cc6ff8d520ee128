package org.cairndb.format;

/** An LSN: segment in the high 32 bits, offset in the low 32, printed {@code segment/offset}. */
final class Lsn {

    private Lsn() {
    }

    static long of(long segment, long offset) {
        return (segment << 32) | offset;
    }

    static long segment(long lsn) {
        return lsn >>> 32;
    }

    static long offset(long lsn) {
        return lsn & 0xFFFFFFFFL;
    }

    static String format(long lsn) {
        return segment(lsn) + "/" + offset(lsn);
    }
}
