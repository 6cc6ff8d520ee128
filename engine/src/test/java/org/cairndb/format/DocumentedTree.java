package org.cairndb.format;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The B+tree and space map one data-file header names (docs/file-format.md, "Pages"), decoded page
 * by page. Every page read is checked against its own header (CRC, number, database, generation,
 * zero rest) and recorded in {@link #pagesRead}; a failed check throws, naming the page.
 */
final class DocumentedTree {

    /** Leaf entry: 1 kind (0 inline, 1 overflow). */
    static final int INLINE = 0, OVERFLOW_VALUE = 1;

    private final byte[] file;
    private final DocumentedDataFileHeader header;
    private final String where;
    final Map<Key, byte[]> entries = new TreeMap<>();
    final BitSet pagesRead = new BitSet();
    final List<Long> overflowFirstPages = new ArrayList<>();
    final java.util.Set<Key> overflowKeys = new java.util.HashSet<>();
    int depth;
    int leaves;
    int branches;

    private DocumentedTree(byte[] file, DocumentedDataFileHeader header, String where) {
        this.file = file;
        this.header = header;
        this.where = where;
    }

    static DocumentedTree walk(byte[] file, DocumentedDataFileHeader header, String where) {
        DocumentedTree t = new DocumentedTree(file, header, where);
        if (header.rootPage() != 0) {
            t.node(header.rootPage(), null, null, 1);
        }
        return t;
    }

    /** Reads the page tree under {@code page}, whose keys must lie in [low, high). */
    private void node(long page, byte[] low, byte[] high, int level) {
        DocumentedPage p = page(page);
        FormatReader r = new FormatReader(file, p.payloadOffset(), where + " page " + page);
        int end = p.payloadOffset() + p.payloadLength();
        if (p.type() == DocumentedPage.LEAF) {
            leaves++;
            check(depth == 0 || depth == level, page, "leaf at depth " + level + ", another at " + depth);
            depth = level;
            byte[] previous = null;
            for (int i = 0; i < p.entries(); i++) {
                byte[] key = r.varBytes();
                check(previous == null || Arrays.compareUnsigned(previous, key) < 0, page, "keys out of order");
                check(low == null || Arrays.compareUnsigned(low, key) <= 0, page, "key below its separator");
                check(high == null || Arrays.compareUnsigned(key, high) < 0, page, "key at or above next separator");
                int kind = r.u8();
                int length = r.varInt();
                byte[] value;
                if (kind == INLINE) {
                    value = r.bytes(length);
                } else {
                    check(kind == OVERFLOW_VALUE, page, "entry kind " + kind);
                    long first = r.i64();
                    overflowFirstPages.add(first);
                    overflowKeys.add(new Key(key));
                    value = run(first, length, DocumentedPage.OVERFLOW);
                }
                entries.put(new Key(key), value);
                previous = key;
            }
        } else {
            check(p.type() == DocumentedPage.BRANCH, page, "type " + p.type() + " inside the tree");
            branches++;
            long[] children = new long[p.entries()];
            byte[][] separators = new byte[p.entries() + 1][];
            separators[0] = low;
            separators[p.entries()] = high;
            children[0] = r.i64();
            for (int i = 1; i < p.entries(); i++) {
                separators[i] = r.varBytes();
                children[i] = r.i64();
            }
            check(r.position() == end, page, "branch payload length");
            for (int i = 0; i < children.length; i++) {
                node(children[i], separators[i], separators[i + 1], level + 1);
            }
        }
        check(r.position() == end, page, "payload length " + p.payloadLength() + " but entries end at "
                + (r.position() - p.payloadOffset()));
    }

    /** Raw bytes continued across contiguous pages of {@code type} from {@code first}, {@code length} in all. */
    byte[] run(long first, int length, int type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length);
        for (long page = first; out.size() < length; page++) {
            DocumentedPage p = page(page);
            check(p.type() == type, page, "type " + p.type() + " in a run of type " + type);
            check(p.entries() == 0, page, "entry count " + p.entries() + " on a raw page");
            out.write(file, p.payloadOffset(), p.payloadLength());
        }
        check(out.size() == length, first, "run of " + out.size() + " bytes for " + length);
        return out.toByteArray();
    }

    /** Raw bytes continued across {@code count} contiguous pages of {@code type} from {@code first}. */
    byte[] runOfPages(long first, int count, int type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (long page = first; page < first + count; page++) {
            DocumentedPage p = page(page);
            check(p.type() == type, page, "type " + p.type() + " in a run of type " + type);
            check(p.entries() == 0, page, "entry count " + p.entries() + " on a raw page");
            out.write(file, p.payloadOffset(), p.payloadLength());
        }
        return out.toByteArray();
    }

    DocumentedPage page(long number) {
        check(number >= 2 && number < header.filePages(), number, "page number outside 2.." + header.filePages());
        check(!pagesRead.get(Math.toIntExact(number)), number, "page reached twice");
        DocumentedPage p = DocumentedPage.decode(file, number, header.pageSize(), where);
        check(p.storedCrc() == p.computedCrc(), number, "CRC-32C stored " + p.storedCrc() + " computed " + p.computedCrc());
        check(p.numberInPage() == number, number, "page says it is page " + p.numberInPage());
        check(p.databaseId() == header.databaseId(), number, "database id " + p.databaseId());
        check(p.flags() == 0, number, "flags " + p.flags());
        check(p.generation() >= 1 && p.generation() <= header.generation(), number, "generation " + p.generation()
                + " against the header's " + header.generation());
        check(p.restZero(), number, "bytes after the payload are not zero");
        pagesRead.set(Math.toIntExact(number));
        return p;
    }

    private void check(boolean ok, long page, String what) {
        if (!ok) {
            throw new AssertionError(where + " page " + page + ": " + what);
        }
    }

    /** A key ordered as unsigned bytes, as the document orders them. */
    record Key(byte[] bytes) implements Comparable<Key> {
        @Override
        public int compareTo(Key o) {
            return Arrays.compareUnsigned(bytes, o.bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }
}
