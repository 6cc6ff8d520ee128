package org.cairndb.util;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/** CRC-32C over byte ranges; every checksum on disk is one of these. */
public final class Checksums {

    private Checksums() {
    }

    public static int crc32c(byte[] b, int off, int len) {
        CRC32C crc = new CRC32C();
        crc.update(b, off, len);
        return (int) crc.getValue();
    }

    /** CRC-32C of {@code buf[from, to)}; the buffer's position and limit are left as they were. */
    public static int crc32c(ByteBuffer buf, int from, int to) {
        CRC32C crc = new CRC32C();
        ByteBuffer view = buf.duplicate();
        view.limit(to).position(from);
        crc.update(view);
        return (int) crc.getValue();
    }
}
