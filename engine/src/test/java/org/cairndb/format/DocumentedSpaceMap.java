package org.cairndb.format;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * Space map bytes (docs/file-format.md): 8 file size in pages; 4 number of pending extents; per
 * pending extent 8 first page, 4 pages, 8 time freed (ms); then the allocation bitmap, (file size in
 * pages + 7) / 8 bytes, bit p mod 8 of byte p/8 set when page p is in use or pending.
 */
record DocumentedSpaceMap(long filePages, List<Extent> pending, BitSet used, int bitmapBytes) {

    /** Time freed of the extents freed by the checkpoint that wrote the map: the header's checkpoint time. */
    static final long FREED_BY_THIS_GENERATION = Long.MAX_VALUE;

    record Extent(long first, int pages, long freedMillis) {
    }

    static DocumentedSpaceMap decode(byte[] bytes, String where) {
        FormatReader r = new FormatReader(bytes, 0, where + " space map");
        long filePages = r.i64();
        int n = r.i32();
        List<Extent> pending = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            pending.add(new Extent(r.i64(), r.i32(), r.i64()));
        }
        int bitmapBytes = bytes.length - r.position();
        BitSet used = new BitSet();
        for (int i = 0; i < bitmapBytes; i++) {
            int b = r.u8();
            for (int bit = 0; bit < 8; bit++) {
                if ((b & (1 << bit)) != 0) {
                    used.set(i * 8 + bit);
                }
            }
        }
        return new DocumentedSpaceMap(filePages, pending, used, bitmapBytes);
    }
}
