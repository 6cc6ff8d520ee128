package org.cairndb.storage;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.CorruptionException;
import org.cairndb.StorageException;
import org.cairndb.io.FileIO;
import org.cairndb.io.StorageFile;
import org.cairndb.log.CommitPoint;
import org.cairndb.tree.BranchPage;
import org.cairndb.tree.ChildRef;
import org.cairndb.tree.LeafPage;
import org.cairndb.tree.Overflow;
import org.cairndb.tree.Page;
import org.cairndb.tree.PageFormat;
import org.cairndb.tree.PageLoader;
import org.cairndb.tree.PageSink;
import org.cairndb.tree.Persistable;
import org.cairndb.util.Bytes;
import org.cairndb.util.MonotonicClock;

/**
 * One database's file, {@code data/<name>.cdb}: two header pages, then tree pages, overflow
 * values and the space map, all written copy-on-write.
 *
 * <h2>Why a crash or a concurrent copy cannot tear it</h2>
 * A checkpoint never writes over a page that the previous valid header can reach: new versions of
 * pages go to free pages only, the space map is written anew, everything is forced, and only then
 * does the new header go into the header slot the <em>older</em> of the two valid headers
 * occupied. A crash at any moment leaves at least one valid header whose whole tree is intact;
 * both header copies are checksummed, so a torn header write is detected and the other copy used.
 * Pages freed by a checkpoint are not reused until a later checkpoint, and then only after the
 * page-reuse delay and when no running backup or open snapshot may still read them, so a copy of
 * the file taken while writers run sees one consistent version (the one named by whichever
 * header it picks up).
 */
public final class DataFile implements PageLoader, PageSink, Closeable {

    /** File name suffix of data files. */
    public static final String SUFFIX = ".cdb";

    private final Path path;
    private final StorageFile file;
    private final int pageSize;
    private final int dbId;
    private final PageCache cache;
    private final AtomicLong dirtyBytes;
    private final AtomicLong pagesRead = new AtomicLong();
    private volatile DataFileHeader header;
    private SpaceMap space;
    private String headerNote;

    private DataFile(Path path, StorageFile file, DataFileHeader header, SpaceMap space, PageCache cache,
            AtomicLong dirtyBytes) {
        this.path = path;
        this.file = file;
        this.header = header;
        this.pageSize = header.pageSize();
        this.dbId = header.dbId();
        this.space = space;
        this.cache = cache;
        this.dirtyBytes = dirtyBytes;
    }

    /** Creates an empty data file (generation 1) and forces it and its directory entry. */
    public static DataFile create(FileIO io, Path path, UUID environmentId, int dbId, String name, int pageSize,
            long lsn, long nextTxnId, int nextDbId, PageCache cache, AtomicLong dirtyBytes) throws IOException {
        DataFileHeader h = newHeader(environmentId, dbId, name, pageSize, lsn, nextTxnId, nextDbId);
        StorageFile f = io.open(path, true, true);
        try {
            f.truncate(0);
            f.write(ByteBuffer.allocate(pageSize), 0);
            f.write(h.encode(), pageSize);
            f.force(true);
            io.syncDirectory(path.getParent());
        } catch (IOException e) {
            f.close();
            throw e;
        }
        return new DataFile(path, f, h, new SpaceMap(), cache, dirtyBytes);
    }

    /**
     * An empty database that exists only in memory, with the header {@link #create} would write at
     * {@code path}: what recovery replays a database creation into when the environment was opened
     * only to inspect it, which writes no file. Its pages stay in memory (they can never be read
     * back, nor checkpointed).
     */
    public static DataFile inMemory(Path path, UUID environmentId, int dbId, String name, int pageSize, long lsn,
            long nextTxnId, int nextDbId, PageCache cache, AtomicLong dirtyBytes) {
        DataFileHeader h = newHeader(environmentId, dbId, name, pageSize, lsn, nextTxnId, nextDbId);
        return new DataFile(path, null, h, new SpaceMap(), cache, dirtyBytes);
    }

    private static DataFileHeader newHeader(UUID environmentId, int dbId, String name, int pageSize, long lsn,
            long nextTxnId, int nextDbId) {
        return new DataFileHeader(pageSize, 1, environmentId, dbId, lsn, System.currentTimeMillis(), 0, 0, 2, 0, 0,
                nextTxnId, nextDbId, name, CommitPoint.UNKNOWN, 0);
    }

    /**
     * Opens a data file: the valid header copy with the higher generation, and its space map.
     * {@code environmentId}, if not null, must match.
     */
    public static DataFile open(FileIO io, Path path, UUID environmentId, boolean write, PageCache cache,
            AtomicLong dirtyBytes) throws IOException {
        StorageFile f = io.open(path, write, false);
        try {
            HeaderChoice choice = readHeaderChoice(f, path);
            DataFileHeader h = choice.header();
            if (environmentId != null && !environmentId.equals(h.environmentId())) {
                throw new CorruptionException(path, 24, "data file belongs to environment " + h.environmentId()
                        + ", not to this environment (" + environmentId + ")");
            }
            DataFile df = new DataFile(path, f, h, null, cache, dirtyBytes);
            df.headerNote = choice.note();
            df.space = h.spaceMapPage() == 0 ? new SpaceMap() : df.readSpaceMap(h);
            return df;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Reads both header copies and returns the valid one of higher generation. */
    public static DataFileHeader readHeader(StorageFile f, Path path) throws IOException {
        return readHeaderChoice(f, path).header();
    }

    /** The header chosen on open, and a note when one copy was unusable (null if both were fine). */
    public record HeaderChoice(DataFileHeader header, String note) {
    }

    /** Reads both header copies and returns the valid one of higher generation, saying if the other was bad. */
    public static HeaderChoice readHeaderChoice(StorageFile f, Path path) throws IOException {
        ByteBuffer first = ByteBuffer.allocate(DataFileHeader.SIZE);
        f.read(first, 0);
        DataFileHeader a = null;
        String whyA;
        try {
            a = DataFileHeader.decode(first);
            whyA = null;
        } catch (IllegalArgumentException e) {
            whyA = e.getMessage();
        }
        int pageSize = a != null ? a.pageSize() : 0;
        DataFileHeader b = null;
        String whyB = null;
        // The second copy sits one page in; the page size comes from the first copy, or is probed.
        for (int ps : pageSize != 0 ? new int[] {pageSize} : new int[] {8192, 16384, 32768, LARGEST_PAGE}) {
            ByteBuffer second = ByteBuffer.allocate(DataFileHeader.SIZE);
            f.read(second, ps);
            try {
                b = DataFileHeader.decode(second);
                if (b.pageSize() != ps) {
                    b = null;
                    whyB = "second header copy names the wrong page size";
                    continue;
                }
                whyB = null;
                break;
            } catch (IllegalArgumentException e) {
                whyB = e.getMessage();
            }
        }
        if (a == null && b == null) {
            throw new CorruptionException(path, 0, "no valid header (copy 1: " + whyA + "; copy 2: " + whyB
                    + "); restore the file from a backup and run catastrophic recovery (cairn recover -c)");
        }
        if (a == null || b == null) {
            DataFileHeader good = a != null ? a : b;
            // A new file has only the copy of generation 1; the other slot is blank by design.
            boolean expectedBlank = good.generation() == 1 && "header copy is blank".equals(a == null ? whyA : whyB);
            String note = expectedBlank ? null : path.getFileName() + ": header copy " + (a == null ? 1 : 2)
                    + " is unusable (" + (a == null ? whyA : whyB) + "); used copy " + (a == null ? 2 : 1) + " (generation "
                    + good.generation() + ") and replayed the log from its checkpoint";
            return new HeaderChoice(good, note);
        }
        return new HeaderChoice(a.generation() >= b.generation() ? a : b, null);
    }

    /** The largest page size, and so the farthest the second header copy can lie. */
    private static final int LARGEST_PAGE = 65536;

    /**
     * True if both header pages of the file hold nothing but zeros (or the file is shorter than them).
     * The page size is not known here (it is in the header), so as far as the header pages of the
     * largest one reach: with 16 KiB pages or larger, looking at 16 KiB took a file whose first copy
     * was zero (damaged) and whose second was valid for a blank one, and refused it.
     */
    public static boolean isBlank(StorageFile f) throws IOException {
        return zerosAtStart(f, 2 * LARGEST_PAGE);
    }

    /** True if the file's first {@code length} bytes (as many as it has) are zeros. */
    private static boolean zerosAtStart(StorageFile f, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        f.read(b, 0);
        for (int i = 0; i < b.position(); i++) {
            if (b.get(i) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * True if the file's creation did not finish: it is blank ({@link #isBlank}), or its first header
     * copy is blank, as a new file's is, and no valid second copy follows, as when a power loss tore
     * the one header write a creation makes. (Every later header write goes into the first slot
     * first, so a file that ever held a second header has a first one that is not blank.)
     */
    public static boolean isUnfinishedCreation(StorageFile f) throws IOException {
        if (isBlank(f)) {
            return true;
        }
        if (!zerosAtStart(f, DataFileHeader.SIZE)) {
            return false;
        }
        try {
            readHeaderChoice(f, f.path());
            return false;
        } catch (CorruptionException noValidCopy) {
            return true;
        }
    }

    /** What was unusual about this file's header when it was opened, or null. */
    public String headerNote() {
        return headerNote;
    }

    public Path path() {
        return path;
    }

    public DataFileHeader header() {
        return header;
    }

    public int pageSize() {
        return pageSize;
    }

    public int dbId() {
        return dbId;
    }

    public long pagesRead() {
        return pagesRead.get();
    }

    /** Size of the file in pages, and pages in use (including pending frees). */
    public synchronized long[] spaceUsage() {
        return new long[] {space.pageCount(), space.usedPages(), space.pendingExtents()};
    }

    /** The root page of the checkpointed tree, or null when the database was empty. */
    public Page loadRoot() {
        return header.rootPage() == 0 ? null : load(header.rootPage());
    }

    @Override
    public Page load(long pos) {
        long key = PageCache.key(dbId, pos);
        Page p = cache.get(key);
        if (p != null) {
            return p;
        }
        ByteBuffer buf = readPage(pos);
        byte type = PageFormat.type(buf);
        try {
            p = switch (type) {
                case PageFormat.LEAF -> PageFormat.decodeLeaf(buf, pos);
                case PageFormat.BRANCH -> PageFormat.decodeBranch(buf, pos);
                default -> throw new IllegalArgumentException("page " + pos + " is of type " + type + ", not a tree page");
            };
        } catch (RuntimeException e) {
            throw corrupt(pos, "undecodable page: " + e.getMessage());
        }
        cache.put(key, p);
        return p;
    }

    @Override
    public byte[] readOverflow(long pos, int length) {
        byte[] value = new byte[length];
        int per = PageFormat.maxPayload(pageSize);
        int pages = PageFormat.pagesFor(length, pageSize);
        for (int i = 0; i < pages; i++) {
            ByteBuffer buf = readPage(pos + i);
            if (PageFormat.type(buf) != PageFormat.OVERFLOW) {
                throw corrupt(pos + i, "expected an overflow page, found type " + PageFormat.type(buf));
            }
            int n = Math.min(per, length - i * per);
            if (PageFormat.payloadLength(buf) != n) {
                throw corrupt(pos + i, "overflow page holds " + PageFormat.payloadLength(buf) + " bytes, expected " + n);
            }
            buf.position(PageFormat.HEADER_SIZE);
            buf.get(value, i * per, n);
        }
        return value;
    }

    /** Reads and checks one page. */
    ByteBuffer readPage(long pos) {
        ByteBuffer buf = ByteBuffer.allocate(pageSize);
        if (file == null) {
            throw new StorageException(path, "page " + pos + " of a database replayed into memory only was never written", null);
        }
        try {
            file.readFully(buf, pos * pageSize);
        } catch (EOFException e) {
            throw corrupt(pos, "page lies beyond the end of the file (was the file truncated?)");
        } catch (IOException e) {
            throw new StorageException(path, "cannot read page " + pos + ": " + e.getMessage(), e);
        }
        pagesRead.incrementAndGet();
        String problem = PageFormat.check(buf, pos, dbId);
        if (problem != null) {
            throw corrupt(pos, problem);
        }
        return buf;
    }

    private CorruptionException corrupt(long pos, String problem) {
        return new CorruptionException(path, pos * pageSize, problem
                + "; restore the file from a backup and run catastrophic recovery (cairn recover -c)");
    }

    // ---- PageSink ----

    @Override
    public void free(long pos, Persistable what, long ts) {
        int pages = what instanceof Overflow o ? PageFormat.pagesFor(o.length(), pageSize) : 1;
        space.free(pos, pages, ts);
    }

    @Override
    public void dirtied(int bytes) {
        dirtyBytes.addAndGet(bytes);
    }

    @Override
    public void cleaned(int bytes) {
        dirtyBytes.addAndGet(-bytes);
    }

    // ---- checkpoint ----

    /** What the checkpoint of one file did. */
    public record CheckpointOutcome(long generation, int pagesWritten, long bytesWritten, long pagesFreed) {
    }

    /** {@link #checkpoint}'s {@code letGoBelow} in the middle of a replay that has moved past no key: no leaf is let go. */
    public static final byte[] NONE_BEHIND_THE_REPLAY = new byte[0];

    /**
     * Writes a version of the tree and makes it the file's current one. See the class comment for
     * why this cannot tear the file.
     *
     * @param root          the version's root (null: empty database)
     * @param versionTs     the version's timestamp: pages replaced at or before it are not in it
     * @param lastCommit    the last commit the version holds ({@link CommitPoint#UNKNOWN} in a
     *                      checkpoint in the middle of recovery's replay, whose version ends at no
     *                      particular commit)
     * @param otherChangeMillis the time of the latest record before {@code lsn} that changed the
     *                      environment other than by a commit (see {@code log.ChangeTimes}; 0: none)
     * @param minSnapshotTs no open snapshot is older than this
     * @param reuseBefore   only pages freed before this time (ms) may be reused
     * @param letGoBelow    which written leaves that hold values in recovery's slabs are let go
     *                      (the tree refers to such a leaf by its position from then on, and
     *                      whatever needs it again reads it back) instead of having their values
     *                      copied out of the slabs and being kept in the cache. Null outside
     *                      recovery's replay: every such leaf. In a checkpoint in the middle of the
     *                      replay, a key that the replay has moved past: the leaves whose keys all
     *                      sort before it ({@link #NONE_BEHIND_THE_REPLAY}: none). The copy put
     *                      every replayed value into a new array that the young collections then
     *                      copied again, a third of the collector's time in a catastrophic recovery
     *                      of keys written in order, which never needs those leaves again; and the
     *                      checkpoint after recovery copied all 170 MB of a 200 MB replay's values
     *                      into fresh memory, which this project's virtual machines give out at
     *                      some 3 ms a megabyte. In the replay the key is the smallest of its latest
     *                      batch, so a replay that spreads its writes over the whole tree (and would
     *                      read the leaves back) lets none go. Nothing else refers to a leaf let go
     *                      during the replay (no reader runs, and the replay copies the pages it
     *                      changes after a checkpoint begins); after it, a reader that already
     *                      holds the leaf goes on reading its values where they are. The root is
     *                      always kept (the version refers to it directly).
     */
    public synchronized CheckpointOutcome checkpoint(Page root, long recordCount, long versionTs, long lsn,
            long nextTxnId, int nextDbId, CommitPoint lastCommit, long otherChangeMillis, long minSnapshotTs,
            long reuseBefore,
            byte[] letGoBelow) throws IOException {
        if (file == null) {
            throw new IllegalStateException(path + ": a database replayed into memory only is never checkpointed");
        }
        DataFileHeader old = header;
        long generation = old.generation() + 1;
        if (unchangedSince(old, root, recordCount, versionTs)) {
            // Nothing to write but the header, which must still move on (its checkpoint LSN is where
            // recovery starts for this file, and archive listing and backups go by the lowest):
            // one write and one force, instead of a new space map, two forces and the old map's
            // pages to reuse later. An environment of many databases checkpoints each of them.
            DataFileHeader next = old.next(lsn, System.currentTimeMillis(), old.rootPage(), recordCount, old.pageCount(),
                    old.spaceMapPage(), old.spaceMapPages(), nextTxnId, nextDbId, lastCommit, otherChangeMillis);
            file.write(next.encode(), (generation % 2) * pageSize);
            file.force(false);
            header = next;
            return new CheckpointOutcome(generation, 0, 0, 0);
        }
        long freed = 0;
        for (long[] ext : space.release(old.generation(), minSnapshotTs, reuseBefore)) {
            for (long p = ext[0]; p < ext[0] + ext[1]; p++) {
                cache.remove(PageCache.key(dbId, p));
            }
            freed += ext[1];
        }
        space.collect(versionTs, generation);
        long oldPageCount = space.pageCount();
        PageBatch batch = new PageBatch(file, pageSize, letGoBelow);
        long rootPos = root == null ? 0 : save(root, generation, batch, false);
        if (old.spaceMapPage() != 0) {
            space.addPending(old.spaceMapPage(), old.spaceMapPages(), generation);
        }
        int mapPages = spaceMapPages(space.encodedSize(0), pageSize);
        long mapPos = space.allocate(mapPages);
        byte[] map = space.encode();
        if (PageFormat.pagesFor(map.length, pageSize) > mapPages) {
            throw new IllegalStateException("space map outgrew its pages");
        }
        writeExtent(map, mapPos, PageFormat.SPACE_MAP, generation, batch);
        batch.flush();
        boolean grew = space.pageCount() > oldPageCount;
        file.force(grew);
        DataFileHeader next = old.next(lsn, System.currentTimeMillis(), rootPos, recordCount, space.pageCount(), mapPos,
                mapPages, nextTxnId, nextDbId, lastCommit, otherChangeMillis);
        file.write(next.encode(), (generation % 2) * pageSize);
        file.force(false);
        header = next;
        space.stampCollected(generation, MonotonicClock.SYSTEM.millis()); // the clock of backup pins
        return new CheckpointOutcome(generation, batch.pages(), batch.bytes(), freed);
    }

    /**
     * Whether the version to checkpoint is the one the current header names, with nothing the
     * space map would record differently: the same root and record count, no replaced page to
     * collect, nothing allocated since. Pending pages then wait to be freed until the database
     * next changes (freeing them means writing a new map).
     */
    private boolean unchangedSince(DataFileHeader old, Page root, long recordCount, long versionTs) {
        boolean sameRoot = root == null ? old.rootPage() == 0 : root.isSaved() && root.pos() == old.rootPage();
        return sameRoot && recordCount == old.recordCount() && old.spaceMapPage() != 0
                && space.pageCount() == old.pageCount() && !space.hasCollectable(versionTs);
    }

    /**
     * Pages to allocate for a space map of {@code encodedSize} bytes. Allocating them may grow the
     * file by as many pages, and the map's bitmap by a bit for each, so they must hold that too,
     * however large the map (a fixed margin of 64 bytes failed for maps of more than 500 pages).
     */
    static int spaceMapPages(int encodedSize, int pageSize) {
        int pages = PageFormat.pagesFor(encodedSize, pageSize);
        while (PageFormat.pagesFor(encodedSize + pages / 8 + 2, pageSize) > pages) {
            pages++;
        }
        return pages;
    }

    /**
     * Writes {@code p} and every unsaved object below it, children first. Returns its page number.
     * Unless it is the root ({@code !mayLetGo}), a leaf that the batch lets go is not put in the
     * cache (see {@link #checkpoint}).
     */
    private long save(Page p, long generation, PageBatch batch, boolean mayLetGo) throws IOException {
        if (p.isSaved()) {
            return p.pos();
        }
        if (p instanceof BranchPage b) {
            for (int i = 0; i < b.count(); i++) {
                ChildRef ref = b.childRef(i);
                Page child = ref.unsaved();
                if (child != null) {
                    long childPos = save(child, generation, batch, true);
                    // Readers reach the child through this reference until its bytes are in the file.
                    batch.afterWrite(() -> ref.saved(childPos));
                }
            }
        } else {
            LeafPage leaf = (LeafPage) p;
            for (int i = 0; i < leaf.count(); i++) {
                Overflow o = leaf.overflow(i);
                if (o != null && !o.isSaved()) {
                    byte[] data = o.dataForWrite();
                    long pos = space.allocate(PageFormat.pagesFor(data.length, pageSize));
                    writeExtent(data, pos, PageFormat.OVERFLOW, generation, batch);
                    o.markSaved(pos, this);
                    batch.afterWrite(o::dropData);
                }
            }
        }
        // The children are placed first; this page follows them, encoded straight into the batch.
        long pos = space.allocate(1);
        ByteBuffer buf = batch.page(pos);
        int payload;
        byte type;
        boolean keep = true;
        if (p instanceof BranchPage b) {
            payload = PageFormat.encodeBranch(b, buf);
            type = PageFormat.BRANCH;
        } else {
            LeafPage leaf = (LeafPage) p;
            payload = PageFormat.encodeLeaf(leaf, buf);
            type = PageFormat.LEAF;
            if (mayLetGo && batch.letsGo(leaf)) {
                keep = false;
            } else {
                leaf.ownSlabValues(); // once on disk, a leaf must not keep recovery's slabs alive (see LeafPage)
            }
        }
        PageFormat.seal(buf, type, p.count(), pos, dbId, payload, generation);
        p.markSaved(pos, this);
        if (keep) {
            batch.afterWrite(() -> cache.put(PageCache.key(dbId, pos), p));
        }
        return pos;
    }

    private void writeExtent(byte[] data, long pos, byte type, long generation, PageBatch batch) throws IOException {
        int per = PageFormat.maxPayload(pageSize);
        int pages = PageFormat.pagesFor(data.length, pageSize);
        for (int i = 0; i < pages; i++) {
            ByteBuffer buf = batch.page(pos + i);
            int n = Math.max(0, Math.min(per, data.length - i * per));
            buf.position(PageFormat.HEADER_SIZE);
            buf.put(data, i * per, n);
            PageFormat.seal(buf, type, 0, pos + i, dbId, n, generation);
        }
    }

    private SpaceMap readSpaceMap(DataFileHeader h) {
        int pages = h.spaceMapPages();
        ByteBuffer all = ByteBuffer.allocate(pages * PageFormat.maxPayload(pageSize));
        for (int i = 0; i < pages; i++) {
            ByteBuffer buf = readPage(h.spaceMapPage() + i);
            if (PageFormat.type(buf) != PageFormat.SPACE_MAP) {
                throw corrupt(h.spaceMapPage() + i, "expected a space map page, found type " + PageFormat.type(buf));
            }
            buf.limit(PageFormat.HEADER_SIZE + PageFormat.payloadLength(buf)).position(PageFormat.HEADER_SIZE);
            all.put(buf);
        }
        all.flip();
        try {
            return SpaceMap.decode(all, h.checkpointMillis());
        } catch (RuntimeException e) {
            throw corrupt(h.spaceMapPage(), "unreadable space map: " + e.getMessage());
        }
    }

    /** Pages this file's space map lists as in use; for {@code cairn verify}. */
    public synchronized java.util.BitSet allocatedPages() {
        java.util.BitSet b = new java.util.BitSet();
        byte[] enc = space.encode();
        ByteBuffer buf = ByteBuffer.wrap(enc);
        long count = buf.getLong();
        int n = buf.getInt();
        buf.position(buf.position() + 20 * n);
        byte[] bits = new byte[(int) ((count + 7) / 8)];
        buf.get(bits);
        b.or(java.util.BitSet.valueOf(bits));
        return b;
    }

    @Override
    public void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }

    /**
     * Collects page writes and issues one write per run of consecutive pages. Pages are encoded
     * straight into the batch's buffer ({@link #page}), so a checkpoint allocates no buffer per page.
     */
    private static final class PageBatch {
        private static final int MAX = 1 << 20;
        private final StorageFile file;
        private final int pageSize;
        private final ByteBuffer run;
        private long runStart = -1;
        private int pages;
        private long bytes;
        private final List<Runnable> afterWrite = new java.util.ArrayList<>();
        /** See {@link DataFile#checkpoint}: null except in a checkpoint in the middle of recovery's replay. */
        private final byte[] letGoBelow;

        PageBatch(StorageFile file, int pageSize, byte[] letGoBelow) {
            this.file = file;
            this.pageSize = pageSize;
            this.letGoBelow = letGoBelow;
            this.run = ByteBuffer.allocate(Math.max(MAX, pageSize));
        }

        /** Whether a written leaf (not the root) is let go instead of kept (see {@link DataFile#checkpoint}). */
        boolean letsGo(LeafPage leaf) {
            if (!leaf.holdsSlabValues()) {
                return false;
            }
            return letGoBelow == null
                    || leaf.count() > 0 && Bytes.compare(leaf.key(leaf.count() - 1), letGoBelow) < 0;
        }

        /**
         * The window of the batch's buffer that page {@code pos} is to be encoded into, zeroed
         * (a page's bytes after its payload are zero); the pages before it are written first
         * unless {@code pos} continues their run.
         */
        ByteBuffer page(long pos) throws IOException {
            long expected = runStart + run.position() / pageSize;
            if (runStart >= 0 && (pos != expected || run.remaining() < pageSize)) {
                flush();
            }
            if (runStart < 0) {
                runStart = pos;
            }
            int at = run.position();
            java.util.Arrays.fill(run.array(), at, at + pageSize, (byte) 0);
            run.position(at + pageSize);
            pages++;
            bytes += pageSize;
            return run.slice(at, pageSize);
        }

        /**
         * Runs {@code action} once the pages added so far are in the file. Until then a page's
         * position must not be the only way to reach it: a reader would find nothing there.
         */
        void afterWrite(Runnable action) {
            afterWrite.add(action);
        }

        void flush() throws IOException {
            if (runStart >= 0) {
                run.flip();
                file.write(run, runStart * pageSize);
                run.clear();
                runStart = -1;
            }
            for (Runnable r : afterWrite) {
                r.run();
            }
            afterWrite.clear();
        }

        int pages() {
            return pages;
        }

        long bytes() {
            return bytes;
        }
    }

}
