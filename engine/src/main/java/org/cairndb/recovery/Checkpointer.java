package org.cairndb.recovery;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.cairndb.CheckpointResult;
import org.cairndb.env.Catalog;
import org.cairndb.env.DatabaseImpl;
import org.cairndb.log.CheckpointRecord;
import org.cairndb.log.CommitPoint;
import org.cairndb.log.LogManager;
import org.cairndb.log.Lsn;
import org.cairndb.storage.DataFile;
import org.cairndb.storage.PageCache;
import org.cairndb.txn.TxnManager;
import org.cairndb.txn.Version;

/**
 * Writes the committed state to the data files so that recovery can start later in the log.
 *
 * <h2>A checkpoint, step by step</h2>
 * <ol>
 * <li>Capture, atomically, a published version V and the start LSN: the earliest of the log's
 * end, any commit logged but not yet published, and any prepared transaction's PREPARE record.
 * Every commit before the start LSN is in V. Writers go on at once.</li>
 * <li>Force the log to its end (write-ahead rule: no data file may hold a commit the log could
 * lose; otherwise a crash between two data files could split a transaction).</li>
 * <li>For each database, write V's unsaved pages copy-on-write, then the space map, force, then
 * the header copy of the new generation, force (see {@link DataFile}).</li>
 * <li>Append and force a CHECKPOINT record naming the start LSN; segments before the start
 * segment are no longer needed by recovery.</li>
 * </ol>
 * Replaying the log from the start LSN onto V is correct even though V may also hold some later
 * commits: every logged write is a whole value put or a delete, applied in log order, and two
 * transactions writing one key are ordered by its lock, so replay converges to the same state.
 */
public final class Checkpointer {

    private static final System.Logger LOG = System.getLogger(Checkpointer.class.getName());

    private final Catalog catalog;
    private final TxnManager txns;
    private final PageCache cache;
    private final LongSupplier reuseBeforeMillis;
    private final org.cairndb.log.ChangeTimes changeTimes;
    private volatile LogManager log;

    private long lastVersionTs = -1;
    private long lastStartLsn = -1;
    private volatile long lastCheckpointMillis = System.currentTimeMillis();
    private volatile long lastCheckpointStartLsn;
    private volatile long lastCheckpointLsn;
    private volatile long logBytesAtLast;
    private final AtomicLong checkpoints = new AtomicLong();
    /** The failure of a checkpoint, after which none runs (guarded by this). */
    private IOException failed;

    /**
     * @param changeTimes when the log changed the environment other than by a commit: every data file
     *                    header a checkpoint writes names the latest such change before its start
     */
    public Checkpointer(Catalog catalog, TxnManager txns, PageCache cache, LongSupplier reuseBeforeMillis,
            org.cairndb.log.ChangeTimes changeTimes) {
        this.catalog = catalog;
        this.changeTimes = changeTimes;
        this.txns = txns;
        this.cache = cache;
        this.reuseBeforeMillis = reuseBeforeMillis;
    }

    public void attachLog(LogManager log) {
        this.log = log;
        this.logBytesAtLast = log.bytesAppended();
    }

    /** Runs a checkpoint; unless {@code force}, does nothing when nothing changed since the last one. */
    public synchronized CheckpointResult run(boolean force, String reason) throws IOException {
        if (failed != null) {
            // The failed one may have left pages it allocated unwritten, its tree marked as saved in
            // them; a later checkpoint would write a header naming them. The background thread fails
            // the environment after its run returns, and an explicit checkpoint waiting for the
            // monitor got in before that and made the data files unopenable.
            throw new IOException("an earlier checkpoint failed (" + failed.getMessage() + "); reopen the environment"
                    + " to recover", failed);
        }
        try {
            return runOnce(force, reason);
        } catch (IOException e) {
            failed = e;
            throw e;
        }
    }

    private CheckpointResult runOnce(boolean force, String reason) throws IOException {
        long t0 = System.nanoTime();
        catalog.lock().readLock().lock();
        try {
            TxnManager.Capture c = txns.capture();
            if (!force && c.version().ts() == lastVersionTs && c.startLsn() == lastStartLsn) {
                return new CheckpointResult(false, Lsn.toString(lastCheckpointStartLsn), Lsn.toString(lastCheckpointLsn), 0,
                        0, 0, 0, reason);
            }
            log.syncAll();
            long[] totals = writeFiles(c.version(), c.startLsn(), c.nextTxnId());
            List<CheckpointRecord.DatabaseEntry> dbs = new ArrayList<>();
            for (DatabaseImpl db : catalog.all()) {
                dbs.add(new CheckpointRecord.DatabaseEntry(db.id(), db.name(), db.file().header().generation()));
            }
            CheckpointRecord[] rec = new CheckpointRecord[1];
            long lsn = txns.appendCheckpoint(heuristics -> rec[0] = new CheckpointRecord(c.startLsn(),
                    System.currentTimeMillis(), c.nextTxnId(), catalog.nextDbId(), dbs, heuristics));
            log.sync(lsn + rec[0].size());
            lastVersionTs = c.version().ts();
            // The next checkpoint has nothing to do if the log then ends right after this record (or,
            // while heuristic outcomes are remembered, if its start is still this record; see
            // TxnManager.capture).
            long floor = txns.heuristicsFloor();
            lastStartLsn = floor == Lsn.NULL ? lsn + rec[0].size() : Math.min(lsn + rec[0].size(), floor);
            lastCheckpointStartLsn = c.startLsn();
            lastCheckpointLsn = lsn;
            lastCheckpointMillis = System.currentTimeMillis();
            logBytesAtLast = log.bytesAppended();
            checkpoints.incrementAndGet();
            cache.evictIfNeeded();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            CheckpointResult r = new CheckpointResult(true, Lsn.toString(c.startLsn()), Lsn.toString(lsn), totals[0], totals[1],
                    totals[2], ms, reason);
            LOG.log(System.Logger.Level.DEBUG, () -> "checkpoint (" + reason + "): " + r);
            return r;
        } finally {
            catalog.lock().readLock().unlock();
        }
    }

    /**
     * Writes version {@code v} to every data file with recovery start {@code startLsn}, without a
     * log record. Returns pages written, bytes written, pages freed. Leaves that still hold values
     * in recovery's slabs (the checkpoint after recovery writes them all) are let go once written
     * instead of being kept in the cache (see {@link DataFile#checkpoint}).
     */
    public long[] writeFiles(Version v, long startLsn, long nextTxnId) throws IOException {
        return writeFiles(v, startLsn, nextTxnId, reuseBeforeMillis.getAsLong(), null);
    }

    /**
     * As {@link #writeFiles(Version, long, long)}, for checkpoints in the middle of recovery's
     * replay: pages freed by an earlier one are reused as soon as its header is durable, without
     * the page-reuse delay. The delay is there for plain file copies taken while the environment is
     * in use, and nothing uses it while it is being recovered; a replay much larger than the cache
     * checkpoints every few seconds, and with the delay each checkpoint wrote every page anew at the
     * end of the file (a 160 MB tree grew its file to 3.5 GB, and the list of pages waiting for
     * reuse filled the heap). In each database, the leaves that hold replayed values in recovery's
     * slabs and lie wholly before the key in {@code letGoBelow} are let go once written instead of
     * kept in the cache (see {@link DataFile#checkpoint}).
     */
    public long[] writeFilesDuringRecovery(Version v, long startLsn, long nextTxnId, Map<Integer, byte[]> letGoBelow)
            throws IOException {
        return writeFiles(v, startLsn, nextTxnId, Long.MAX_VALUE - 1, letGoBelow);
    }

    /** {@code letGoBelow}: null outside recovery's replay (see {@link DataFile#checkpoint}). */
    private long[] writeFiles(Version v, long startLsn, long nextTxnId, long reuseBefore, Map<Integer, byte[]> letGoBelow)
            throws IOException {
        long pages = 0;
        long bytes = 0;
        long freed = 0;
        long minSnapshot = txns.minSnapshotTs();
        long otherChange = changeTimes.latestBefore(startLsn);
        for (DatabaseImpl db : catalog.all()) {
            Version.Root root = v.root(db.id());
            if (root == null) {
                continue; // created after the version was captured
            }
            // Mid-replay versions end at no particular commit: their last commit is left unknown.
            boolean midReplay = letGoBelow != null;
            DataFile.CheckpointOutcome o = db.file().checkpoint(root.page(), root.count(), v.ts(), startLsn, nextTxnId,
                    catalog.nextDbId(), midReplay ? CommitPoint.UNKNOWN : v.lastCommit(), otherChange, minSnapshot, reuseBefore,
                    letGoBelow == null ? null : letGoBelow.getOrDefault(db.id(), DataFile.NONE_BEHIND_THE_REPLAY));
            pages += o.pagesWritten();
            bytes += o.bytesWritten();
            freed += o.pagesFreed();
        }
        return new long[] {pages, bytes, freed};
    }

    /**
     * After a recovery that found nothing to apply after the data files' start: they already hold
     * {@code c}, so a checkpoint without {@code force} has nothing to do until something changes.
     * Opening and closing an environment to look at it (cairn stat, archive, dump) then writes
     * nothing to its log: a CHECKPOINT record would move the recovery start (and change which
     * segments cairn archive lists between a listing and the removal after it), and in a recovered
     * backup or failover copy it would make the copy's last segment differ from the source's copy
     * of it, which catastrophic recovery then refuses as another history.
     */
    public synchronized void upToDate(TxnManager.Capture c) {
        lastVersionTs = c.version().ts();
        lastStartLsn = c.startLsn();
    }

    /** After recovery: what the log says about the last checkpoint before this process started. */
    public void restoreLast(long checkpointLsn, long startLsn, long millis) {
        this.lastCheckpointLsn = checkpointLsn;
        this.lastCheckpointStartLsn = startLsn;
        if (millis > 0) {
            this.lastCheckpointMillis = millis;
        }
    }

    public long lastCheckpointMillis() {
        return lastCheckpointMillis;
    }

    public long lastCheckpointLsn() {
        return lastCheckpointLsn;
    }

    public long lastCheckpointStartLsn() {
        return lastCheckpointStartLsn;
    }

    /** Log bytes appended since the last checkpoint. */
    public long logBytesSinceLast() {
        LogManager l = log;
        return l == null ? 0 : l.bytesAppended() - logBytesAtLast;
    }

    public long checkpoints() {
        return checkpoints.get();
    }
}
