package org.cairndb.tree;

import java.nio.ByteBuffer;
import org.cairndb.util.Checksums;
import org.cairndb.util.VarInts;

/**
 * The on-disk layout of every page of a data file except the two header pages (see
 * {@code org.cairndb.storage.DataFileHeader}). All integers big-endian; {@code var} is an unsigned
 * LEB128 integer ({@link VarInts}).
 *
 * <pre>
 * offset size field
 *      0    4 CRC-32C of bytes 4 .. page size - 1
 *      4    1 type: 1 leaf, 2 branch, 3 overflow, 4 space map
 *      5    1 flags (0)
 *      6    2 entry count (leaf: entries; branch: children; others: 0)
 *      8    8 page number of this page (a page read from the wrong place is caught)
 *     16    4 database id
 *     20    4 payload length
 *     24    8 generation of the checkpoint that wrote the page
 *     32  ... payload; the rest of the page is zero
 *
 * leaf payload, per entry:     var key length, key, 1 kind (0 inline, 1 overflow),
 *                              inline: var value length, value
 *                              overflow: var value length, 8 first page of the value
 * branch payload:              8 page of child 0, then per further child i:
 *                              var separator length, separator, 8 page of child i; child i holds the
 *                              keys k with separator(i) <= k < separator(i+1): a separator sorts after
 *                              every key of child i-1 and not after any key of child i (it need not be a key)
 * overflow and space map:      raw bytes of the value or map, continued across contiguous pages
 * </pre>
 */
public final class PageFormat {

    public static final int HEADER_SIZE = 32;

    public static final byte LEAF = 1;
    public static final byte BRANCH = 2;
    public static final byte OVERFLOW = 3;
    public static final byte SPACE_MAP = 4;

    private PageFormat() {
    }

    /** Largest payload of one page. */
    public static int maxPayload(int pageSize) {
        return pageSize - HEADER_SIZE;
    }

    /** Values longer than this are stored as overflow values rather than in the leaf. */
    public static int inlineLimit(int pageSize) {
        return maxPayload(pageSize) / 4;
    }

    /** Pages needed for {@code bytes} of overflow or map data. */
    public static int pagesFor(long bytes, int pageSize) {
        int per = maxPayload(pageSize);
        return (int) Math.max(1, (bytes + per - 1) / per);
    }

    /** Writes the header and checksum of a page whose payload is already in {@code page} at offset 32. */
    public static void seal(ByteBuffer page, byte type, int count, long pageNo, int dbId, int payloadLength,
            long generation) {
        page.put(4, type).put(5, (byte) 0).putShort(6, (short) count).putLong(8, pageNo).putInt(16, dbId)
                .putInt(20, payloadLength).putLong(24, generation);
        page.putInt(0, Checksums.crc32c(page, 4, page.capacity()));
    }

    /**
     * Checks a page read from disk: checksum, page number, database id, payload length. Returns
     * null if it is fine, or what is wrong.
     */
    public static String check(ByteBuffer page, long pageNo, int dbId) {
        int stored = page.getInt(0);
        int actual = Checksums.crc32c(page, 4, page.capacity());
        if (stored != actual) {
            boolean zero = stored == 0 && page.getLong(8) == 0;
            return zero ? "page " + pageNo + " is all zeros (never written, or lost)" : "page " + pageNo + " checksum mismatch";
        }
        if (page.getLong(8) != pageNo) {
            return "page " + pageNo + " holds page number " + page.getLong(8) + " (misplaced write)";
        }
        if (page.getInt(16) != dbId) {
            return "page " + pageNo + " belongs to database id " + page.getInt(16) + ", not " + dbId;
        }
        int len = page.getInt(20);
        if (len < 0 || len > maxPayload(page.capacity())) {
            return "page " + pageNo + " has an impossible payload length " + len;
        }
        return null;
    }

    public static byte type(ByteBuffer page) {
        return page.get(4);
    }

    public static int count(ByteBuffer page) {
        return page.getShort(6) & 0xFFFF;
    }

    public static int payloadLength(ByteBuffer page) {
        return page.getInt(20);
    }

    public static long generation(ByteBuffer page) {
        return page.getLong(24);
    }

    /** Writes a leaf's payload at offset 32; overflow values must already have their pages. */
    public static int encodeLeaf(LeafPage leaf, ByteBuffer page) {
        page.position(HEADER_SIZE);
        for (int i = 0; i < leaf.count(); i++) {
            byte[] k = leaf.key(i);
            VarInts.put(page, k.length);
            page.put(k);
            Overflow o = leaf.overflow(i);
            if (o != null) {
                page.put((byte) 1);
                VarInts.put(page, o.length());
                page.putLong(o.pos());
            } else {
                page.put((byte) 0);
                VarInts.put(page, leaf.inlineLength(i));
                leaf.putInline(i, page);
            }
        }
        return page.position() - HEADER_SIZE;
    }

    public static LeafPage decodeLeaf(ByteBuffer page, long pageNo) {
        int n = count(page);
        ByteBuffer b = page.duplicate();
        b.limit(HEADER_SIZE + payloadLength(page)).position(HEADER_SIZE);
        byte[][] keys = new byte[n][];
        Object[] values = new Object[n];
        for (int i = 0; i < n; i++) {
            byte[] k = new byte[VarInts.getInt(b, b.remaining())];
            b.get(k);
            keys[i] = k;
            byte kind = b.get();
            int len = VarInts.getInt(b, Integer.MAX_VALUE);
            if (kind == 1) {
                values[i] = new Overflow(b.getLong(), len);
            } else if (kind == 0) {
                if (len > b.remaining()) {
                    throw new IllegalArgumentException("value length " + len + " runs past the page");
                }
                byte[] v = new byte[len];
                b.get(v);
                values[i] = v;
            } else {
                throw new IllegalArgumentException("unknown value kind " + kind);
            }
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(b.remaining() + " bytes left after the last entry");
        }
        return LeafPage.fromDisk(pageNo, keys, values);
    }

    /** Writes a branch's payload; every child must already be on disk. */
    public static int encodeBranch(BranchPage branch, ByteBuffer page) {
        page.position(HEADER_SIZE);
        page.putLong(childPos(branch, 0));
        for (int i = 1; i < branch.count(); i++) {
            byte[] k = branch.key(i - 1);
            VarInts.put(page, k.length);
            page.put(k);
            page.putLong(childPos(branch, i));
        }
        return page.position() - HEADER_SIZE;
    }

    private static long childPos(BranchPage branch, int i) {
        ChildRef ref = branch.childRef(i);
        Page unsaved = ref.unsaved();
        long pos = unsaved != null ? unsaved.pos() : ref.pos();
        if (pos == 0) {
            throw new IllegalStateException("child " + i + " of a branch is not on disk yet");
        }
        return pos;
    }

    public static BranchPage decodeBranch(ByteBuffer page, long pageNo) {
        int n = count(page);
        if (n < 1) {
            throw new IllegalArgumentException("branch with no children");
        }
        ByteBuffer b = page.duplicate();
        b.limit(HEADER_SIZE + payloadLength(page)).position(HEADER_SIZE);
        ChildRef[] children = new ChildRef[n];
        byte[][] keys = new byte[n - 1][];
        children[0] = new ChildRef(b.getLong());
        for (int i = 1; i < n; i++) {
            byte[] k = new byte[VarInts.getInt(b, b.remaining())];
            b.get(k);
            keys[i - 1] = k;
            children[i] = new ChildRef(b.getLong());
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(b.remaining() + " bytes left after the last child");
        }
        return BranchPage.fromDisk(pageNo, keys, children);
    }
}
