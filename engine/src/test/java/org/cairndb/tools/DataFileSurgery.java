package org.cairndb.tools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.io.NioFileIO;
import org.cairndb.storage.DataFile;
import org.cairndb.storage.DataFileHeader;
import org.cairndb.storage.PageCache;
import org.cairndb.tree.BranchPage;
import org.cairndb.tree.ChildRef;
import org.cairndb.tree.LeafPage;
import org.cairndb.tree.PageFormat;

/**
 * Damages a closed data file in precise ways, for the verifier's tests. Rewritten pages get a
 * valid checksum, so that only the logical check can find what is wrong.
 */
final class DataFileSurgery {

    private final Path path;

    DataFileSurgery(Path path) {
        this.path = path;
    }

    /** Reads the file's structure (a fresh read-only open each time, so nothing is cached). */
    <T> T inspect(java.util.function.Function<DataFile, T> look) throws IOException {
        try (DataFile df = DataFile.open(NioFileIO.INSTANCE, path, null, false, new PageCache(4 << 20, () -> 0),
                new AtomicLong())) {
            return look.apply(df);
        }
    }

    DataFileHeader header() throws IOException {
        return inspect(DataFile::header);
    }

    int pageSize() throws IOException {
        return header().pageSize();
    }

    /** The root, which the tests expect to be a branch. */
    BranchPage root() throws IOException {
        return inspect(df -> (BranchPage) df.loadRoot());
    }

    /** Page number of the root's child {@code i}. */
    long child(int i) throws IOException {
        return root().childRef(i).pos();
    }

    /** Page number of the first child of the root after child 0 that is a leaf of at least {@code entries} entries. */
    long fullLeaf(int entries) throws IOException {
        BranchPage root = root();
        for (int i = 1; i < root.count(); i++) {
            long pos = root.childRef(i).pos();
            if (leaf(pos).count() >= entries) {
                return pos;
            }
        }
        throw new IllegalStateException("no leaf of " + entries + " entries under the root");
    }

    LeafPage leaf(long pos) throws IOException {
        return inspect(df -> (LeafPage) df.load(pos));
    }

    /** Flips every bit of one byte at {@code offset}. */
    void flipByte(long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) ~b.get(0)).rewind();
            ch.write(b, offset);
        }
    }

    /** Writes a leaf in place of page {@code pos}, sealed as the original was. */
    void rewriteLeaf(long pos, byte[][] keys, Object[] values) throws IOException {
        LeafPage leaf = LeafPage.fromDisk(pos, keys, values);
        rewrite(pos, PageFormat.LEAF, leaf.count(), page -> PageFormat.encodeLeaf(leaf, page));
    }

    /** Writes a branch in place of page {@code pos} with the given separators and child pages. */
    void rewriteBranch(long pos, byte[][] separators, long[] children) throws IOException {
        ChildRef[] refs = new ChildRef[children.length];
        for (int i = 0; i < children.length; i++) {
            refs[i] = new ChildRef(children[i]);
        }
        BranchPage branch = BranchPage.fromDisk(pos, separators, refs);
        rewrite(pos, PageFormat.BRANCH, branch.count(), page -> PageFormat.encodeBranch(branch, page));
    }

    /** Marks page {@code page} free in the (single-page) space map, re-sealing the map page. */
    void markFreeInSpaceMap(long page) throws IOException {
        DataFileHeader h = header();
        if (h.spaceMapPages() != 1) {
            throw new IllegalStateException("test expects a one-page space map");
        }
        long mapPos = h.spaceMapPage();
        ByteBuffer buf = read(mapPos);
        int payload = PageFormat.payloadLength(buf);
        int pending = buf.getInt(PageFormat.HEADER_SIZE + 8);
        int bitmap = PageFormat.HEADER_SIZE + 12 + 20 * pending;
        int at = bitmap + (int) (page / 8);
        buf.put(at, (byte) (buf.get(at) & ~(1 << (page % 8))));
        PageFormat.seal(buf, PageFormat.SPACE_MAP, 0, mapPos, buf.getInt(16), payload, PageFormat.generation(buf));
        write(mapPos, buf);
    }

    /** Rewrites the header copy in use with a different record count (and a valid checksum). */
    void setHeaderRecordCount(long records) throws IOException {
        DataFileHeader h = header();
        DataFileHeader changed = new DataFileHeader(h.pageSize(), h.generation(), h.environmentId(), h.dbId(),
                h.checkpointLsn(), h.checkpointMillis(), h.rootPage(), records, h.pageCount(), h.spaceMapPage(),
                h.spaceMapPages(), h.nextTxnId(), h.nextDbId(), h.name(), h.lastCommit(), h.otherChangeMillis());
        write(h.generation() % 2, changed.encode());
    }

    private interface PayloadWriter {
        int write(ByteBuffer page);
    }

    private void rewrite(long pos, byte type, int count, PayloadWriter payload) throws IOException {
        ByteBuffer original = read(pos);
        ByteBuffer page = ByteBuffer.allocate(original.capacity());
        int length = payload.write(page);
        PageFormat.seal(page, type, count, pos, original.getInt(16), length, PageFormat.generation(original));
        write(pos, page);
    }

    private ByteBuffer read(long pos) throws IOException {
        int size = pageSize();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(size);
            ch.read(b, pos * size);
            return b.clear();
        }
    }

    private void write(long pos, ByteBuffer page) throws IOException {
        int size = pageSize();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
            page.clear();
            ch.write(page, pos * size);
            ch.force(true);
        }
    }
}
