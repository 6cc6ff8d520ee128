package org.cairndb.tools;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.CairnException;
import org.cairndb.CorruptionException;
import org.cairndb.Database;
import org.cairndb.StorageException;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StorageFile;
import org.cairndb.log.LogRecord;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.cairndb.storage.DataFile;
import org.cairndb.storage.DataFileHeader;
import org.cairndb.storage.PageCache;
import org.cairndb.tree.BranchPage;
import org.cairndb.tree.LeafPage;
import org.cairndb.tree.Overflow;
import org.cairndb.tree.Page;
import org.cairndb.tree.PageFormat;
import org.cairndb.util.Bytes;

/**
 * Checks an environment's files without trusting any of them, the way {@code db_verify} does,
 * and reports every problem it finds with the file and offset.
 *
 * <p>For each data file it walks the tree from the root its header names: every page's checksum,
 * number and database id (loading a page checks them); keys strictly ascending inside each page
 * and within the range its parent's separators allow; every leaf at the same depth; no page
 * reachable twice; every reachable page (tree, overflow, space map) inside the file and marked in
 * use in the space map; every overflow value readable; the record count equal to the header's.
 * Then it scans every log segment from the first: header, chain continuity, every record's CRC
 * and decoding, and that the log still reaches back to where each data file's checkpoint says
 * recovery must start.
 *
 * <p>It only reads. It opens data files read-only and does not take the environment's lock, so
 * it runs on a closed environment (the usual case), on a backup copy, and also beside a running
 * process; it then checks the version each file's newest checkpoint header names. That version
 * stays intact on disk for at least the page-reuse delay ({@code cairn.page.reuse.delay}, 30 s by
 * default) after a newer checkpoint replaces it, so a verify of a busy environment that takes
 * longer may report pages that changed under it: run it again, or verify a hot backup.
 */
public final class Verifier {

    /** Pages of one file held in memory while walking it; pages are visited once, so little is needed. */
    private static final long CACHE_BYTES = 8L << 20;
    /**
     * Deepest tree the walk follows (it recurses a level per page). A cycle is caught anyway, as a
     * page reached twice, so this only keeps the walk's stack bounded. It was 64, and a sound tree
     * of keys of the largest size can be deeper: at 8 KiB pages their branches hold two children,
     * and some insertion orders add a level per key (see {@code tree.TreeWriter#split}).
     */
    private static final int MAX_DEPTH = 1024;

    /** A problem: what is wrong, in which file, at which byte offset. */
    public record Problem(Path file, long offset, String message) {
        @Override
        public String toString() {
            return file + " offset " + offset + ": " + message;
        }
    }

    /** What was found in one database's file. */
    public record DatabaseSummary(String name, Path file, long records, long treePages, int depth, long overflowValues,
            long pagesInFile, long unreachableAllocatedPages) {
    }

    /** What was found in the log. */
    public record LogSummary(int segments, long records, String endLsn) {
    }

    /** The outcome: problems (if any), warnings that need no action, and what was checked. */
    public record Report(List<Problem> problems, List<String> warnings, List<DatabaseSummary> databases, LogSummary log) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final FileIO io;
    private final EnvironmentHome home;
    private final List<Problem> problems = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private final List<DatabaseSummary> summaries = new ArrayList<>();
    private final Map<Integer, Path> dbIds = new HashMap<>();
    private final Map<Path, Long> checkpointLsns = new HashMap<>();
    private UUID environmentId;
    private Path environmentIdSource;

    /** Reports every few seconds ({@link #progressClock}), and at the end of each phase; null for none. */
    private java.util.function.Consumer<VerifyProgress> progress;
    private final long startMillis = System.currentTimeMillis();
    private org.cairndb.util.ProgressClock progressClock;
    private int phaseFiles;
    private long phaseBytes;

    public Verifier(Path home) {
        this(NioFileIO.INSTANCE, home);
    }

    public Verifier(FileIO io, Path home) {
        this.io = org.cairndb.io.NamingFileIO.of(io); // a failing read names its file
        this.home = EnvironmentHome.detect(home); // a flat backup holds data files and segments side by side
    }

    /**
     * Has {@code listener} told where the verification stands: every few seconds while it reads,
     * and at the end of the data files and of the log (files checked, bytes read, time), so that an
     * admin watching a verify of a large environment (through the adapter's MBean) sees it move.
     */
    public Verifier progress(java.util.function.Consumer<VerifyProgress> listener) {
        return progress(listener, 3000);
    }

    /** As {@link #progress(java.util.function.Consumer)}, reporting at most every {@code millis} (3,000 by default). */
    public Verifier progress(java.util.function.Consumer<VerifyProgress> listener, long millis) {
        this.progress = listener;
        this.progressClock = new org.cairndb.util.ProgressClock(millis, startMillis);
        return this;
    }

    private void read(long bytes, String phase) {
        phaseBytes += bytes;
        report(phase, false);
    }

    private void report(String phase, boolean always) {
        if (progress == null) {
            return;
        }
        if (progressClock.due(always)) {
            progress.accept(new VerifyProgress(phase, phaseFiles, phaseBytes, progressClock.elapsedMillis()));
        }
    }

    private void endPhase(String phase) {
        report(phase, true);
        phaseFiles = 0;
        phaseBytes = 0;
    }

    /**
     * Verifies the named databases, or, when {@code databases} is empty, every data file and the
     * whole log. A Verifier is for one call.
     */
    public Report verify(List<String> databases) throws IOException {
        boolean everything = databases == null || databases.isEmpty();
        if (everything) {
            for (String fileName : io.list(home.dataDir())) {
                String name = EnvironmentHome.databaseName(fileName);
                if (name != null) {
                    verifyDataFile(name, home.dataDir().resolve(fileName));
                }
            }
        } else {
            // Each name once: a database named twice (cairn verify -h H db db) would otherwise be read
            // twice and reported as a second file using its own database id.
            for (String name : new java.util.LinkedHashSet<>(databases)) {
                Path path = home.dataFile(name);
                if (!Files.isRegularFile(path)) {
                    // Verify reads files only, not the catalog in the log, so it cannot tell a lost data
                    // file from a mistyped name: the names that do have one help with the second.
                    List<String> present = new java.util.ArrayList<>();
                    for (String fileName : io.list(home.dataDir())) {
                        String n = EnvironmentHome.databaseName(fileName);
                        if (n != null) {
                            present.add(n);
                        }
                    }
                    java.util.Collections.sort(present);
                    problems.add(new Problem(path, 0, "database '" + name + "' has no data file (the data files here are "
                            + (present.isEmpty() ? "none" : "of " + String.join(", ", present)) + ")"));
                } else {
                    verifyDataFile(name, path);
                }
            }
        }
        endPhase("data files");
        LogSummary log = null;
        if (everything) {
            log = verifyLog();
            endPhase("log");
        }
        return new Report(List.copyOf(problems), List.copyOf(warnings), List.copyOf(summaries), log);
    }

    // ---- data files ----

    private void verifyDataFile(String name, Path path) {
        DataFile df;
        try {
            df = DataFile.open(io, path, null, false, new PageCache(CACHE_BYTES, () -> 0), new AtomicLong());
        } catch (CorruptionException e) {
            problems.add(fromCorruption(e));
            return;
        } catch (IOException | CairnException | IllegalArgumentException e) {
            problems.add(new Problem(path, 0, "cannot open: " + e.getMessage()));
            return;
        }
        try {
            DataFileHeader h = df.header();
            checkHeader(name, path, h);
            checkHeaderCopies(path, h);
            TreeWalk walk = new TreeWalk(df, path, h);
            walk.run();
            phaseFiles++;
            report("data files", false);
            long unreachable = walk.unreachableAllocated();
            if (unreachable > 0) {
                warnings.add(path + ": " + org.cairndb.util.Counted.of(unreachable, "page")
                        + (unreachable == 1 ? " is" : " are") + " marked in use but not reachable from the root"
                        + " (pages freed by recent checkpoints, waiting for the page-reuse delay)");
            }
            summaries.add(new DatabaseSummary(name, path, walk.records, walk.treePages, walk.leafDepth + 1,
                    walk.overflowValues, h.pageCount(), unreachable));
        } finally {
            try {
                df.close();
            } catch (IOException e) {
                warnings.add(path + ": closing it failed: " + e.getMessage());
            }
        }
    }

    private void checkHeader(String name, Path path, DataFileHeader h) {
        if (!h.name().equals(name)) {
            problems.add(new Problem(path, 118, "header names database '" + h.name() + "', not '" + name
                    + "' (renamed by hand?)"));
        }
        Path other = dbIds.putIfAbsent(h.dbId(), path);
        if (other != null) {
            problems.add(new Problem(path, 40, "database id " + h.dbId() + " is also used by " + other));
        }
        if (environmentId == null) {
            environmentId = h.environmentId();
            environmentIdSource = path;
        } else if (!environmentId.equals(h.environmentId())) {
            problems.add(new Problem(path, 24, "belongs to environment " + h.environmentId() + ", but "
                    + environmentIdSource + " belongs to " + environmentId));
        }
        checkpointLsns.put(path, h.checkpointLsn());
    }

    /** A damaged second header copy is harmless (the other one is used) but worth a warning. */
    private void checkHeaderCopies(Path path, DataFileHeader current) {
        try (StorageFile f = io.open(path, false, false)) {
            for (int copy = 0; copy < 2; copy++) {
                ByteBuffer b = ByteBuffer.allocate(DataFileHeader.SIZE);
                f.read(b, (long) copy * current.pageSize());
                try {
                    DataFileHeader.decode(b);
                } catch (IllegalArgumentException e) {
                    if (!e.getMessage().contains("blank")) {
                        warnings.add(path + " offset " + (long) copy * current.pageSize() + ": header copy " + (copy + 1)
                                + " is not valid (" + e.getMessage() + "); the other copy (generation "
                                + current.generation() + ") is in use and the next checkpoint rewrites this one");
                    }
                }
            }
        } catch (IOException e) {
            problems.add(new Problem(path, 0, "cannot read the header copies: " + e.getMessage()));
        }
    }

    private static Problem fromCorruption(CorruptionException e) {
        String m = e.getMessage();
        String marker = "corrupt at offset " + e.offset() + ": ";
        int i = m.indexOf(marker);
        return new Problem(e.file(), e.offset(), i >= 0 ? m.substring(i + marker.length()) : m);
    }

    /** One walk of one file's tree. */
    private final class TreeWalk {
        private final DataFile df;
        private final Path path;
        private final DataFileHeader header;
        private final int pageSize;
        private final BitSet allocated;
        private final BitSet reached = new BitSet();
        private long records;
        private long treePages;
        private long overflowValues;
        private int leafDepth = -1;

        TreeWalk(DataFile df, Path path, DataFileHeader header) {
            this.df = df;
            this.path = path;
            this.header = header;
            this.pageSize = header.pageSize();
            this.allocated = df.allocatedPages();
        }

        void run() {
            reached.set(0, 2);
            if (header.spaceMapPage() != 0) {
                claim(header.spaceMapPage(), header.spaceMapPages(), "space map of the header");
            }
            if (header.rootPage() != 0) {
                visit(header.rootPage(), null, null, 0, "root of the header");
            }
            if (records != header.recordCount()) {
                problems.add(new Problem(path, 72, "header says " + header.recordCount() + " records but the tree holds "
                        + records));
            }
        }

        long unreachableAllocated() {
            BitSet b = (BitSet) allocated.clone();
            b.andNot(reached);
            return b.cardinality();
        }

        /**
         * Visits the page at {@code pos}, whose keys must lie in {@code [low, high)} (null: open),
         * at {@code depth} below the root; {@code from} says who points at it, for messages.
         */
        private void visit(long pos, byte[] low, byte[] high, int depth, String from) {
            if (depth >= MAX_DEPTH) {
                problem(pos, "the tree is deeper than " + MAX_DEPTH + " levels below " + from);
                return;
            }
            if (!claim(pos, 1, from)) {
                return;
            }
            treePages++;
            Page page;
            try {
                page = df.load(pos);
                read(pageSize, "data files");
            } catch (CorruptionException e) {
                problems.add(fromCorruption(e));
                return;
            } catch (CairnException e) {
                problem(pos, "cannot read page " + pos + ": " + e.getMessage());
                return;
            }
            if (page instanceof LeafPage leaf) {
                checkLeaf(pos, leaf, low, high, depth);
            } else {
                checkBranch(pos, (BranchPage) page, low, high, depth);
            }
        }

        private void checkLeaf(long pos, LeafPage leaf, byte[] low, byte[] high, int depth) {
            if (leafDepth < 0) {
                leafDepth = depth;
            } else if (depth != leafDepth) {
                problem(pos, "leaf page " + pos + " is at depth " + depth + " but other leaves are at depth " + leafDepth
                        + " (unbalanced tree)");
            }
            if (leaf.count() == 0) {
                problem(pos, "leaf page " + pos + " is empty");
            }
            byte[] previous = null;
            for (int i = 0; i < leaf.count(); i++) {
                byte[] k = leaf.key(i);
                String where = "leaf page " + pos + " entry " + i + " (key " + Bytes.describe(k) + ")";
                checkKeySize(pos, k, where);
                if (previous != null && Bytes.compare(previous, k) >= 0) {
                    problem(pos, where + " does not sort after the key before it, " + Bytes.describe(previous));
                }
                checkInRange(pos, k, low, high, where);
                previous = k;
                Overflow o = leaf.overflow(i);
                if (o != null) {
                    checkOverflow(pos, o, where);
                } else if (leaf.inlineLength(i) > Database.MAX_VALUE_SIZE) {
                    problem(pos, where + " has an inline value larger than " + Database.MAX_VALUE_SIZE + " bytes");
                }
                records++;
            }
        }

        private void checkOverflow(long pos, Overflow o, String where) {
            overflowValues++;
            if (o.length() > Database.MAX_VALUE_SIZE) {
                problem(pos, where + " has an overflow value of " + o.length() + " bytes, more than the maximum of "
                        + Database.MAX_VALUE_SIZE);
                return;
            }
            int pages = PageFormat.pagesFor(o.length(), pageSize);
            if (!claim(o.pos(), pages, "the overflow value of " + where)) {
                return;
            }
            try {
                df.readOverflow(o.pos(), o.length());
            } catch (CorruptionException e) {
                problems.add(fromCorruption(e));
            } catch (CairnException e) {
                problem(o.pos(), "cannot read the overflow value of " + where + ": " + e.getMessage());
            }
        }

        private void checkBranch(long pos, BranchPage branch, byte[] low, byte[] high, int depth) {
            int n = branch.count();
            if (n == 0) {
                problem(pos, "branch page " + pos + " has no children");
                return;
            }
            for (int i = 0; i + 1 < n; i++) {
                byte[] sep = branch.key(i);
                String where = "branch page " + pos + " separator " + i + " (key " + Bytes.describe(sep) + ")";
                checkKeySize(pos, sep, where);
                if (i > 0 && Bytes.compare(branch.key(i - 1), sep) >= 0) {
                    problem(pos, where + " does not sort after the separator before it");
                }
                checkInRange(pos, sep, low, high, where);
            }
            for (int i = 0; i < n; i++) {
                byte[] childLow = i == 0 ? low : branch.key(i - 1);
                byte[] childHigh = i == n - 1 ? high : branch.key(i);
                visit(branch.childRef(i).pos(), childLow, childHigh, depth + 1, "child " + i + " of branch page " + pos);
            }
        }

        private void checkKeySize(long pos, byte[] k, String where) {
            if (k.length == 0 || k.length > Database.MAX_KEY_SIZE) {
                problem(pos, where + " has an impossible key length " + k.length);
            }
        }

        private void checkInRange(long pos, byte[] k, byte[] low, byte[] high, String where) {
            if (low != null && Bytes.compare(k, low) < 0) {
                problem(pos, where + " sorts before " + Bytes.describe(low) + ", the separator that leads to this page");
            }
            if (high != null && Bytes.compare(k, high) >= 0) {
                problem(pos, where + " does not sort before " + Bytes.describe(high)
                        + ", the separator after the one that leads to this page");
            }
        }

        /**
         * Marks {@code pages} pages from {@code pos} as reached. Returns false (after reporting) if
         * they lie outside the file, were reached before, or the space map says they are free.
         */
        private boolean claim(long pos, int pages, String from) {
            if (pos < 2 || pos + pages > header.pageCount()) {
                problem(Math.max(pos, 0), from + " points at page " + pos + (pages > 1 ? " (" + pages + " pages)" : "")
                        + ", outside the file's pages 2.." + (header.pageCount() - 1));
                return false;
            }
            boolean ok = true;
            for (long p = pos; p < pos + pages; p++) {
                if (reached.get((int) p)) {
                    problem(p, "page " + p + " is reachable twice (again from " + from + ")");
                    ok = false;
                } else if (!allocated.get((int) p)) {
                    problem(p, "page " + p + " is in use (from " + from + ") but free in the space map");
                }
            }
            if (ok) {
                reached.set((int) pos, (int) (pos + pages));
            }
            return ok;
        }

        private void problem(long page, String message) {
            problems.add(new Problem(path, page * pageSize, message));
        }
    }

    // ---- the log ----

    private LogSummary verifyLog() throws IOException {
        Path logDir = home.logDir();
        LogScanner.Result result;
        try {
            result = scanLog(logDir, Lsn.NULL);
        } catch (CorruptionException e) {
            long recoveryStart = recoveryStart();
            long damage = lsnOf(e);
            if (damage == Lsn.NULL || damage >= recoveryStart) {
                problems.add(fromCorruption(e));
                return null;
            }
            // Damage in the log before where the data files' recovery starts: normal recovery never
            // reads it (saying that it "cannot go on" sent admins to restore what they did not need),
            // but a restore from an older backup, whose replay starts earlier, does. Then the part
            // that recovery does read is checked on its own.
            Problem p = fromCorruption(e);
            problems.add(new Problem(p.file(), p.offset(), LogScanner.withoutAdvice(p.message()) + "; this lies before LSN " + Lsn.toString(recoveryStart) + ", where normal recovery of the data"
                    + " files starts, so opening the environment does not read it, but a catastrophic recovery from an"
                    + " older backup would: put back a good copy of this segment from the archive or a backup, or take"
                    + " a new backup (cairn hotbackup) so that no restore needs it"));
            try {
                result = scanLog(logDir, recoveryStart);
            } catch (CorruptionException again) {
                problems.add(fromCorruption(again));
                return null;
            } catch (StorageException again) {
                problems.add(new Problem(again.file(), 0, stripFile(again)));
                return null;
            }
        } catch (StorageException e) {
            problems.add(new Problem(e.file(), 0, stripFile(e)));
            return null;
        }
        if (result == null) {
            if (!checkpointLsns.isEmpty()) {
                problems.add(new Problem(logDir, 0, "the log has no segments, but the data files need it"));
            }
            return new LogSummary(0, 0, Lsn.toString(Lsn.NULL));
        }
        if (result.tail() != null) {
            LogScanner.Tail t = result.tail();
            warnings.add(t.file() + " offset " + Lsn.offset(t.lsn()) + ": the log ends with " + t.bytes()
                    + " bytes of an unfinished write (" + t.problem() + "), as after a crash; recovery cuts them off");
        }
        for (long seg : result.unusedSegments()) {
            warnings.add(logDir.resolve(SegmentFiles.name(seg)) + ": a segment created but never begun; recovery removes it");
        }
        List<Long> segments = SegmentFiles.list(io, logDir);
        long firstSegment = segments.isEmpty() ? 0 : segments.get(0);
        for (Map.Entry<Path, Long> e : checkpointLsns.entrySet()) {
            long need = e.getValue();
            if (need == Lsn.NULL) {
                continue;
            }
            if (Lsn.segment(need) < firstSegment) {
                problems.add(new Problem(e.getKey(), 48, "recovery of this file starts at LSN " + Lsn.toString(need)
                        + " but segment " + SegmentFiles.name(Lsn.segment(need)) + " is no longer in " + logDir));
            } else if (need > result.endLsn()) {
                problems.add(new Problem(e.getKey(), 48, "recovery of this file starts at LSN " + Lsn.toString(need)
                        + ", beyond the end of the log at " + Lsn.toString(result.endLsn())
                        + " (log records that had been forced are missing)"));
            }
        }
        return new LogSummary(result.segmentsScanned(), result.recordsScanned(), Lsn.toString(result.endLsn()));
    }

    /** Scans the log from {@code from}, noting records that have a valid checksum but cannot be decoded. */
    private LogScanner.Result scanLog(Path logDir, long from) throws IOException {
        // Large records are read in pieces and their values skipped: a transaction of several 16 MiB
        // values is checked (every byte of its checksum, the layout of its writes) in a piece of memory.
        long[] segment = {-1};
        return new LogScanner(io, logDir).readingLargeRecordsInPieces().scan(from, environmentId, frame -> {
            if (Lsn.segment(frame.lsn()) != segment[0]) { // a segment is counted once its first record is read
                phaseFiles++;
                segment[0] = Lsn.segment(frame.lsn());
            }
            read(frame.size(), "log");
            try {
                LogRecord.decode(frame, org.cairndb.log.Op.SKIP_VALUES);
            } catch (java.io.UncheckedIOException e) {
                throw e.getCause(); // reading the segment failed: no fault of the record
            } catch (RuntimeException e) {
                problems.add(new Problem(logDir.resolve(SegmentFiles.name(Lsn.segment(frame.lsn()))),
                        Lsn.offset(frame.lsn()), "record of type " + frame.type() + " at LSN "
                        + Lsn.toString(frame.lsn()) + " has a valid checksum but cannot be decoded: " + e.getMessage()));
            }
        });
    }

    /** Where normal recovery starts: the oldest checkpoint LSN among the data files (NULL: none, the whole log). */
    private long recoveryStart() {
        long start = Long.MAX_VALUE;
        for (long lsn : checkpointLsns.values()) {
            if (lsn != Lsn.NULL) {
                start = Math.min(start, lsn);
            }
        }
        return start == Long.MAX_VALUE ? Lsn.NULL : start;
    }

    /** The LSN of damage reported in a log segment, or NULL if the file is not a segment. */
    private static long lsnOf(CorruptionException e) {
        long segment = e.file() == null ? 0 : SegmentFiles.number(e.file().getFileName().toString());
        return segment > 0 ? Lsn.of(segment, e.offset()) : Lsn.NULL;
    }

    private static String stripFile(StorageException e) {
        String m = e.getMessage();
        String prefix = e.file() + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }
}
