package org.cairndb.env;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.CairnException;
import org.cairndb.CheckpointResult;
import org.cairndb.DatabaseNotFoundException;
import org.cairndb.EnvironmentConfig;
import org.cairndb.EnvironmentFailureException;
import org.cairndb.EnvironmentStats;
import org.cairndb.RecoveryReport;
import org.cairndb.StorageException;
import org.cairndb.io.FileIO;
import org.cairndb.log.CommitPoint;
import org.cairndb.log.DatabaseCreateRecord;
import org.cairndb.log.DatabaseRemoveRecord;
import org.cairndb.log.LogManager;
import org.cairndb.log.LogRecord;
import org.cairndb.log.Lsn;
import org.cairndb.recovery.Checkpointer;
import org.cairndb.recovery.RecoveryManager;
import org.cairndb.storage.DataFile;
import org.cairndb.storage.PageCache;
import org.cairndb.txn.LockManager;
import org.cairndb.txn.Txn;
import org.cairndb.txn.TxnManager;
import org.cairndb.txn.Version;
import org.cairndb.util.MonotonicClock;

/**
 * An open environment: the log, the databases, the transaction manager, the cache and the
 * background work (checkpoints, transaction timeouts). {@link org.cairndb.Environment} is its
 * public face.
 *
 * <p>Opening runs normal recovery ({@link RecoveryManager}) before anything else can happen, then
 * checkpoints if recovery changed anything, so that the next open is quick. After a plain redo
 * (no torn tail cut, no target, not catastrophic) that checkpoint is the daemon's first job, taken
 * while the environment is already in use: the log still holds everything it writes.
 *
 * <p>An open only to inspect ({@link EnvironmentConfig#inspectOnly}) writes nothing at all: the
 * home is checked without creating anything ({@link HomeCheck}), the lock is shared or none
 * ({@link EnvironmentLock#acquireToInspect}), data files open read-only, recovery repairs nothing
 * and replays into memory (databases whose files it would create included), the log is opened
 * read-only ({@link LogManager#openReadOnly}), and every write is refused.
 */
public final class EnvironmentImpl implements TxnManager.FailureHandler {

    private static final System.Logger LOG = System.getLogger(EnvironmentImpl.class.getName());

    private final EnvironmentHome home;
    private final EnvironmentConfig config;
    private final FileIO io;
    /** {@link #io} for data files, keeping at most {@code cairn.open.data.files} of them open. */
    private final org.cairndb.io.PooledFileIO dataIO;
    private final EnvironmentLock lock;
    private final AtomicLong dirtyBytes = new AtomicLong();
    private final PageCache cache;
    private final Catalog catalog = new Catalog();
    /** When the log last changed the environment other than by a commit (written into every data file header by checkpoints). */
    private final org.cairndb.log.ChangeTimes changeTimes = new org.cairndb.log.ChangeTimes();
    private final TxnManager txns;
    private final Checkpointer checkpointer;
    private final org.cairndb.archive.BackupPins backupPins = new org.cairndb.archive.BackupPins();
    private org.cairndb.archive.ContinuousArchiver archiver;
    private UUID environmentId;
    private LogManager log;
    private RecoveryReport recoveryReport;
    private Thread daemon;
    private final Object daemonSignal = new Object();
    private boolean daemonWake;
    /** Normal recovery replayed commits that the data files do not hold yet; the daemon checkpoints them first. */
    private volatile boolean recoveryCheckpointPending;
    private volatile boolean daemonStop;
    private volatile boolean closed;
    /**
     * Set under the checkpointer's monitor and the catalog's write lock when the close is about to
     * take its own checkpoint: from then on a checkpoint, a log removal or a backup's pin (all taken
     * under that monitor), and a database creation or removal (under that lock) is refused as if
     * the environment were closed. One that waited for the monitor while the close went on
     * otherwise ran after the log was closed, failed the environment ("checkpoint failed: the log is
     * closed") and wrote data files the close was closing; a creation or removal failed it likewise
     * ("cannot write the log: the log is closed"). Found by AdminChaosTest; shown by CheckpointTest and
     * EnvironmentTest.
     */
    private volatile boolean closing;
    private final Object closeLock = new Object();
    private volatile EnvironmentFailureException failure;
    /** Things noticed while opening the data files, for the recovery report. */
    private final List<String> openNotes = new ArrayList<>();
    /** What layers above the engine keep per environment (see {@link #attachment}). */
    private final java.util.concurrent.ConcurrentHashMap<Class<?>, Object> attachments = new java.util.concurrent.ConcurrentHashMap<>();
    /** Data files found blank (creation cut short by a crash); recovery must recreate them from the log. */
    private final List<Path> blankFiles = new ArrayList<>();

    private EnvironmentImpl(EnvironmentHome home, EnvironmentConfig config, EnvironmentLock lock) {
        this.home = home;
        this.config = config;
        this.io = org.cairndb.io.NamingFileIO.of(config.fileIO()); // a failing read or write names its file
        this.dataIO = new org.cairndb.io.PooledFileIO(io, config.openDataFiles());
        this.lock = lock;
        this.cache = new PageCache(config.cacheSize(), dirtyBytes::get);
        LockManager locks = new LockManager(catalog::nameOf);
        this.txns = new TxnManager(locks, new TreeApplier(catalog), this, new Version(0, new Version.Root[0]), 1);
        txns.configure(config.isolation(), config.durability(), config.txnTimeout().toNanos(),
                config.lockTimeout().toNanos(), config.txnMaxBytes());
        txns.commitThrottle(this::throttle);
        // As much heap again as the cache (at least 16 MiB) for what a transaction's open snapshot
        // makes the conflict check remember; past it the oldest snapshots can no longer write.
        txns.conflictBudget(Math.max(config.cacheSize(), 16L << 20));
        // A freed page may be reused once the reuse delay has passed and no running backup began
        // before it was freed. A page stamped in the very millisecond a backup was pinned is kept
        // too (hence the pin's time minus one, since pages stamped up to the bound are reused): the
        // stamp is taken once the checkpoint's header is durable, and a checkpoint that starts
        // after the pin (HotBackup pins between checkpoints) can end within that millisecond. Its
        // stamp then cannot be told from one taken before the pin, yet the copy may have read the
        // header before that checkpoint's, whose tree still reaches those pages; the next
        // checkpoint overwrote them under the running copy (BackupPinReuseTest). Pins and stamps
        // come from one clock that never goes backwards, so that a clock stepped back between a pin
        // and a checkpoint cannot make that checkpoint's stamp look earlier than the pin.
        this.checkpointer = new Checkpointer(catalog, txns, cache, () -> {
            long pinned = backupPins.oldestPinMillis();
            return Math.min(MonotonicClock.SYSTEM.millis() - config.pageReuseDelay().toMillis(),
                    pinned == Long.MAX_VALUE ? Long.MAX_VALUE : pinned - 1);
        }, changeTimes);
    }

    /** When the log changed this environment other than by a commit; recovery notes what it replays. */
    public org.cairndb.log.ChangeTimes changeTimes() {
        return changeTimes;
    }

    /** Opens (creating if allowed) and recovers the environment in {@code homeDir}. */
    public static EnvironmentImpl open(Path homeDir, EnvironmentConfig requested) {
        EnvironmentHome home = EnvironmentHome.detect(homeDir);
        EnvironmentConfig config = requested.withPropertiesFrom(home.home()); // none there yet: the overrides alone
        FileIO io = config.fileIO();
        if (config.inspectOnly() && config.catastrophicRecovery()) {
            throw new IllegalArgumentException("catastrophic recovery rebuilds the environment's files; it cannot be done"
                    + " by an open only to inspect it (EnvironmentConfig.inspectOnly)");
        }
        boolean fresh = HomeCheck.prepare(home, config, io);
        EnvironmentLock lock;
        try {
            lock = config.inspectOnly() ? EnvironmentLock.acquireToInspect(io, home) : EnvironmentLock.acquire(io, home);
        } catch (IOException e) {
            throw new StorageException(home.lockFile(), "cannot lock the environment: " + e.getMessage(), e);
        }
        EnvironmentImpl env = new EnvironmentImpl(home, config, lock);
        try {
            env.start(fresh);
            return env;
        } catch (RuntimeException | Error e) {
            env.closeAfterFailedOpen();
            throw e;
        } catch (IOException e) {
            env.closeAfterFailedOpen();
            throw new StorageException(home.home(), "cannot open the environment: " + e.getMessage(), e);
        }
    }

    /**
     * Who was last copying files into {@code dir} (a hot backup or failover update, as its lock file
     * names it), when the copy did not finish (its recovery included) and nothing has opened it
     * since; null otherwise. A backup taken
     * with {@code --no-recover} keeps that line after it ends, so it says that files changed after
     * the manifest only together with files that disagree with it.
     */
    public static String copyingInto(Path dir) {
        return EnvironmentLock.copyingHolder(EnvironmentHome.detect(dir));
    }

    /**
     * Takes the line that marks {@code dir} as a copy being made out of its lock file, once its
     * manifest is written (the copy's recovery, before it, keeps the line: should it fail, the copy
     * is unfinished); without this, verifybackup could not tell a finished copy from an update that
     * stopped.
     */
    public static void copyFinished(FileIO io, Path dir) throws IOException {
        try (java.io.Closeable l = EnvironmentLock.acquireToFinishCopy(io, EnvironmentHome.detect(dir))) {
            // taking it rewrites the file with the holder's line alone
        } catch (org.cairndb.EnvironmentLockedException openedMeanwhile) {
            // whoever opened the copy rewrote the file when it took the lock
        }
    }

    /**
     * Locks directory {@code dir} (a backup or failover copy about to be written) as an open
     * environment locks its home, so that no one opens it while its files change; a refused opener
     * is told {@code purpose}. Throws {@link org.cairndb.EnvironmentLockedException} if it is open.
     */
    public static java.io.Closeable lockDirectory(FileIO io, Path dir, String purpose) throws IOException {
        return EnvironmentLock.acquireForCopying(io, EnvironmentHome.detect(dir), purpose);
    }

    /**
     * Recovers a copy of an environment (a hot backup or a failover directory) without writing to
     * its log: the data files are brought up to the end of the copied log (or to {@code target}) and
     * checkpointed with LSNs of that log, so that a later update can replace the last segments by
     * newer copies of the same segments and recover again from there. Opening the copy normally
     * afterwards (a restore) runs ordinary recovery on top.
     */
    public static RecoveryReport recoverCopy(Path dir, EnvironmentConfig requested) {
        EnvironmentHome home = EnvironmentHome.detect(dir);
        EnvironmentConfig config = requested.withPropertiesFrom(home.home()).allowCreate(false);
        EnvironmentLock lock;
        try {
            lock = EnvironmentLock.acquireToRecoverCopy(config.fileIO(), home);
        } catch (IOException e) {
            throw new StorageException(home.lockFile(), "cannot lock the copy: " + e.getMessage(), e);
        }
        EnvironmentImpl env = new EnvironmentImpl(home, config, lock);
        try {
            UUID expected = env.openDataFiles();
            env.environmentId = expected != null ? expected : env.firstSegmentEnvironmentId();
            RecoveryManager.Outcome outcome = new RecoveryManager(env, config.recoveryTarget(), false).recover(expected);
            long start = outcome.endLsn();
            for (Txn t : env.txns.preparedTransactions()) {
                start = Math.min(start, t.prepareLsn());
            }
            // No CHECKPOINT record is written into the copy's log: heuristic outcomes decided before
            // the end are found again only by a scan from the last one recovery met.
            long heuristicsFloor = env.txns.heuristicsFloor();
            if (heuristicsFloor != Lsn.NULL) {
                start = Math.min(start, heuristicsFloor);
            }
            if (start != Lsn.NULL) {
                env.checkpointer.writeFiles(env.txns.current(), start, env.txns.nextTxnId());
            }
            return outcome.report();
        } catch (IOException e) {
            throw new StorageException(home.home(), "cannot recover the copy: " + e.getMessage(), e);
        } finally {
            env.closeAfterFailedOpen();
        }
    }

    private void start(boolean fresh) throws IOException {
        boolean inspect = config.inspectOnly();
        if (inspect) {
            txns.refuseWrites(readOnlyReason());
        }
        UUID expected = openDataFiles();
        // Recovery may have to create a data file (a logged DATABASE_CREATE whose file was lost), which needs the id.
        environmentId = expected != null ? expected : firstSegmentEnvironmentId();
        org.cairndb.log.SegmentAssembler.Assembly assembly = null;
        if (config.catastrophicRecovery()) {
            List<Path> sources = new ArrayList<>();
            sources.add(archiveDirectory());
            sources.addAll(config.logSources());
            assembly = org.cairndb.log.SegmentAssembler.assemble(io, home.logDir(), sources, environmentId,
                    RecoveryManager.startLsn(catalog));
            for (String note : assembly.notes()) {
                openNotes.add(note);
                LOG.log(System.Logger.Level.INFO, "catastrophic recovery of " + home.home() + ": " + note);
            }
            if (environmentId == null) {
                // No data files and log/ was empty: the segments just gathered say whose they are.
                environmentId = firstSegmentEnvironmentId();
            }
        }
        RecoveryManager.Outcome outcome;
        // Looking repairs nothing: a torn tail is reported and left, an unused last segment stays.
        RecoveryManager recovery = new RecoveryManager(this, config.recoveryTarget(), !inspect);
        try {
            outcome = recovery.recover(expected);
        } catch (IOException | RuntimeException e) {
            // A refused catastrophic recovery leaves log/ as it found it. Once a point-in-time
            // recovery began to move the old history aside (the archive's copies included), the
            // gathered segments are the only copies of the log up to the target left in reach: taken
            // back out, a rerun would find the log ending before the target and lose the commits in
            // them. They stay, as a killed run leaves them, and the rerun finishes the move.
            if (assembly != null && !recovery.movingAside()) {
                assembly.rollback();
                StorageException named = e instanceof StorageException s ? assembly.namingSource(s) : null;
                if (named != null) {
                    throw named;
                }
            }
            throw e;
        }
        if (assembly != null) {
            assembly.commit();
        } else if (!inspect) {
            dropSegmentsKeptAside();
        }
        environmentId = outcome.environmentId() != null ? outcome.environmentId() : UUID.randomUUID();
        log = inspect ? LogManager.openReadOnly(io, home.logDir(), environmentId, outcome.endLsn(), outcome.lastSegment(),
                readOnlyReason())
                : LogManager.open(io, home.logDir(), environmentId, outcome.endLsn(), config.logSegmentSize(),
                        config.logBufferSize(), Math.max(1, outcome.lastSegment() + 1));
        log.noteChangesIn(changeTimes);
        txns.attachLog(log);
        checkpointer.attachLog(log);
        checkpointer.restoreLast(outcome.lastCheckpointLsn(), outcome.lastCheckpointStartLsn(),
                outcome.lastCheckpointMillis());
        recoveryReport = outcome.report();
        if (!fresh) {
            LOG.log(config.logRecoveryReport() ? System.Logger.Level.INFO : System.Logger.Level.DEBUG,
                    "opened " + home.home() + ": " + recoveryReport);
        }
        boolean plainRedo = !config.catastrophicRecovery() && config.recoveryTarget() == null && outcome.tail() == null
                && outcome.report().notes().isEmpty();
        if (config.noCheckpoints() && !fresh) {
            // Only looking (or keeping the recovery start): whatever recovery replayed stays in memory
            // (see EnvironmentConfig.inspectOnly and noCheckpoints).
            LOG.log(System.Logger.Level.DEBUG, () -> "opened " + home.home() + " without a checkpoint");
        } else if (outcome.changed() && !fresh && plainRedo) {
            // Only replayed commits: the log still holds them, so writing them to the data files can
            // wait. The daemon checkpoints first thing, while the environment is already in use
            // (PostgreSQL's end-of-recovery checkpoint after a promotion works the same way); a
            // crash before it finishes just replays the same log again.
            recoveryCheckpointPending = true;
            daemonWake = true;
        } else if (outcome.changed() || fresh || outcome.endLsn() == Lsn.NULL) {
            CheckpointResult c = checkpointer.run(true, "recovery");
            if (!fresh) {
                logRecoveryCheckpoint(c, "");
            }
        } else if (outcome.dataFilesCurrent() && plainRedo) {
            checkpointer.upToDate(txns.capture());
        }
        if (config.archiveEnabled()) {
            archiver = new org.cairndb.archive.ContinuousArchiver(io, home, archiveDirectory(), log::currentSegment,
                    environmentId);
            if (inspect) {
                archiver.lookOnly(); // finds what the archive holds already, copies nothing
            } else {
                archiver.start();
            }
        }
        startDaemon();
    }

    /**
     * Deletes the segments an interrupted catastrophic recovery kept aside ({@code <name>.before-assembly}),
     * once a normal recovery has accepted {@code log/} as that assembly left it and before the log
     * goes on from its end. The assembler puts such a copy back at its next run, to undo the
     * interrupted assembly; but after this open the segment it replaced receives new commits, and
     * putting the old copy back over it would silently undo all of them (InterruptedAssemblyTest).
     * The copy kept aside holds nothing the segment lacks: an assembly only replaces a copy by a
     * longer one of the same history.
     */
    private void dropSegmentsKeptAside() throws IOException {
        boolean dropped = false;
        for (String name : io.list(home.logDir())) {
            if (name.endsWith(org.cairndb.log.SegmentAssembler.KEPT_ASIDE_SUFFIX)) {
                io.delete(home.logDir().resolve(name));
                dropped = true;
                LOG.log(System.Logger.Level.WARNING, "opened " + home.home() + ": deleted log/" + name + ", the copy an"
                        + " interrupted catastrophic recovery kept aside; recovery accepted the segment that replaced it,"
                        + " and the log goes on in that one");
            }
        }
        if (dropped) {
            io.syncDirectory(home.logDir());
        }
    }

    /** The environment id in the header of the first log segment that has one, or null (the scan reports bad headers). */
    private UUID firstSegmentEnvironmentId() {
        return org.cairndb.archive.EnvironmentIdentity.ofLog(io, home.logDir());
    }

    /** Opens every data file into the catalog and the initial version; returns their environment id. */
    private UUID openDataFiles() throws IOException {
        // Whose files these are: the log says so when it can (a data file of another environment
        // that sorted first made the environment's own files look foreign), else the first data file.
        UUID envId = firstSegmentEnvironmentId();
        Path envIdSource = envId == null ? null : home.logDir();
        List<Version.Root> roots = new ArrayList<>();
        for (String fileName : io.list(home.dataDir())) {
            String name = EnvironmentHome.databaseName(fileName);
            if (name == null) {
                continue;
            }
            Path path = home.dataDir().resolve(fileName);
            if (isBlankFile(path)) {
                blankFiles.add(path);
                continue;
            }
            DataFile df = DataFile.open(dataIO, path, null, !config.inspectOnly(), cache, dirtyBytes);
            if (envId != null && !envId.equals(df.header().environmentId())) {
                df.close();
                throw new org.cairndb.CorruptionException(path, 24, "data file belongs to environment "
                        + df.header().environmentId() + ", but " + (envIdSource.equals(home.logDir()) ? "the log ("
                        + envIdSource + ")" : "data file " + envIdSource.getFileName()) + " to environment " + envId
                        + ": one of them is from another environment; take out the one that is not this environment's"
                        + " and put back its own copy from a backup, then run catastrophic recovery (cairn recover -c)");
            }
            if (df.headerNote() != null) {
                openNotes.add(df.headerNote());
                LOG.log(System.Logger.Level.WARNING, df.headerNote());
            }
            if (!df.header().name().equals(name)) {
                df.close();
                throw new org.cairndb.CorruptionException(path, 118, "file holds database '" + df.header().name()
                        + "', not '" + name + "' (renamed by hand?); give it back its name");
            }
            if (catalog.byId(df.dbId()) != null) {
                df.close();
                throw new org.cairndb.CorruptionException(path, 40, "database id " + df.dbId() + " is also used by "
                        + catalog.byId(df.dbId()).file().path());
            }
            if (envId == null) {
                envId = df.header().environmentId();
                envIdSource = path;
            }
            catalog.add(new DatabaseImpl(df.dbId(), name, df));
            catalog.noteNextId(df.header().nextDbId());
        }
        if (envIdSource != null) {
            LOG.log(System.Logger.Level.DEBUG, "environment id " + envId + " from " + envIdSource);
        }
        txns.publishDirect(v -> {
            int max = 0;
            for (DatabaseImpl db : catalog.all()) {
                max = Math.max(max, db.id() + 1);
            }
            Version.Root[] r = v.copyRoots(max);
            for (DatabaseImpl db : catalog.all()) {
                r[db.id()] = new Version.Root(db.file().loadRoot(), db.file().header().recordCount());
            }
            return new Version(v.ts(), r, lastCommitOfDataFiles());
        });
        return envId;
    }

    /**
     * The last commit the data files hold: the latest one any file's checkpoint names. A checkpoint
     * names the same commit in every file, but the files may disagree: a crash in the middle of a
     * checkpoint leaves some at the older one, and a file created since the last checkpoint, or
     * checkpointed in the middle of a replay, names none. Recovery starts before all of them (the
     * last checkpoint that completed), so the replay brings the files that lag behind up to date, and
     * the latest is then held by all (except a NOT_DURABLE commit, which the log does not hold, and
     * which only the files its checkpoint reached keep, as that durability allows).
     * {@link CommitPoint#UNKNOWN} when no file names one (files written before the field existed).
     */
    private CommitPoint lastCommitOfDataFiles() {
        CommitPoint last = CommitPoint.UNKNOWN;
        for (DatabaseImpl db : catalog.all()) {
            last = CommitPoint.later(last, db.file().header().lastCommit());
        }
        return last;
    }

    private boolean isBlankFile(Path path) throws IOException {
        try (org.cairndb.io.StorageFile f = dataIO.open(path, false, false)) {
            return DataFile.isUnfinishedCreation(f);
        }
    }

    /**
     * After replay: a blank data file (or one whose only header write was torn) is a creation a
     * crash cut short (its directory entry reached disk, its contents did not, or not whole). No checkpoint can have completed since, so its DATABASE_CREATE is
     * in the replayed log and replay has just created the file anew. If it has not, the file is
     * damaged, not new.
     */
    public void checkBlankFilesRecreated() {
        for (Path p : blankFiles) {
            String name = EnvironmentHome.databaseName(p.getFileName().toString());
            if (catalog.byName(name) == null) {
                throw new org.cairndb.CorruptionException(p, 0, "no valid header (the file is blank, or holds only a torn"
                        + " first header) and the log does not"
                        + " create it after the last checkpoint; restore the file from a backup and run catastrophic"
                        + " recovery (cairn recover -c)");
            }
            openNotes.add(p.getFileName() + " was being created when the environment stopped; created it again from the log");
        }
    }

    /** The archive directory: {@code cairn.archive.dir} resolved against the home. */
    public Path archiveDirectory() {
        return config.archiveDirectory(home.home());
    }

    public org.cairndb.archive.BackupPins backupPins() {
        return backupPins;
    }

    /** The continuous archiver, or null when archiving is off. */
    public org.cairndb.archive.ContinuousArchiver archiver() {
        return archiver;
    }

    public org.cairndb.archive.LogArchive logArchive() {
        return new org.cairndb.archive.LogArchive(this);
    }

    /** Archive status for stats and the admin; {@code enabled} false when archiving is off. */
    public org.cairndb.ArchiveStatus archiveStatus() {
        org.cairndb.archive.ContinuousArchiver a = archiver;
        return a != null ? a.status()
                : new org.cairndb.ArchiveStatus(false, archiveDirectory().toString(), 0, 0, 0, null, 0);
    }

    /** Notes from opening the data files, for the recovery report. */
    public List<String> openNotes() {
        return openNotes;
    }

    // ---- accessors used by recovery, the public API and the tools ----

    public EnvironmentHome home() {
        return home;
    }

    public EnvironmentConfig config() {
        return config;
    }

    public FileIO io() {
        return io;
    }

    public Catalog catalog() {
        return catalog;
    }

    public TxnManager txns() {
        return txns;
    }

    public Checkpointer checkpointer() {
        return checkpointer;
    }

    public LogManager log() {
        return log;
    }

    public PageCache cache() {
        return cache;
    }

    public UUID environmentId() {
        return environmentId;
    }

    public RecoveryReport recoveryReport() {
        return recoveryReport;
    }

    public long dirtyBytes() {
        return dirtyBytes.get();
    }

    /** Dirty memory at which a checkpoint is started: half the cache. */
    public long dirtyLimit() {
        return config.cacheSize() / 2;
    }

    public void catalogNoteNextId(int next) {
        catalog.noteNextId(next);
    }

    // ---- databases ----

    /** The database named {@code name}, created (durably) if missing and {@code create}. */
    public DatabaseImpl openDatabase(String name, boolean create) {
        checkUsable();
        Catalog.checkName(name);
        DatabaseImpl db = catalog.byName(name);
        if (db != null) {
            return db;
        }
        if (!create) {
            throw new DatabaseNotFoundException("database '" + name + "' does not exist in environment " + home.home()
                    + " (databases: " + catalog.names() + ")");
        }
        if (config.inspectOnly()) {
            throw readOnly("create database '" + name + "'");
        }
        catalog.lock().writeLock().lock();
        try {
            checkUsable(); // again: the close may have begun while this waited for the catalog
            db = catalog.byName(name);
            if (db != null) {
                return db;
            }
            int id = catalog.allocateId();
            long lsn = appendDurably(millis -> new DatabaseCreateRecord(id, config.pageSize(), name, millis));
            try {
                return createDatabaseFile(id, name, config.pageSize(), lsn);
            } catch (IOException e) {
                // The log says the database exists now, and its file is missing or blank: going on, the
                // next checkpoint would put the creation behind the recovery start, and no open would
                // accept the blank file. Failed, the environment checkpoints no more, and the reopen
                // replays the creation.
                throw fail("cannot create data file " + home.dataFile(name) + " of database '" + name + "'", e);
            }
        } catch (IOException e) {
            throw new StorageException(home.dataFile(name), "cannot create database '" + name + "': " + e.getMessage(), e);
        } finally {
            catalog.lock().writeLock().unlock();
        }
    }

    private DatabaseImpl createDatabaseFile(int id, String name, int pageSize, long lsn) throws IOException {
        // Looking only, recovery replays a creation whose file is not there (a crash cut it short, or a
        // later removal in the log deleted it) into memory: the look writes nothing.
        DataFile df = config.inspectOnly()
                ? DataFile.inMemory(home.dataFile(name), environmentId, id, name, pageSize, lsn, txns.nextTxnId(),
                        catalog.nextDbId(), cache, dirtyBytes)
                : DataFile.create(dataIO, home.dataFile(name), environmentId, id, name, pageSize, lsn, txns.nextTxnId(),
                        catalog.nextDbId(), cache, dirtyBytes);
        DatabaseImpl db = new DatabaseImpl(id, name, df);
        catalog.add(db);
        txns.publishDirect(v -> {
            Version.Root[] r = v.copyRoots(id + 1);
            r[id] = Version.Root.EMPTY;
            return v.withRoots(r);
        });
        return db;
    }

    /** Removes a database and its data file, durably. */
    public void removeDatabase(String name) {
        checkUsable();
        Catalog.checkName(name);
        if (config.inspectOnly()) {
            throw readOnly("remove database '" + name + "'");
        }
        catalog.lock().writeLock().lock();
        try {
            checkUsable(); // again: the close may have begun while this waited for the catalog
            DatabaseImpl db = catalog.byName(name);
            if (db == null) {
                throw new DatabaseNotFoundException("cannot remove database '" + name + "': it does not exist in environment "
                        + home.home());
            }
            db.beginRemoval();
            try {
                Txn writer = txns.writerIn(db.id());
                if (writer != null) {
                    throw new CairnException("cannot remove database '" + name + "': an unfinished transaction has written"
                            + " to it (" + writer.describe() + "); commit or roll it back first");
                }
                appendDurably(millis -> new DatabaseRemoveRecord(db.id(), name, millis));
                try {
                    dropDatabaseFile(db);
                } catch (IOException e) {
                    // The log says the database is gone; its file may still be in data/ (or come back
                    // at a power loss, its deletion not synced). Going on, a checkpoint would move the
                    // recovery start past the removal, and the reopen would find the database back, or
                    // (the log before that start removed) not open at all. Failed, the environment
                    // checkpoints no more, and the reopen replays the removal.
                    throw fail("cannot delete data file " + db.file().path() + " of removed database '" + name + "'", e);
                }
            } finally {
                db.endRemoval();
            }
        } catch (IOException e) {
            throw new StorageException(home.dataFile(name), "cannot remove database '" + name + "': " + e.getMessage(), e);
        } finally {
            catalog.lock().writeLock().unlock();
        }
    }

    private void dropDatabaseFile(DatabaseImpl db) throws IOException {
        forgetDatabase(db);
        io.delete(db.file().path());
        io.syncDirectory(home.dataDir());
    }

    /** Takes a database out of the catalog and the current version, and closes its file (which stays). */
    private void forgetDatabase(DatabaseImpl db) throws IOException {
        catalog.remove(db);
        txns.publishDirect(v -> {
            Version.Root[] r = v.copyRoots(0);
            if (db.id() < r.length) {
                r[db.id()] = null;
            }
            return v.withRoots(r);
        });
        db.file().close();
        cache.removeDatabase(db.id());
    }

    /** Appends the record {@code record} builds from its time (see {@link TxnManager#appendTimed}) and forces it. */
    private long appendDurably(java.util.function.LongFunction<LogRecord> record) throws IOException {
        try {
            LogRecord[] made = new LogRecord[1];
            long lsn = txns.appendTimed(millis -> made[0] = record.apply(millis));
            log.sync(lsn + made[0].size());
            return lsn;
        } catch (IOException e) {
            throw fail("cannot write the log", e);
        }
    }

    /** Recovery: a database creation found in the log. */
    public void replayCreateDatabase(int id, String name, int pageSize, long lsn) throws IOException {
        catalog.noteId(id);
        DatabaseImpl existing = catalog.byName(name);
        if (existing != null && existing.id() >= id) {
            return;
        }
        if (existing != null && config.inspectOnly()) {
            forgetDatabase(existing);
        } else if (existing != null) {
            LOG.log(System.Logger.Level.WARNING, "recovery: replacing stale data file of an older incarnation of '" + name
                    + "' (id " + existing.id() + ") by id " + id);
            dropDatabaseFile(existing);
        }
        if (catalog.byId(id) != null) {
            return;
        }
        createDatabaseFile(id, name, pageSize, lsn);
    }

    /** Recovery: a database removal found in the log. */
    public void replayRemoveDatabase(int id, String name) throws IOException {
        DatabaseImpl db = catalog.byId(id);
        if (db != null && config.inspectOnly()) {
            forgetDatabase(db); // removed as far as the look is concerned; the file stays for a writing open to delete
        } else if (db != null) {
            dropDatabaseFile(db);
        }
    }

    // ---- checkpoints and background work ----

    public CheckpointResult checkpoint(boolean force, String reason) {
        checkUsable();
        if (config.inspectOnly()) {
            throw readOnly("checkpoint");
        }
        CheckpointResult r;
        synchronized (checkpointer) {
            checkUsable(); // again: the close may have begun while this waited for a checkpoint under way
            try {
                r = checkpointer.run(force, reason);
            } catch (IOException e) {
                throw fail("checkpoint failed", e);
            }
            removeUnneededSegmentsAfter("after a checkpoint of");
        }
        return r;
    }

    /**
     * Automatic log removal: after every checkpoint (background, explicit or at close) the segments
     * nothing needs any more go. Only after background ones, a short-lived process (a command, a
     * load) never removed any, since no checkpoint came due by volume or time while it ran.
     */
    private void removeUnneededSegments() throws IOException {
        List<Path> removed = logArchive().removeArchivableAtCheckpoint();
        if (!removed.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, () -> "removed " + removed.size() + " log segments nothing needs any more");
        }
    }

    /** Before a commit: wake the checkpointer when dirty memory passes the limit; checkpoint here when far past it. */
    private void throttle(Txn txn) {
        long dirty = dirtyBytes.get();
        if (dirty > dirtyLimit()) {
            wakeDaemon();
            if (dirty > config.cacheSize() - config.cacheSize() / 8) {
                checkpoint(false, "memory");
            }
        }
    }

    private void wakeDaemon() {
        synchronized (daemonSignal) {
            daemonWake = true;
            daemonSignal.notifyAll();
        }
    }

    private void startDaemon() {
        daemon = new Thread(this::daemonLoop, "cairn-daemon " + home.home().getFileName());
        daemon.setDaemon(true);
        daemon.start();
    }

    private void daemonLoop() {
        while (!daemonStop && failure == null) {
            synchronized (daemonSignal) {
                if (!daemonWake) {
                    try {
                        daemonSignal.wait(daemonPeriodMillis());
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                daemonWake = false;
            }
            if (daemonStop || failure != null) {
                return;
            }
            try {
                txns.abortTimedOut();
                if (config.noCheckpoints()) {
                    continue; // whatever memory holds (see EnvironmentConfig.inspectOnly and noCheckpoints)
                }
                if (recoveryCheckpointPending) {
                    CheckpointResult c = checkpointer.run(true, "recovery");
                    recoveryCheckpointPending = false;
                    logRecoveryCheckpoint(c, " (in the background)");
                }
                String reason = checkpointDue();
                if (reason != null) {
                    checkpointer.run(false, reason);
                    if (config.logAutoRemove()) {
                        removeUnneededSegments();
                    }
                }
            } catch (EnvironmentFailureException e) {
                return;
            } catch (IOException | RuntimeException e) {
                if (!daemonStop) {
                    fail("background checkpoint failed", e);
                }
                return;
            }
        }
    }

    private void logRecoveryCheckpoint(CheckpointResult c, String how) {
        LOG.log(System.Logger.Level.INFO, "checkpoint after recovery of " + home.home() + ": "
                + org.cairndb.util.Counted.of(c.pagesWritten(), "page") + " in " + c.durationMillis() + " ms" + how);
    }

    /** The daemon wakes once a second, or sooner when the checkpoint interval is shorter. */
    private long daemonPeriodMillis() {
        long interval = config.checkpointInterval().toMillis();
        return interval > 0 ? Math.max(10, Math.min(1000, interval / 4)) : 1000;
    }

    private String checkpointDue() {
        if (dirtyBytes.get() > dirtyLimit()) {
            return "memory";
        }
        if (!config.checkpointerEnabled()) {
            return null;
        }
        if (config.checkpointKBytes() > 0 && checkpointer.logBytesSinceLast() >= config.checkpointKBytes() * 1024) {
            return "log volume";
        }
        long interval = config.checkpointInterval().toMillis();
        if (interval > 0 && System.currentTimeMillis() - checkpointer.lastCheckpointMillis() >= interval) {
            return "time";
        }
        return null;
    }

    // ---- failure ----

    @Override
    public EnvironmentFailureException fail(String what, Throwable cause) {
        EnvironmentFailureException f = failure;
        if (f == null) {
            synchronized (this) {
                if (failure == null) {
                    failure = new EnvironmentFailureException("environment " + home.home() + " failed: " + what + ": "
                            + cause.getMessage() + "; close it and open it again to run recovery", cause);
                    LOG.log(System.Logger.Level.ERROR, failure.getMessage(), cause);
                }
                f = failure;
            }
        }
        return f;
    }

    /** Why nothing can be written through an environment opened only to inspect it. */
    private String readOnlyReason() {
        return "environment " + home.home() + " was opened read-only to inspect it (EnvironmentConfig.inspectOnly, as"
                + " cairn stat, dump, archive and bench --check open it), so nothing can be written through it; nothing"
                + " was changed";
    }

    /** The refusal of {@code what} through an environment opened only to inspect it. */
    public org.cairndb.ReadOnlyEnvironmentException readOnly(String what) {
        return new org.cairndb.ReadOnlyEnvironmentException("cannot " + what + ": " + readOnlyReason());
    }

    public void checkUsable() {
        EnvironmentFailureException f = failure;
        if (f != null) {
            throw new EnvironmentFailureException(f.getMessage(), f.getCause());
        }
        if (closed || closing) {
            throw new IllegalStateException("environment " + home.home() + " is closed");
        }
    }

    /**
     * The object of type {@code type} kept with this environment, made by {@code create} on first
     * use (the XA layer's branches, for one). It lives exactly as long as the environment: a static
     * map keyed by environment would have to let go of it itself, and a weak-keyed one kept the
     * values of collected environments, with whatever they reach, until it was next looked up.
     */
    public <T> T attachment(Class<T> type, java.util.function.Supplier<? extends T> create) {
        return type.cast(attachments.computeIfAbsent(type, t -> create.get()));
    }

    /** Closed, or closing past the point where its checkpoint begins (see {@link #closing}). */
    public boolean isClosed() {
        return closed || closing;
    }

    // ---- statistics ----

    public EnvironmentStats stats() {
        LogManager l = log;
        return new EnvironmentStats(txns.commits(), txns.aborts(), txns.conflicts(), txns.activeCount(),
                txns.preparedCount(), txns.locks().size(), Lsn.toString(l.endLsn()), Lsn.toString(l.durableLsn()),
                l.currentSegment(), l.bytesAppended(), l.forces(), checkpointer.checkpoints(),
                checkpointer.lastCheckpointMillis(), Lsn.toString(checkpointer.lastCheckpointLsn()),
                Lsn.toString(checkpointer.lastCheckpointStartLsn()), cache.capacity(), cache.usedBytes(), dirtyBytes.get(),
                cache.hits(), cache.misses(), catalog.all().size(), archiveStatus(), backupPins.count());
    }

    // ---- close ----

    /**
     * Checkpoints and closes. Active transactions are rolled back; prepared ones stay prepared in the
     * log. Serialized: a second caller waits for the first close to finish, rather than check-
     * pointing, closing the log and releasing the lock a second time alongside it.
     */
    public void close() {
        synchronized (closeLock) { // not this: fail() takes that, from threads the close waits for
            closeOnce();
        }
    }

    private void closeOnce() {
        if (closed) {
            return;
        }
        // Commits that are under way finish first; later ones are told the environment is closed.
        if (!txns.quiesce("environment " + home.home() + " is closed", java.time.Duration.ofSeconds(30))) {
            LOG.log(System.Logger.Level.WARNING, "closing " + home.home() + ": commits still under way after 30 s;"
                    + " closing anyway (they will fail, and recovery decides their outcome at the next open)");
        }
        txns.abortActiveAtClose("environment " + home.home() + " is closed"); // what checkUsable says from now on
        stopDaemon();
        synchronized (checkpointer) {
            // From now on a checkpoint, log removal or backup pin waiting for the monitor is refused,
            // and so is a database creation or removal waiting for the catalog; one holding it
            // finishes first (without checkpoints at close nothing else would hold the close back
            // until it had reached the log).
            catalog.lock().writeLock().lock();
            try {
                closing = true;
            } finally {
                catalog.lock().writeLock().unlock();
            }
        }
        // A backup or failover update still copying stops at its next chunk, and the close waits for
        // it: once the lock is released another process may open the home and reuse the pages and
        // remove the segments its pin was keeping, and the copy would go on reading them.
        backupPins.stopAll("environment " + home.home() + " was closed while it copied");
        if (!backupPins.awaitNone(java.time.Duration.ofSeconds(30))) {
            LOG.log(System.Logger.Level.WARNING, "closing " + home.home() + ": " + backupPins.oldestOwnerBesides(null)
                    + " has not stopped after 30 s; closing anyway (its copy is unfinished)");
        }
        RuntimeException error = null;
        try {
            if (failure == null) {
                if (!config.noCheckpoints()) {
                    checkpointer.run(false, "close");
                }
                log.close();
                archiveFinishedAtClose();
                if (!config.noCheckpoints()) {
                    removeUnneededSegmentsAfter("closing");
                }
            } else {
                log.abandon();
            }
        } catch (IOException | RuntimeException e) {
            error = new StorageException(home.home(), "closing the environment: " + e.getMessage(), e);
            if (log != null) {
                log.abandon();
            }
        } finally {
            closed = true;
            closeFiles();
        }
        if (error != null) {
            throw error;
        }
    }

    /**
     * Continuous archiving's last pass, after the last segment was forced: segments finished since
     * the archiver's previous pass would otherwise wait for the next open (a short-lived process, a
     * load or a bench, could leave every one of them unarchived).
     */
    private void archiveFinishedAtClose() {
        if (archiver == null || config.inspectOnly()) {
            return;
        }
        try {
            archiver.archiveFinished();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "closing " + home.home() + ": continuous archiving to "
                    + archiver.directory() + " failed: " + e.getMessage() + "; the finished log segments not archived"
                    + " are archived at the next open (or copy them by hand: cairn archive -l)");
        }
    }

    /**
     * Automatic log removal after an explicit checkpoint, or after the close's checkpoint and
     * archiving pass: what they made unneeded goes now, not at the next background checkpoint (a
     * short-lived process sees none). The checkpoint is done by then, so a failure here is only a
     * warning: the segments stay, and a later removal takes them.
     */
    private void removeUnneededSegmentsAfter(String what) {
        if (!config.logAutoRemove()) {
            return;
        }
        try {
            removeUnneededSegments();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, what + " " + home.home() + ": automatic log removal failed: "
                    + e.getMessage() + "; the segments stay until a later removal (or cairn archive -d)");
        }
    }

    /**
     * Stops at once without writing anything more, as a crash would (for tests): unflushed log
     * records are lost, no checkpoint is taken.
     */
    public void abandon() {
        stopDaemon();
        if (log != null) {
            log.abandon();
        }
        closeFiles();
    }

    /** Stops the background threads, letting a checkpoint in progress finish (interrupting file I/O would close the files). */
    private void stopDaemon() {
        daemonStop = true;
        if (archiver != null) {
            archiver.close();
        }
        Thread d = daemon;
        if (d != null && d != Thread.currentThread()) {
            wakeDaemon();
            // Also when the closing thread is interrupted: the close goes on to close the log and the
            // files, which a checkpoint in progress is still writing.
            org.cairndb.util.Threads.joinUninterruptibly(d, 60_000);
        }
    }

    private void closeAfterFailedOpen() {
        stopDaemon();
        if (log != null) {
            log.abandon();
        }
        closeFiles();
    }

    private void closeFiles() {
        closed = true;
        for (DatabaseImpl db : catalog.all()) {
            try {
                db.file().close();
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "closing " + db.file().path() + ": " + e);
            }
        }
        try {
            lock.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "releasing " + home.lockFile() + ": " + e);
        }
    }
}
