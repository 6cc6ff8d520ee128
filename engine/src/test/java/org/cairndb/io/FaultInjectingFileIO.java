package org.cairndb.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * A {@link FileIO} for tests that sits on a real one and simulates what a power loss, a full disk
 * or a failing device does to the files beneath the engine.
 *
 * <h2>The model</h2>
 * <ul>
 * <li><b>File contents.</b> Every write and truncation is applied to the real file at once (so the
 * engine reads back what it wrote, as from the operating system's page cache) and remembered, with
 * the bytes it replaced, until a {@code force} of that file makes it durable. A force of any handle
 * makes every earlier change to the file durable (as {@code fsync} does for the inode).</li>
 * <li><b>Directories.</b> Creating, renaming and deleting files changes the directory at once, but
 * only {@link #syncDirectory} makes those changes durable. Until then a power loss undoes them: a
 * new file disappears, a rename is reverted, a deleted file comes back with the contents it had at
 * its last force. (Deleted files that may come back are parked in the scratch directory.) Directories
 * themselves are taken as durable.</li>
 * <li><b>{@link #crash}</b> simulates the power loss, atomically with respect to every other
 * operation: every change not covered by a force is undone, file sizes included, and every
 * directory is put back to its last synced state. Optionally one unforced write is <em>torn</em>:
 * only a prefix of it, or some of its 512-byte sectors, reaches the disk; and optionally each
 * unforced write independently survives whole (the operating system writes dirty pages back in no
 * particular order). Randomness comes from the seed given to the constructor. Afterwards every
 * operation through this instance, and through every handle opened from it, fails: the machine is
 * gone. Open the environment again with a new file layer.</li>
 * <li><b>A full disk.</b> {@link #spaceLimit} gives a budget of bytes by which files may grow (a
 * write into space already allocated needs none, as on a real file system); {@link #writeLimit} a
 * budget of bytes written at all. A write that exceeds a budget writes what fits and then throws
 * {@code IOException("No space left on device")}. Space is never given back.</li>
 * <li><b>A failing device.</b> {@link #failForce} makes the n-th force (of files whose path matches
 * a filter; {@code syncDirectory} counts as a force of the directory) throw, {@link #failWrite} the
 * n-th write. A failed force makes nothing durable.</li>
 * <li><b>Crash triggers.</b> {@link #crashOnWrite} crashes right after the n-th matching write has
 * reached the page cache, optionally tearing exactly that write; {@link #crashOnForce} crashes
 * instead of the n-th matching force; {@link #crashAfterOperations} crashes at the n-th write,
 * force or truncation of any file. The operation that triggers a crash throws.</li>
 * <li><b>Sweeps.</b> {@link #operations} counts every operation by {@link Operation kind} (writes,
 * forces, truncations, directory syncs, renames, deletions, file creations), so that a test can run
 * a scenario once to count them and then again with {@link #failOperation} failing each in turn.
 * {@link #openHandles} tells which files are still open through this layer.</li>
 * </ul>
 */
public final class FaultInjectingFileIO implements FileIO {

    /** Size of a disk sector: the unit in which a torn write reaches the disk in {@link Tear#SECTORS} mode. */
    public static final int SECTOR = 512;

    /** How the torn write (if any) reaches the disk. */
    public enum Tear {
        /** No write is torn. */
        NONE,
        /** A strict prefix of the write, of random length (possibly empty), reaches the disk. */
        PREFIX,
        /** A random, non-empty, strict subset of the write's 512-byte sectors (aligned to the file) reaches the disk. */
        SECTORS,
        /** PREFIX or SECTORS, chosen at random. */
        ANY
    }

    /**
     * The kinds of operation {@link #operations} counts and {@link #failOperation} can fail. The
     * first four are those {@link #crashAfterOperations} counts. {@link #READ} (a read of a file's
     * bytes) is in none of the sets below: a sweep of changes fails only the operations that change
     * something, a sweep of reads asks for it by name.
     */
    public enum Operation {
        WRITE("write"), FORCE("force"), TRUNCATE("truncation"), SYNC_DIRECTORY("directory sync"), RENAME("rename"),
        DELETE("deletion"), CREATE("creation"), READ("read");

        private final String noun;

        Operation(String noun) {
            this.noun = noun;
        }

        /** The kinds {@link #crashAfterOperations} counts. */
        public static final java.util.Set<Operation> CRASH_POINTS = java.util.EnumSet.of(WRITE, FORCE, TRUNCATE, SYNC_DIRECTORY);

        /** Every kind that changes a file or a directory (all but {@link #READ}). */
        public static final java.util.Set<Operation> CHANGES = java.util.EnumSet.complementOf(java.util.EnumSet.of(READ));
    }

    /** What a crash does beyond losing every unforced change. */
    public static final class CrashOptions {
        private Tear tear = Tear.NONE;
        private Predicate<Path> tearFilter = p -> true;
        private double keepProbability;
        private double keepDirectoryProbability;

        public static CrashOptions lossOnly() {
            return new CrashOptions();
        }

        /** Tear one unforced write, chosen at random among those to files matching {@code filter}. */
        public static CrashOptions tear(Tear mode, Predicate<Path> filter) {
            CrashOptions o = new CrashOptions();
            o.tear = mode;
            o.tearFilter = filter;
            return o;
        }

        public CrashOptions tear(Tear mode) {
            this.tear = mode;
            return this;
        }

        /** Each unforced write (other than the torn one) survives whole with this probability. */
        public CrashOptions keepProbability(double p) {
            if (p < 0 || p > 1) {
                throw new IllegalArgumentException("probability " + p);
            }
            this.keepProbability = p;
            return this;
        }

        /**
         * Each directory's unsynced changes (creations, renames, deletions) all reach the disk with
         * this probability, as when a file system's journal committed them on its own; the files
         * keep the contents of their last force.
         */
        public CrashOptions keepDirectoryChanges(double p) {
            if (p < 0 || p > 1) {
                throw new IllegalArgumentException("probability " + p);
            }
            this.keepDirectoryProbability = p;
            return this;
        }

        @Override
        public String toString() {
            return "tear=" + tear + ", keep=" + keepProbability
                    + (keepDirectoryProbability > 0 ? ", keepDirs=" + keepDirectoryProbability : "");
        }
    }

    /**
     * A write that reached the disk only in part: {@code persisted} lists the [from, to) file ranges
     * that did; {@code bytes} is what the whole write would have put there.
     */
    public record TornWrite(Path file, long position, int length, Tear mode, List<long[]> persisted, byte[] bytes) {
        public long bytesPersisted() {
            long n = 0;
            for (long[] r : persisted) {
                n += r[1] - r[0];
            }
            return n;
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            sb.append(file.getFileName()).append(" write of ").append(length).append(" bytes at ").append(position)
                    .append(" torn (").append(mode).append("): persisted");
            for (long[] r : persisted) {
                sb.append(" [").append(r[0]).append(',').append(r[1]).append(')');
            }
            if (persisted.isEmpty()) {
                sb.append(" nothing");
            }
            return sb.toString();
        }
    }

    /** What a crash did. */
    public record CrashReport(int writesLost, int writesKept, long bytesLost, TornWrite torn, List<String> namespaceChanges,
            String trigger) {
        @Override
        public String toString() {
            return "crash (" + trigger + "): " + writesLost + " unforced writes lost (" + bytesLost + " bytes), " + writesKept
                    + " kept" + (torn == null ? ", none torn" : ", " + torn)
                    + (namespaceChanges.isEmpty() ? "" : ", directories: " + namespaceChanges);
        }
    }

    // ---- state ----

    /** One file (an inode): where it is now, and its changes since the last force. */
    private static final class Node {
        final long id;
        Path location;
        long durableSize;
        final List<Change> pending = new ArrayList<>();

        Node(long id, Path location, long durableSize) {
            this.id = id;
            this.location = location;
            this.durableSize = durableSize;
        }
    }

    /** A change not yet forced: bytes written (newBytes) or a truncation (newBytes null), with what it replaced. */
    private record Change(long pos, byte[] oldBytes, byte[] newBytes) {
    }

    private static final class DirState {
        final Map<String, Node> current = new HashMap<>();
        Map<String, Node> durable = new HashMap<>();
    }

    private final FileIO delegate;
    private final Path scratch;
    private final long seed;
    private final Random random;
    private final ReentrantReadWriteLock crashLock = new ReentrantReadWriteLock();
    private final Object namespace = new Object();
    private final Map<Path, DirState> dirs = new HashMap<>();
    private final Set<Node> nodes = new HashSet<>();
    private final Set<Handle> handles = ConcurrentHashMap.newKeySet();
    private long nodeIds;
    private volatile boolean crashed;
    private volatile boolean dying;
    private volatile CrashReport crashReport;

    private final Object budgetLock = new Object();
    private long spaceLeft = Long.MAX_VALUE;
    private long writeBytesLeft = Long.MAX_VALUE;
    private volatile Countdown forceFault;
    private volatile long forceLatencyNanos;
    private volatile Predicate<Path> forceLatencyFilter = p -> false;
    private volatile Countdown writeFault;
    private volatile Countdown crashOnWrite;
    private volatile CrashOptions crashOnWriteOptions;
    private volatile Countdown crashOnForce;
    private volatile CrashOptions crashOnForceOptions;
    private volatile Countdown crashAfterOps;
    private volatile CrashOptions crashAfterOpsOptions;
    private volatile Countdown operationFault;
    private volatile java.util.Set<Operation> operationFaultKinds = java.util.EnumSet.noneOf(Operation.class);
    private final Map<Operation, AtomicLong> operationCounts = new java.util.EnumMap<>(Operation.class);
    private volatile String lastFailedOperation;

    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong forces = new AtomicLong();
    private final AtomicLong bytesWritten = new AtomicLong();

    /**
     * @param delegate the real file layer
     * @param scratch  a directory on the same file system, outside the environment, for deleted files
     *                 that a crash may bring back
     * @param seed     seed of every random choice a crash makes
     */
    public FaultInjectingFileIO(FileIO delegate, Path scratch, long seed) {
        this.delegate = delegate;
        this.scratch = scratch.toAbsolutePath().normalize();
        this.seed = seed;
        this.random = new Random(seed);
        for (Operation o : Operation.values()) {
            operationCounts.put(o, new AtomicLong());
        }
        try {
            Files.createDirectories(this.scratch);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create scratch directory " + scratch, e);
        }
    }

    public long seed() {
        return seed;
    }

    // ---- fault configuration ----

    /** Files may grow by at most this many more bytes in total; then writes fail with "No space left on device". */
    public FaultInjectingFileIO spaceLimit(long bytes) {
        synchronized (budgetLock) {
            spaceLeft = bytes;
        }
        return this;
    }

    /** At most this many more bytes may be written at all; then writes fail with "No space left on device". */
    public FaultInjectingFileIO writeLimit(long bytes) {
        synchronized (budgetLock) {
            writeBytesLeft = bytes;
        }
        return this;
    }

    /** Removes both budgets (an admin made room). */
    public FaultInjectingFileIO unlimitedSpace() {
        synchronized (budgetLock) {
            spaceLeft = Long.MAX_VALUE;
            writeBytesLeft = Long.MAX_VALUE;
        }
        return this;
    }

    public long spaceLeft() {
        synchronized (budgetLock) {
            return spaceLeft;
        }
    }

    /**
     * The {@code n}-th force (1 = the next one) of a file whose path matches {@code filter} throws an
     * I/O error; with {@code sticky}, every later matching force does too.
     */
    public FaultInjectingFileIO failForce(long n, Predicate<Path> filter, boolean sticky) {
        forceFault = new Countdown(n, filter, sticky);
        return this;
    }

    /**
     * Every force of a file matching {@code filter} takes at least {@code latency}: a slow disk, so
     * that concurrent committers reliably queue behind one force.
     */
    public FaultInjectingFileIO forceLatency(java.time.Duration latency, Predicate<Path> filter) {
        forceLatencyFilter = filter;
        forceLatencyNanos = latency.toNanos();
        return this;
    }

    /** The {@code n}-th write to a file matching {@code filter} throws an I/O error (writing nothing). */
    public FaultInjectingFileIO failWrite(long n, Predicate<Path> filter, boolean sticky) {
        writeFault = new Countdown(n, filter, sticky);
        return this;
    }

    /**
     * The {@code n}-th operation (1 = the next one) of one of the given {@code kinds} throws an I/O
     * error naming the operation and the file, doing nothing; with {@code sticky}, every later one
     * of those kinds does too (a device gone bad, or a full disk for writes and creations).
     */
    public FaultInjectingFileIO failOperation(long n, java.util.Set<Operation> kinds, boolean sticky) {
        operationFaultKinds = java.util.EnumSet.copyOf(kinds);
        operationFault = new Countdown(n, p -> true, sticky);
        return this;
    }

    /** How many operations of the given kinds were attempted through this layer (failed ones included). */
    public long operations(java.util.Set<Operation> kinds) {
        long n = 0;
        for (Operation o : kinds) {
            n += operationCounts.get(o).get();
        }
        return n;
    }

    /** The operation {@link #failOperation} failed last (kind and file), or null. */
    public String lastFailedOperation() {
        return lastFailedOperation;
    }

    /** Files still open through this layer (handles not closed), until a crash closes them all. */
    public List<Path> openHandles() {
        List<Path> open = new ArrayList<>();
        for (Handle h : handles) {
            open.add(h.path);
        }
        Collections.sort(open);
        return open;
    }

    /** Counts an operation and fails it if {@link #failOperation} says so. */
    private void operation(Operation kind, Path p) throws IOException {
        operation(kind, p, () -> "");
    }

    private void operation(Operation kind, Path p, java.util.function.Supplier<String> detail) throws IOException {
        operationCounts.get(kind).incrementAndGet();
        Countdown f = operationFault;
        if (f != null && operationFaultKinds.contains(kind) && f.hit(p)) {
            lastFailedOperation = kind.noun + detail.get() + " of " + p;
            throw new IOException("Input/output error (simulated: " + lastFailedOperation + " failed)");
        }
    }

    /** Removes the force, write and operation faults. */
    public FaultInjectingFileIO clearFaults() {
        forceFault = null;
        writeFault = null;
        operationFault = null;
        return this;
    }

    /** Crashes right after the {@code n}-th write to a file matching {@code filter}; a tearing option tears that very write. */
    public FaultInjectingFileIO crashOnWrite(long n, Predicate<Path> filter, CrashOptions options) {
        crashOnWriteOptions = options;
        crashOnWrite = new Countdown(n, filter, false);
        return this;
    }

    /**
     * Crashes right after the {@code n}-th write to a file and position matching {@code filter} (for
     * example a data file's header page); a tearing option tears that very write.
     */
    public FaultInjectingFileIO crashOnWriteAt(long n, BiPredicate<Path, Long> filter, CrashOptions options) {
        crashOnWriteOptions = options;
        crashOnWrite = new Countdown(n, filter, false);
        return this;
    }

    /** Crashes instead of the {@code n}-th force of a file matching {@code filter}. */
    public FaultInjectingFileIO crashOnForce(long n, Predicate<Path> filter) {
        return crashOnForce(n, filter, CrashOptions.lossOnly());
    }

    /** Crashes instead of the {@code n}-th force of a file matching {@code filter}, with the given options. */
    public FaultInjectingFileIO crashOnForce(long n, Predicate<Path> filter, CrashOptions options) {
        crashOnForceOptions = options;
        crashOnForce = new Countdown(n, filter, false);
        return this;
    }

    /** Crashes instead of the {@code n}-th write, force or truncation of any file from now on. */
    public FaultInjectingFileIO crashAfterOperations(long n, CrashOptions options) {
        return crashAfterOperations(n, p -> true, options);
    }

    /**
     * Crashes instead of the {@code n}-th write, force or truncation of a file (or sync of a
     * directory) whose path matches {@code filter}: leaving out a file a background thread works on
     * (the log's preallocated next segment) makes the count the same from run to run.
     */
    public FaultInjectingFileIO crashAfterOperations(long n, Predicate<Path> filter, CrashOptions options) {
        crashAfterOpsOptions = options;
        crashAfterOps = new Countdown(n, filter, false);
        return this;
    }

    public boolean isCrashed() {
        return crashed;
    }

    /** The report of the crash, once one happened (by a trigger or by {@link #crash}). */
    public CrashReport crashReport() {
        return crashReport;
    }

    public long writes() {
        return writes.get();
    }

    public long forces() {
        return forces.get();
    }

    public long bytesWritten() {
        return bytesWritten.get();
    }

    /** Changes to {@code file} not yet covered by a force (for tests of this layer). */
    public int unforcedWrites(Path file) {
        synchronized (namespace) {
            Path p = abs(file);
            DirState d = dirs.get(p.getParent());
            Node n = d == null ? null : d.current.get(p.getFileName().toString());
            if (n == null) {
                return 0;
            }
            synchronized (n) {
                return n.pending.size();
            }
        }
    }

    private static final class Countdown {
        final BiPredicate<Path, Long> filter;
        final boolean sticky;
        long left;
        boolean fired;

        Countdown(long n, Predicate<Path> filter, boolean sticky) {
            this(n, (p, pos) -> filter.test(p), sticky);
        }

        Countdown(long n, BiPredicate<Path, Long> filter, boolean sticky) {
            if (n < 1) {
                throw new IllegalArgumentException("n must be at least 1: " + n);
            }
            this.left = n;
            this.filter = filter;
            this.sticky = sticky;
        }

        boolean hit(Path p) {
            return hit(p, -1);
        }

        synchronized boolean hit(Path p, long position) {
            if (!filter.test(p, position)) {
                return false;
            }
            if (fired) {
                return sticky;
            }
            if (--left == 0) {
                fired = true;
                return true;
            }
            return false;
        }
    }

    /** Thrown inside an operation that triggers a crash; the handle runs the crash once it holds no lock. */
    private static final class CrashNow extends IOException {
        private static final long serialVersionUID = 1L;
        final transient CrashOptions options;
        final transient Change torn;
        final String trigger;

        CrashNow(CrashOptions options, Change torn, String trigger) {
            super(trigger);
            this.options = options;
            this.torn = torn;
            this.trigger = trigger;
        }
    }

    // ---- FileIO ----

    @Override
    public StorageFile open(Path path, boolean write, boolean create) throws IOException {
        Path p = abs(path);
        enter(p);
        try {
            synchronized (namespace) {
                DirState d = dir(p.getParent());
                String name = p.getFileName().toString();
                Node n = d.current.get(name);
                StorageFile f;
                if (n == null) {
                    // A file put there behind this layer's back counts as durable; a new one is empty until forced.
                    boolean existed = Files.isRegularFile(p);
                    if (!existed && write && create) {
                        operation(Operation.CREATE, p);
                    }
                    f = delegate.open(p, write, create); // throws if it does not exist and may not be created
                    n = new Node(++nodeIds, p, existed ? f.size() : 0);
                    nodes.add(n);
                    d.current.put(name, n);
                    if (existed) {
                        d.durable.put(name, n);
                    }
                } else {
                    f = delegate.open(n.location, write, false);
                }
                Handle h = new Handle(p, n, f);
                handles.add(h);
                return h;
            }
        } finally {
            exit();
        }
    }

    @Override
    public boolean exists(Path path) {
        Path p = abs(path);
        try {
            enter(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            return delegate.exists(p);
        } finally {
            exit();
        }
    }

    @Override
    public List<String> list(Path dir) throws IOException {
        Path p = abs(dir);
        enter(p);
        try {
            synchronized (namespace) {
                if (Files.isDirectory(p)) {
                    dir(p);
                }
            }
            return delegate.list(p);
        } finally {
            exit();
        }
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Path p = abs(dir);
        enter(p);
        try {
            delegate.createDirectories(p);
        } finally {
            exit();
        }
    }

    @Override
    public void delete(Path path) throws IOException {
        Path p = abs(path);
        enter(p);
        try {
            operation(Operation.DELETE, p);
            synchronized (namespace) {
                DirState d = dir(p.getParent());
                Node n = d.current.remove(p.getFileName().toString());
                if (n == null) {
                    delegate.delete(p);
                    return;
                }
                if (durablyNamed(n)) {
                    park(n);
                } else {
                    delegate.delete(p);
                    nodes.remove(n);
                }
            }
        } finally {
            exit();
        }
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
        Path s = abs(source);
        Path t = abs(target);
        enter(s);
        try {
            operation(Operation.RENAME, s);
            synchronized (namespace) {
                DirState ds = dir(s.getParent());
                DirState dt = dir(t.getParent());
                Node sn = ds.current.get(s.getFileName().toString());
                if (sn == null) {
                    delegate.rename(s, t); // fails with the real error
                    return;
                }
                Node tn = dt.current.get(t.getFileName().toString());
                if (tn != null && tn != sn) {
                    if (durablyNamed(tn)) {
                        park(tn);
                    } else {
                        nodes.remove(tn);
                    }
                    dt.current.remove(t.getFileName().toString());
                }
                delegate.rename(s, t);
                ds.current.remove(s.getFileName().toString());
                dt.current.put(t.getFileName().toString(), sn);
                sn.location = t;
            }
        } finally {
            exit();
        }
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        Path p = abs(dir);
        boolean crashNow = false;
        enter(p);
        try {
            operation(Operation.SYNC_DIRECTORY, p);
            if (crashTrigger(crashOnForce, p) || crashTrigger(crashAfterOps, p)) {
                crashNow = true;
            } else {
                Countdown ff = forceFault;
                if (ff != null && ff.hit(p)) {
                    throw new IOException("Input/output error (simulated: syncing directory " + p + " failed)");
                }
                delegate.syncDirectory(p);
                forces.incrementAndGet();
                synchronized (namespace) {
                    DirState d = dir(p);
                    d.durable = new HashMap<>(d.current);
                    // Parked files no directory names durably any more are gone for good.
                    for (Node n : new ArrayList<>(nodes)) {
                        if (n.location.startsWith(scratch) && !durablyNamed(n)) {
                            Files.deleteIfExists(n.location);
                            nodes.remove(n);
                        }
                    }
                }
            }
        } finally {
            exit();
        }
        if (crashNow) {
            crash(crashAfterOpsOptionsOrLoss(), null, "instead of syncing directory " + p);
            throw powerLost(p);
        }
    }

    // ---- the crash ----

    /** Simulates a power loss now, losing every unforced change. */
    public CrashReport crash() {
        return crash(CrashOptions.lossOnly());
    }

    /** Simulates a power loss now, with the given options (torn write, surviving writes). */
    public CrashReport crash(CrashOptions options) {
        return crash(options, null, "requested");
    }

    private CrashReport crash(CrashOptions options, Change forcedTorn, String trigger) {
        crashLock.writeLock().lock();
        try {
            if (crashed) {
                return crashReport;
            }
            crashed = true;
            for (Handle h : handles) {
                try {
                    h.file.close();
                } catch (IOException ignored) {
                    // the machine is off anyway
                }
            }
            handles.clear();
            synchronized (namespace) {
                crashReport = restore(options, forcedTorn, trigger);
            }
            return crashReport;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("simulating the crash failed", e);
        } finally {
            crashLock.writeLock().unlock();
        }
    }

    private CrashReport restore(CrashOptions options, Change forcedTorn, String trigger) throws IOException {
        List<Path> dirNames = new ArrayList<>(dirs.keySet());
        Collections.sort(dirNames);
        List<String> changes = new ArrayList<>();
        if (options.keepDirectoryProbability > 0) {
            for (Path dir : dirNames) {
                DirState d = dirs.get(dir);
                if (!d.durable.equals(d.current) && random.nextDouble() < options.keepDirectoryProbability) {
                    d.durable = new HashMap<>(d.current);
                    changes.add("unsynced changes of " + dir.getFileName() + "/ kept");
                }
            }
        }
        // Where each surviving file must end up: its durable directory entries.
        Map<Node, List<Path>> targets = new IdentityHashMap<>();
        for (Path dir : dirNames) {
            List<String> names = new ArrayList<>(dirs.get(dir).durable.keySet());
            Collections.sort(names);
            for (String name : names) {
                targets.computeIfAbsent(dirs.get(dir).durable.get(name), k -> new ArrayList<>()).add(dir.resolve(name));
            }
        }
        List<Node> survivors = new ArrayList<>(targets.keySet());
        survivors.sort((a, b) -> Long.compare(a.id, b.id));

        // Choose the torn write.
        Node tornNode = null;
        Change torn = null;
        Tear mode = options.tear;
        if (mode != Tear.NONE) {
            if (forcedTorn != null) {
                for (Node n : survivors) {
                    if (n.pending.contains(forcedTorn)) {
                        tornNode = n;
                        torn = forcedTorn;
                    }
                }
            } else {
                List<Object[]> candidates = new ArrayList<>();
                for (Node n : survivors) {
                    if (options.tearFilter.test(targets.get(n).get(0))) {
                        for (Change c : n.pending) {
                            if (c.newBytes != null && c.newBytes.length > 0) {
                                candidates.add(new Object[] {n, c});
                            }
                        }
                    }
                }
                if (!candidates.isEmpty()) {
                    Object[] pick = candidates.get(random.nextInt(candidates.size()));
                    tornNode = (Node) pick[0];
                    torn = (Change) pick[1];
                }
            }
            if (mode == Tear.ANY) {
                mode = random.nextBoolean() ? Tear.PREFIX : Tear.SECTORS;
            }
        }

        int lost = 0;
        int kept = 0;
        long bytesLost = 0;
        TornWrite tornWrite = null;
        for (Node n : survivors) {
            if (n.pending.isEmpty() && size(n.location) == n.durableSize) {
                continue;
            }
            try (StorageFile f = delegate.open(n.location, true, false)) {
                for (int i = n.pending.size() - 1; i >= 0; i--) {
                    Change c = n.pending.get(i);
                    if (c.oldBytes.length > 0) {
                        f.write(ByteBuffer.wrap(c.oldBytes), c.pos);
                    }
                }
                if (f.size() > n.durableSize) {
                    f.truncate(n.durableSize);
                } else if (f.size() < n.durableSize) {
                    f.write(ByteBuffer.allocate(1), n.durableSize - 1);
                }
                for (Change c : n.pending) {
                    if (c.newBytes == null) {
                        continue;
                    }
                    if (c == torn) {
                        tornWrite = applyTorn(f, targets.get(n).get(0), c, mode);
                        bytesLost += c.newBytes.length - tornWrite.bytesPersisted();
                        lost++;
                    } else if (options.keepProbability > 0 && random.nextDouble() < options.keepProbability) {
                        f.write(ByteBuffer.wrap(c.newBytes), c.pos);
                        kept++;
                    } else {
                        lost++;
                        bytesLost += c.newBytes.length;
                    }
                }
                f.force(true);
            }
            n.pending.clear();
        }

        // Put the directories back as they were at their last sync.
        for (Node n : new ArrayList<>(nodes)) {
            if (!targets.containsKey(n)) {
                Files.deleteIfExists(n.location);
                if (!n.location.startsWith(scratch)) {
                    changes.add("lost " + n.location.getFileName());
                }
            }
        }
        Map<Node, Path> staged = new LinkedHashMap<>();
        for (Node n : survivors) {
            if (!n.location.equals(targets.get(n).get(0))) {
                Path stage = scratch.resolve("stage-" + n.id);
                Files.move(n.location, stage, StandardCopyOption.REPLACE_EXISTING);
                staged.put(n, stage);
                if (!n.location.startsWith(scratch)) {
                    changes.add(n.location.getFileName() + " back to " + targets.get(n).get(0).getFileName());
                } else {
                    changes.add("deleted " + targets.get(n).get(0).getFileName() + " came back");
                }
            }
        }
        for (Map.Entry<Node, Path> e : staged.entrySet()) {
            Files.move(e.getValue(), targets.get(e.getKey()).get(0), StandardCopyOption.REPLACE_EXISTING);
        }
        for (Node n : survivors) {
            List<Path> all = targets.get(n);
            for (int i = 1; i < all.size(); i++) {
                Files.copy(all.get(0), all.get(i), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        nodes.clear();
        dirs.clear();
        return new CrashReport(lost, kept, bytesLost, tornWrite, changes, trigger);
    }

    private TornWrite applyTorn(StorageFile f, Path name, Change c, Tear mode) throws IOException {
        int len = c.newBytes.length;
        List<long[]> persisted = new ArrayList<>();
        if (mode == Tear.PREFIX || len == 1) {
            int k = random.nextInt(len); // 0 .. len-1: a strict prefix
            if (k > 0) {
                f.write(ByteBuffer.wrap(c.newBytes, 0, k), c.pos);
                persisted.add(new long[] {c.pos, c.pos + k});
            }
            return new TornWrite(name, c.pos, len, Tear.PREFIX, persisted, c.newBytes.clone());
        }
        // Sectors aligned to the file: [pos, end) split at multiples of SECTOR.
        List<long[]> sectors = new ArrayList<>();
        long end = c.pos + len;
        for (long s = c.pos; s < end; ) {
            long next = Math.min(end, (s / SECTOR + 1) * SECTOR);
            sectors.add(new long[] {s, next});
            s = next;
        }
        boolean[] take = new boolean[sectors.size()];
        if (sectors.size() == 1) {
            // A single sector is written whole or not at all: keep nothing.
        } else {
            int count = 0;
            for (int i = 0; i < take.length; i++) {
                take[i] = random.nextBoolean();
                count += take[i] ? 1 : 0;
            }
            if (count == 0) {
                take[random.nextInt(take.length)] = true;
            } else if (count == take.length) {
                take[random.nextInt(take.length)] = false;
            }
        }
        for (int i = 0; i < take.length; i++) {
            if (take[i]) {
                long[] s = sectors.get(i);
                f.write(ByteBuffer.wrap(c.newBytes, (int) (s[0] - c.pos), (int) (s[1] - s[0])), s[0]);
                if (!persisted.isEmpty() && persisted.get(persisted.size() - 1)[1] == s[0]) {
                    persisted.get(persisted.size() - 1)[1] = s[1];
                } else {
                    persisted.add(new long[] {s[0], s[1]});
                }
            }
        }
        return new TornWrite(name, c.pos, len, Tear.SECTORS, persisted, c.newBytes.clone());
    }

    // ---- file operations, called by handles ----

    private void write(Handle h, ByteBuffer src, long pos) throws IOException {
        Path p = h.path;
        operation(Operation.WRITE, p);
        Countdown wf = writeFault;
        if (wf != null && wf.hit(p)) {
            throw new IOException("Input/output error (simulated: write of " + src.remaining() + " bytes at " + pos + " to "
                    + p + " failed)");
        }
        if (crashTrigger(crashAfterOps, p)) {
            throw new CrashNow(crashAfterOpsOptionsOrLoss(), null, "instead of writing " + src.remaining() + " bytes at "
                    + pos + " to " + p.getFileName());
        }
        Node n = h.node;
        synchronized (n) {
            long size = h.file.size();
            int len = src.remaining();
            int allowed = len;
            boolean full = false;
            synchronized (budgetLock) {
                long growth = Math.max(0, pos + len - size);
                if (growth > spaceLeft) {
                    allowed = (int) Math.max(0, Math.min(len, size + spaceLeft - pos));
                    full = true;
                }
                if (allowed > writeBytesLeft) {
                    allowed = (int) writeBytesLeft;
                    full = true;
                }
                if (spaceLeft != Long.MAX_VALUE) {
                    spaceLeft -= Math.max(0, pos + allowed - size);
                }
                if (writeBytesLeft != Long.MAX_VALUE) {
                    writeBytesLeft -= allowed;
                }
            }
            Change c = null;
            if (allowed > 0) {
                byte[] old = new byte[(int) Math.max(0, Math.min(allowed, size - pos))];
                if (old.length > 0) {
                    h.file.readFully(ByteBuffer.wrap(old), pos);
                }
                byte[] data = new byte[allowed];
                src.get(data);
                c = new Change(pos, old, data);
                n.pending.add(c);
                h.file.write(ByteBuffer.wrap(data), pos);
                writes.incrementAndGet();
                bytesWritten.addAndGet(allowed);
            }
            if (full) {
                throw new IOException("No space left on device (simulated: " + p + ", " + (len - allowed) + " of " + len
                        + " bytes at offset " + pos + " not written)");
            }
            if (crashTrigger(crashOnWrite, p, pos)) {
                throw new CrashNow(crashOnWriteOptions, c, "right after writing " + len + " bytes at " + pos + " to "
                        + p.getFileName());
            }
        }
    }

    private void force(Handle h, boolean metadata) throws IOException {
        Path p = h.path;
        operation(Operation.FORCE, p);
        if (crashTrigger(crashOnForce, p)) {
            throw new CrashNow(crashOnForceOptions, null, "instead of forcing " + p.getFileName());
        }
        if (crashTrigger(crashAfterOps, p)) {
            throw new CrashNow(crashAfterOpsOptionsOrLoss(), null, "instead of forcing " + p.getFileName());
        }
        Countdown ff = forceFault;
        if (ff != null && ff.hit(p)) {
            throw new IOException("Input/output error (simulated: force of " + p + " failed)");
        }
        long latency = forceLatencyNanos;
        if (latency > 0 && forceLatencyFilter.test(p)) {
            // A real force is not cut short by an interrupt, and neither is this one; but a park
            // returns at once while the interrupt is set, so it is cleared for the wait and set
            // again after it (else an interrupted committer leading a force would spin for it).
            boolean interrupted = Thread.interrupted();
            long until = System.nanoTime() + latency;
            for (long left = latency; left > 0; left = until - System.nanoTime()) {
                java.util.concurrent.locks.LockSupport.parkNanos(left);
                interrupted |= Thread.interrupted();
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        Node n = h.node;
        synchronized (n) {
            h.file.force(metadata);
            n.pending.clear();
            n.durableSize = h.file.size();
            forces.incrementAndGet();
        }
    }

    private void truncate(Handle h, long newSize) throws IOException {
        Path p = h.path;
        operation(Operation.TRUNCATE, p);
        if (crashTrigger(crashAfterOps, p)) {
            throw new CrashNow(crashAfterOpsOptionsOrLoss(), null, "instead of truncating " + p.getFileName());
        }
        Node n = h.node;
        synchronized (n) {
            long size = h.file.size();
            if (newSize < size) {
                byte[] old = new byte[(int) (size - newSize)];
                h.file.readFully(ByteBuffer.wrap(old), newSize);
                n.pending.add(new Change(newSize, old, null));
            } else if (newSize > size) {
                // FileChannel.truncate never grows a file: nothing happens.
                return;
            }
            h.file.truncate(newSize);
        }
    }

    private boolean crashTrigger(Countdown c, Path p) {
        return crashTrigger(c, p, -1);
    }

    private boolean crashTrigger(Countdown c, Path p, long position) {
        if (c != null && c.hit(p, position)) {
            dying = true;
            return true;
        }
        return false;
    }

    private CrashOptions crashAfterOpsOptionsOrLoss() {
        CrashOptions o = crashAfterOpsOptions;
        return o == null ? CrashOptions.lossOnly() : o;
    }

    // ---- helpers ----

    private void enter(Path p) throws IOException {
        crashLock.readLock().lock();
        if (crashed || dying) {
            crashLock.readLock().unlock();
            throw powerLost(p);
        }
    }

    private void exit() {
        crashLock.readLock().unlock();
    }

    private static IOException powerLost(Path p) {
        return new IOException("simulated power loss: the machine went down (" + p + ")");
    }

    private static Path abs(Path p) {
        return p.toAbsolutePath().normalize();
    }

    private static long size(Path p) throws IOException {
        return Files.size(p);
    }

    /** The state of a directory, read from disk (everything on it taken as durable) the first time it is seen. */
    private DirState dir(Path dir) throws IOException {
        DirState d = dirs.get(dir);
        if (d == null) {
            d = new DirState();
            if (Files.isDirectory(dir)) {
                try (var s = Files.newDirectoryStream(dir)) {
                    for (Path f : s) {
                        if (Files.isRegularFile(f)) {
                            Node n = new Node(++nodeIds, abs(f), Files.size(f));
                            nodes.add(n);
                            d.current.put(f.getFileName().toString(), n);
                        }
                    }
                }
            }
            d.durable = new HashMap<>(d.current);
            dirs.put(dir, d);
        }
        return d;
    }

    private boolean durablyNamed(Node n) {
        for (DirState d : dirs.values()) {
            if (d.durable.containsValue(n)) {
                return true;
            }
        }
        return false;
    }

    /** Moves a deleted (or replaced) file that a crash may bring back out of the way. */
    private void park(Node n) throws IOException {
        Path grave = scratch.resolve("deleted-" + n.id);
        Files.move(n.location, grave, StandardCopyOption.REPLACE_EXISTING);
        n.location = grave;
    }

    // ---- handles ----

    private final class Handle implements StorageFile {
        final Path path;
        final Node node;
        final StorageFile file;
        volatile boolean closed;

        Handle(Path path, Node node, StorageFile file) {
            this.path = path;
            this.node = node;
            this.file = file;
        }

        private void in() throws IOException {
            enter(path);
            if (closed) {
                exit();
                throw new ClosedChannelException();
            }
        }

        @Override
        public Path path() {
            return path;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            in();
            try {
                FaultInjectingFileIO.this.operation(Operation.READ, path, () -> " of " + dst.remaining() + " bytes at " + position);
                return file.read(dst, position);
            } finally {
                exit();
            }
        }

        @Override
        public void write(ByteBuffer src, long position) throws IOException {
            try {
                in();
                try {
                    FaultInjectingFileIO.this.write(this, src, position);
                } finally {
                    exit();
                }
            } catch (CrashNow c) {
                crash(c.options, c.torn, c.trigger);
                throw powerLost(path);
            }
        }

        @Override
        public void force(boolean metadata) throws IOException {
            try {
                in();
                try {
                    FaultInjectingFileIO.this.force(this, metadata);
                } finally {
                    exit();
                }
            } catch (CrashNow c) {
                crash(c.options, c.torn, c.trigger);
                throw powerLost(path);
            }
        }

        @Override
        public long size() throws IOException {
            in();
            try {
                return file.size();
            } finally {
                exit();
            }
        }

        @Override
        public void truncate(long size) throws IOException {
            try {
                in();
                try {
                    FaultInjectingFileIO.this.truncate(this, size);
                } finally {
                    exit();
                }
            } catch (CrashNow c) {
                crash(c.options, c.torn, c.trigger);
                throw powerLost(path);
            }
        }

        @Override
        public FileLock tryLock() throws IOException {
            in();
            try {
                return file.tryLock();
            } finally {
                exit();
            }
        }

        @Override
        public FileLock tryLockShared() throws IOException {
            in();
            try {
                return file.tryLockShared();
            } finally {
                exit();
            }
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            handles.remove(this);
            file.close();
        }

        @Override
        public String toString() {
            return "faulty(" + path + ")";
        }
    }

    /** For messages: what kind of failure an exception chain shows. */
    public static boolean isNoSpace(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains("No space left on device")) {
                return true;
            }
        }
        return false;
    }
}
