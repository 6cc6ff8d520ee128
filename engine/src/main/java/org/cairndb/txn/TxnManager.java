package org.cairndb.txn;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.cairndb.Durability;
import org.cairndb.EnvironmentFailureException;
import org.cairndb.HeuristicOutcome;
import org.cairndb.IsolationLevel;
import org.cairndb.TransactionStateException;
import org.cairndb.TransactionTimeoutException;
import org.cairndb.WriteConflictException;
import org.cairndb.log.AbortRecord;
import org.cairndb.log.CheckpointRecord;
import org.cairndb.log.CommitRecord;
import org.cairndb.log.ForgetRecord;
import org.cairndb.log.LogManager;
import org.cairndb.log.LogRecord;
import org.cairndb.log.Lsn;
import org.cairndb.log.Op;
import org.cairndb.log.PrepareRecord;
import org.cairndb.util.Bytes;

/**
 * Begins, commits, aborts and prepares transactions, and publishes the versions readers see.
 *
 * <h2>The commit pipeline</h2>
 * <ol>
 * <li><b>Sequence</b> (under {@code sequenceLock}, a few microseconds): a SERIALIZABLE transaction
 * is validated against every commit sequenced after its snapshot; the transaction gets the next
 * commit timestamp; its commit record is appended to the log buffer; its written keys are noted
 * with the timestamp (for write-conflict checks of later writers). Timestamp order is log order.</li>
 * <li><b>Durability</b> (no lock): SYNC waits for a force of the log past the record (group commit:
 * one force serves everyone waiting), WRITE_NO_SYNC for a write, the others for nothing.</li>
 * <li><b>Publish</b> (under {@code applyLock}): the transaction joins a queue ordered by timestamp.
 * Whoever holds the lock applies every queued transaction whose predecessors are all applied, as
 * one batch, and publishes the resulting version. Versions therefore appear in commit order, and
 * a snapshot always shows a prefix of the committed history.</li>
 * <li><b>Release</b>: locks are released only after publication, so the next writer of a key sees
 * this commit.</li>
 * </ol>
 *
 * Nothing of an uncommitted transaction is in the shared trees or the log (its writes sit in its
 * {@link WriteSet}), so an abort just drops them; only a prepared transaction leaves a log record,
 * and an ABORT record for it.
 */
public final class TxnManager {

    private static final System.Logger LOG = System.getLogger(TxnManager.class.getName());

    /** Where the manager reports an unrecoverable failure (the environment then refuses all work). */
    public interface FailureHandler {
        EnvironmentFailureException fail(String what, Throwable cause);
    }

    private final LockManager locks;
    private final Applier applier;
    private final FailureHandler failures;
    private volatile LogManager log;

    private final ReentrantLock sequenceLock = new ReentrantLock();
    private long lastSequencedTs;
    private long lastCommitMillis;

    private final ReentrantLock applyLock = new ReentrantLock();
    /** Sequenced, not yet published transactions, in timestamp order (appended under sequenceLock). */
    private final ConcurrentLinkedQueue<Txn> pending = new ConcurrentLinkedQueue<>();
    /** Whether a thread is leading a round of the commit pipeline (taken by compare-and-set). */
    private final AtomicBoolean leaderActive = new AtomicBoolean();
    private final CommitRounds rounds = new CommitRounds();
    private volatile Version current;
    private volatile Throwable pipelineFailure;

    private final AtomicLong nextTxnId;
    private final ConcurrentHashMap<Long, Txn> active = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Object, Version> snapshots = new ConcurrentHashMap<>();
    private final ReaderSlots readers = new ReaderSlots();
    private final ConcurrentHashMap<LockKey, Long> recentWrites = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, List<LockKey>> committedWrites = new ConcurrentSkipListMap<>();
    /** Keys the lists of {@code committedWrites} hold in all (a key written by several commits counts once each). */
    private final AtomicLong listedWrites = new AtomicLong();
    /** One prune at a time: the compaction of {@code committedWrites} rebuilds it from what pruning leaves. */
    private final ReentrantLock pruneLock = new ReentrantLock();
    /** Estimated heap bytes of the conflict information ({@link #listedCost} per listed key). */
    private final AtomicLong listedBytes = new AtomicLong();
    /** Most heap the conflict information may keep for open snapshots before the oldest is forgotten. */
    private volatile long conflictBudget = Long.MAX_VALUE;
    /**
     * The last commit whose keys were forgotten to keep the conflict information within its budget
     * (0: none). A transaction whose snapshot is older cannot tell whether a key changed since, so
     * writing fails for it as a conflict would ({@link #forgetOldest}).
     */
    private volatile long conflictHorizon;
    private final ConcurrentSkipListMap<Long, Long> inFlightLsn = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<Long, Txn> prepared = new ConcurrentHashMap<>();
    /**
     * The prepared transactions by global id, and those of them that protect scanned ranges
     * (SERIALIZABLE): every commit checks its writes against the latter, and every prepare and XA
     * completion looks up the former. Scanning all prepared transactions there cost each commit
     * 0.8 ms, under the sequence lock, with 16,000 in doubt (a transaction manager away for a while).
     * Kept with {@link #prepared} by {@link #addPrepared} and {@link #removePrepared}.
     */
    private final ConcurrentHashMap<ByteBuffer, Txn> preparedByGid = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Txn> preparedWithRanges = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<ByteBuffer, HeuristicOutcome> heuristics = new ConcurrentHashMap<>();
    /**
     * A scan of the log from here finds every heuristic outcome not yet forgotten: the last CHECKPOINT
     * record (it lists them), or where recovery started if it met none. Heuristic outcomes live only
     * in the log, so while there are any, no checkpoint moves the data files' recovery start past
     * it (see {@link #capture()}). Guarded by {@link #sequenceLock}.
     */
    private long heuristicsFrom = Lsn.NULL;

    private final LongAdder commits = new LongAdder();
    private final LongAdder aborts = new LongAdder();
    private final LongAdder conflicts = new LongAdder();
    private long writesSincePrune;
    /** Set under the apply lock when enough writes were published since the last prune (see {@link #pruneIfDue}). */
    private final AtomicBoolean pruneDue = new AtomicBoolean();

    private volatile IsolationLevel defaultIsolation;
    private volatile Durability defaultDurability;
    private volatile long defaultTimeoutNanos;
    private volatile long defaultLockTimeoutNanos;
    private volatile long maxTxnBytes;
    private volatile Consumer<Txn> commitThrottle = t -> { };
    private final LongAdder logWriters = new LongAdder();
    private volatile String closingMessage;
    /** The thread in {@link #quiesce}, woken as each operation under way ends; null otherwise. */
    private volatile Thread closer;
    private static final long QUIESCE_RECHECK_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(50);
    /** Why nothing may be written (an environment opened only to inspect it), or null. */
    private volatile String readOnlyReason;

    public TxnManager(LockManager locks, Applier applier, FailureHandler failures, Version initial, long nextTxnId) {
        this.locks = locks;
        this.applier = applier;
        this.failures = failures;
        this.current = initial;
        this.lastSequencedTs = initial.ts();
        this.nextTxnId = new AtomicLong(nextTxnId);
    }

    public void configure(IsolationLevel isolation, Durability durability, long timeoutNanos, long lockTimeoutNanos,
            long maxTxnBytes) {
        this.defaultIsolation = isolation;
        this.defaultDurability = durability;
        this.defaultTimeoutNanos = timeoutNanos;
        this.defaultLockTimeoutNanos = lockTimeoutNanos;
        this.maxTxnBytes = maxTxnBytes;
    }

    /**
     * Refuses from now on everything that would write the log or change the data ({@code reason}
     * says why): locking a key for writing (put, delete, getForUpdate), prepare, the outcome of a
     * prepared transaction, forgetting a heuristic outcome. Reads and transactions that only read
     * go on. The refusal comes first, so a refused call changes nothing.
     */
    public void refuseWrites(String reason) {
        this.readOnlyReason = reason;
    }

    private void checkWritable(String what) {
        String reason = readOnlyReason;
        if (reason != null) {
            throw new org.cairndb.ReadOnlyEnvironmentException("cannot " + what + ": " + reason);
        }
    }

    /**
     * Bounds the heap the conflict information may take for transactions that keep an old snapshot
     * open while others write: past {@code bytes}, the oldest commits' entries are forgotten, and a
     * transaction whose snapshot is older than them can no longer write (see {@link #forgetOldest}).
     */
    public void conflictBudget(long bytes) {
        this.conflictBudget = bytes;
    }

    /** Called before every commit; the environment uses it to hold writers back while dirty memory is too high. */
    public void commitThrottle(Consumer<Txn> throttle) {
        this.commitThrottle = throttle;
    }

    // ---- closing: no log write may find the log closed under it ----

    /**
     * Called before anything that writes the log for a transaction (commit, prepare, the outcome of
     * a prepared transaction, forget). Once the environment began closing it refuses with the
     * closing message; otherwise the operation counts as under way until {@link #exitLogWrite}.
     * The increment comes before the check, and {@link #quiesce} sets the message before it reads
     * the count, so either the operation sees the message or the closer sees the operation.
     */
    private void enterLogWrite() {
        logWriters.increment();
        String closing = closingMessage;
        if (closing != null) {
            logWriters.decrement();
            throw new IllegalStateException(closing);
        }
    }

    private void exitLogWrite() {
        logWriters.decrement();
        Thread c = closer;
        if (c != null) {
            LockSupport.unpark(c);
        }
    }

    /**
     * Refuses every commit, prepare and completion from now on with {@code message}, and waits at
     * most {@code max} for those under way to finish, so that closing the log after this fails none
     * of them (which would otherwise report the environment failed, as if the disk had). Returns
     * false if some were still under way at the deadline.
     */
    public boolean quiesce(String message, java.time.Duration max) {
        closingMessage = message;
        long deadline = System.nanoTime() + max.toNanos();
        // The closer parks until the last operation under way ends and wakes it. An interrupt must not
        // end the wait (the log would close under those operations), and parking returns at once while
        // the thread is interrupted: the closer spun for the whole wait. The interrupt is taken off for
        // the wait and put back after, for the caller to see.
        boolean interrupted = false;
        closer = Thread.currentThread();
        try {
            while (logWriters.sum() != 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                // Bounded all the same: the last operation may have ended just before it could see the closer.
                LockSupport.parkNanos(this, Math.min(left, QUIESCE_RECHECK_NANOS));
                interrupted |= Thread.interrupted();
            }
            return true;
        } finally {
            closer = null;
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public void attachLog(LogManager log) {
        this.log = log;
    }

    public LockManager locks() {
        return locks;
    }

    /** The newest published version. */
    public Version current() {
        return current;
    }

    /** Replaces the current version (recovery, database create and remove); caller excludes commits. */
    public void publishDirect(java.util.function.UnaryOperator<Version> change) {
        applyLock.lock();
        try {
            Version v = change.apply(current);
            current = v;
            sequenceLock.lock();
            try {
                lastSequencedTs = Math.max(lastSequencedTs, v.ts());
            } finally {
                sequenceLock.unlock();
            }
        } finally {
            applyLock.unlock();
        }
    }

    public long nextTxnId() {
        return nextTxnId.get();
    }

    /** Makes sure transaction ids below {@code next} are never handed out (recovery). */
    public void ensureNextTxnId(long next) {
        nextTxnId.accumulateAndGet(next, Math::max);
    }

    // ---- begin ----

    public Txn begin(IsolationLevel isolation, Durability durability, long timeoutNanos, long lockTimeoutNanos) {
        Txn t = new Txn(nextTxnId.getAndIncrement(), isolation != null ? isolation : defaultIsolation,
                durability != null ? durability : defaultDurability,
                timeoutNanos >= 0 ? timeoutNanos : defaultTimeoutNanos,
                lockTimeoutNanos >= 0 ? lockTimeoutNanos : defaultLockTimeoutNanos);
        active.put(t.id(), t);
        return t;
    }

    /**
     * The transaction of one auto-commit operation, with the environment's settings; its failures
     * speak of the write rather than of a transaction the caller never saw.
     */
    public Txn beginAutoCommit() {
        Txn t = begin(null, null, -1, -1);
        // Before it can hold or wait for a lock, where others' messages describe it.
        t.markAutoCommit();
        return t;
    }

    // ---- snapshots ----

    /**
     * The version {@code txn} reads: its snapshot (taken now if it has none) or, for READ_COMMITTED,
     * the newest, which nothing protects: a READ_COMMITTED read must hold a reader slot
     * ({@link #beginRead}) or a pin while it reads, or a checkpoint may reuse the pages under it.
     */
    public Version readVersion(Txn txn) {
        if (txn.isolation() == IsolationLevel.READ_COMMITTED) {
            return current;
        }
        return snapshot(txn);
    }

    Version snapshot(Txn txn) {
        Version s = txn.snapshot;
        if (s != null) {
            return s;
        }
        // Under the transaction's monitor, as its end releases the snapshot there: a transaction
        // rolled back (by its timeout) between its caller's check and this point registered a
        // snapshot nothing would ever release, holding back page reuse and pruning for good.
        synchronized (txn) {
            if (txn.state() != Txn.State.ACTIVE) {
                throw txn.stateError("read in");
            }
            Object token = txn;
            // Register before reading the version so that no page it needs can be reused in between.
            snapshots.put(token, current);
            s = current;
            snapshots.put(token, s);
            txn.snapshot = s;
            txn.snapshotToken = token;
            return s;
        }
    }

    /** Pins the newest version for a short read outside any snapshot; release with {@link #unpin}. */
    public Version pin(Object token) {
        snapshots.put(token, current);
        Version v = current;
        snapshots.put(token, v);
        return v;
    }

    public void unpin(Object token) {
        snapshots.remove(token);
    }

    /**
     * Pins the newest version for a cursor of READ_COMMITTED transaction {@code txn}, until
     * {@link #unpinCursor} or the end of the transaction, whichever comes first: a cursor left open
     * after its transaction ended (it can no longer be used) kept its version pinned for good, so
     * that no freed page was reused again and the conflict information of every later commit was
     * kept in memory.
     */
    public Version pinForCursor(Txn txn, Object token) {
        synchronized (txn) {
            if (txn.state() != Txn.State.ACTIVE) {
                throw txn.stateError("open a cursor in");
            }
            if (txn.cursorPins == null) {
                txn.cursorPins = new ArrayList<>(2);
            }
            txn.cursorPins.add(token);
            return pin(token);
        }
    }

    /** Releases a pin taken with {@link #pinForCursor} (nothing if the transaction's end released it). */
    public void unpinCursor(Txn txn, Object token) {
        synchronized (txn) {
            if (txn.cursorPins != null && txn.cursorPins.remove(token)) {
                unpin(token);
            }
        }
    }

    /**
     * Marks a read of {@code txn}'s versions (its snapshot, or a READ_COMMITTED cursor's pinned
     * version) as under way, until {@link #exitRead}; throws if the transaction is no longer active.
     * The end of a transaction can come from another thread (its timeout, the close) while its own
     * thread is in the middle of a read: the versions it reads are then released only when that read
     * ends. Released at once, a checkpoint could reuse their pages under the read, which then went
     * on to read other pages at those places and returned what its snapshot never held (a key
     * present in every version reported absent: ReapedReadTest).
     */
    public void enterRead(Txn txn) {
        synchronized (txn) {
            if (txn.state() != Txn.State.ACTIVE) {
                throw txn.stateError("read in");
            }
            txn.readsUnderWay++;
        }
    }

    /** Ends a read begun with {@link #enterRead}, releasing the versions if the transaction ended meanwhile. */
    public void exitRead(Txn txn) {
        synchronized (txn) {
            if (--txn.readsUnderWay == 0 && txn.readViewsLeftToReads) {
                txn.readViewsLeftToReads = false;
                releaseReadViewsNow(txn);
            }
        }
    }

    /**
     * The versions {@code txn} kept readable (its snapshot, its cursors' pins): released once it can
     * read no more, or by the last read under way (see {@link #enterRead}). Called under its monitor.
     */
    private void releaseReadViews(Txn txn) {
        if (txn.readsUnderWay > 0) {
            txn.readViewsLeftToReads = true;
            return;
        }
        releaseReadViewsNow(txn);
    }

    private void releaseReadViewsNow(Txn txn) {
        if (txn.snapshotToken != null) {
            snapshots.remove(txn.snapshotToken);
            txn.snapshotToken = null;
        }
        if (txn.cursorPins != null) {
            for (Object token : txn.cursorPins) {
                snapshots.remove(token);
            }
            txn.cursorPins = null;
        }
    }

    /**
     * Claims a reader slot for a short read of the newest version (an auto-commit get); release
     * it with {@link #releaseRead}. Cheaper than {@link #pin} for one lookup.
     */
    public int beginRead() {
        // Claim with the version seen first, so that the slot is never newer than what is read.
        return readers.claim(current.ts());
    }

    /** The version a read begun with {@link #beginRead} reads: at least as new as its slot says. */
    public Version readerVersion(int slot) {
        return current;
    }

    public void releaseRead(int slot) {
        readers.release(slot);
    }

    /**
     * The oldest snapshot a conflict check may still be made against: that of the oldest open
     * SNAPSHOT or SERIALIZABLE transaction (a transaction's snapshot is registered with the
     * transaction itself as its token). Cursor pins, short pins and reader slots keep pages
     * readable but never check conflicts: counting them, as pruning did, kept the conflict
     * information of every commit in the heap while an auto-commit cursor stayed open.
     */
    private long minConflictTs() {
        long min = current.ts();
        for (Map.Entry<Object, Version> e : snapshots.entrySet()) {
            if (e.getKey() instanceof Txn) {
                min = Math.min(min, e.getValue().ts());
            }
        }
        return min;
    }

    /** The oldest timestamp any reader may still be reading at. */
    public long minSnapshotTs() {
        long min = Math.min(current.ts(), readers.min());
        for (Version v : snapshots.values()) {
            min = Math.min(min, v.ts());
        }
        return min;
    }

    // ---- writes ----

    /**
     * Locks a key for writing. Under SNAPSHOT and SERIALIZABLE, fails with
     * {@link WriteConflictException} (rolling the transaction back) when another transaction
     * committed the key after this one's snapshot, unless this transaction locked the key with
     * {@link #lockForUpdate} and so read its newest version. Returns true in that case: what the
     * transaction knows of the key is then that newest version, not its snapshot's.
     */
    public boolean lockForWrite(Txn txn, LockKey key) {
        checkWritable("write in transaction " + txn.id());
        return lock(txn, key, false);
    }

    /**
     * Locks a key for a locking read ({@code getForUpdate}). Under SNAPSHOT, a key another
     * transaction committed after this one's snapshot is no conflict: the caller must read it at the
     * newest version (true is returned), which the lock now keeps from changing, as a locking read
     * does in InnoDB. So a read-modify-write through getForUpdate waits for the lock instead of
     * failing. SERIALIZABLE keeps the conflict (its reads must all come from one snapshot).
     */
    public boolean lockForUpdate(Txn txn, LockKey key) {
        checkWritable("lock a key for update (getForUpdate) in transaction " + txn.id());
        boolean latest = lock(txn, key, txn.isolation() == IsolationLevel.SNAPSHOT);
        checkLockedNotWritten(txn);
        return latest;
    }

    /** Heap a lock held by a transaction takes besides its key: the lock table's entry, the LockKey, the transaction's list. */
    static final int LOCK_OVERHEAD = 128;

    /**
     * Bounds the keys a transaction holds locked without writing them (locking reads) by
     * {@code cairn.txn.max.bytes}, as its writes are: each takes a lock and its place in the
     * transaction (about 130 bytes besides the key) until the transaction ends, and nothing bounded
     * them, so that a transaction locking 450,000 absent keys with getForUpdate ran a 64 MB heap
     * out of memory. Past the limit the transaction is rolled back with an error naming the setting.
     */
    private void checkLockedNotWritten(Txn txn) {
        String msg;
        synchronized (txn) {
            int held = txn.locks.size();
            long lockedOnly = held - (long) txn.writes.size();
            if (lockedOnly <= 0 || lockedOnly * (LOCK_OVERHEAD + txn.lockKeyBytes / held) <= maxTxnBytes) {
                return;
            }
            msg = txn.describe() + " holds " + lockedOnly + " keys locked by getForUpdate without writing them, about "
                    + lockedOnly * (LOCK_OVERHEAD + txn.lockKeyBytes / held) + " bytes of locks, more than cairn.txn.max.bytes ("
                    + maxTxnBytes + "); " + txn.rolledBack();
        }
        abortQuietly(txn, msg);
        throw new org.cairndb.TransactionException(txn.id(), msg);
    }

    private boolean lock(Txn txn, LockKey key, boolean mayReadLatest) {
        boolean acquired;
        try {
            acquired = locks.lock(txn, key, txn.lockTimeoutNanos());
        } catch (RuntimeException e) {
            abortQuietly(txn, e.getMessage());
            throw e;
        }
        synchronized (txn) {
            if (txn.state() != Txn.State.ACTIVE) {
                if (acquired) {
                    locks.releaseAll(txn, List.of(key));
                }
                throw txn.stateError("write in");
            }
            if (acquired) {
                txn.locks.add(key);
                txn.lockKeyBytes += key.key().length;
            }
        }
        if (txn.isolation() == IsolationLevel.READ_COMMITTED) {
            return false;
        }
        Version snap = snapshot(txn);
        Long ts = recentWrites.get(key);
        // An entry present is the key's last commit (forgetting removes an entry only with its own
        // commit's list). A missing one was pruned (its last commit lies before every snapshot) or,
        // with a horizon past this snapshot, perhaps forgotten: then nothing tells. Read after the
        // entry: the horizon moves before entries are forgotten.
        boolean forgotten = ts == null && snap.ts() < conflictHorizon;
        if ((ts == null || ts <= snap.ts()) && !forgotten) {
            return false;
        }
        synchronized (txn) {
            if (txn.lockedAtLatest != null && txn.lockedAtLatest.contains(key)) {
                return true;
            }
            if (mayReadLatest) {
                if (txn.lockedAtLatest == null) {
                    txn.lockedAtLatest = new java.util.HashSet<>();
                }
                txn.lockedAtLatest.add(key);
                return true;
            }
        }
        conflicts.increment();
        String msg = ts != null && ts > snap.ts()
                ? "write conflict: " + locks.describe(key) + " was changed by a transaction that committed after "
                        + "transaction " + txn.id() + " took its snapshot; transaction " + txn.id() + " was rolled back"
                : "write conflict: " + tooOld(txn, "whether " + locks.describe(key) + " changed since") + "; transaction "
                        + txn.id() + " was rolled back";
        abortQuietly(txn, msg);
        throw new WriteConflictException(txn.id(), msg);
    }

    /** Adds a write to the transaction's write set, enforcing the size limit. */
    public void addWrite(Txn txn, int dbId, byte[] key, byte[] value) {
        checkWritable("write in transaction " + txn.id());
        String closing = closingMessage;
        if (closing != null) {
            // The close rolls back every active transaction, one after another: a write whose lock
            // the roll-back of an earlier one handed over must not land in one not reached yet.
            throw new IllegalStateException(closing);
        }
        synchronized (txn) {
            checkActive(txn);
            txn.writes.put(dbId, key, value);
        }
        String excess = TxnSizeLimit.excess(txn.writes, maxTxnBytes, TxnSizeLimit.MAX_LOGGED_BYTES);
        if (excess != null) {
            String msg = txn.describe() + " " + excess + "; " + txn.rolledBack();
            abortQuietly(txn, msg);
            throw new org.cairndb.TransactionException(txn.id(), msg);
        }
    }

    public void recordRead(Txn txn, LockKey key) {
        if (txn.readKeys != null && txn.readKeys.add(key)) {
            txn.readKeyBytes += key.key().length + READ_KEY_OVERHEAD;
            if (txn.readKeyBytes > maxTxnBytes / 4) {
                coalesceReads(txn);
            }
        }
    }

    /** Heap a key in a SERIALIZABLE transaction's read set takes besides its bytes (its LockKey, array header, set entry). */
    static final int READ_KEY_OVERHEAD = 80;

    /**
     * Replaces the keys a SERIALIZABLE transaction read one by one with, per database, the range
     * from the least to the greatest of them: its read set was unbounded, so that a transaction
     * reading 650,000 absent keys ran a 64 MB heap out of memory (about 90 bytes a key), although it
     * wrote nothing and the database was empty. A range protects what the keys did and more (a
     * write between them now fails it too), so the validation stays sound, with more conflicts, and
     * a prepare protects the range instead of locking each key. Done each time the keys read since
     * the last time take a quarter of {@code cairn.txn.max.bytes} (the bound of the write set).
     */
    private static void coalesceReads(Txn txn) {
        java.util.HashMap<Integer, byte[][]> bounds = new java.util.HashMap<>();
        for (LockKey k : txn.readKeys) {
            byte[][] b = bounds.computeIfAbsent(k.dbId(), d -> new byte[][] {k.key(), k.key()});
            if (Bytes.compare(k.key(), b[0]) < 0) {
                b[0] = k.key();
            }
            if (Bytes.compare(k.key(), b[1]) > 0) {
                b[1] = k.key();
            }
        }
        for (Map.Entry<Integer, byte[][]> e : bounds.entrySet()) {
            byte[] max = e.getValue()[1];
            // A range's end is exclusive: the key just after the greatest is that key and a zero
            // byte; past the longest key there is none, so the range is open above.
            byte[] to = max.length >= org.cairndb.Database.MAX_KEY_SIZE ? null : java.util.Arrays.copyOf(max, max.length + 1);
            txn.readRanges.add(new Txn.Range(e.getKey(), e.getValue()[0], to));
        }
        txn.readKeys = new java.util.HashSet<>();
        txn.readKeyBytes = 0;
    }

    public void recordRange(Txn txn, int dbId, byte[] from, byte[] to) {
        if (txn.readRanges != null) {
            txn.readRanges.add(new Txn.Range(dbId, from, to));
        }
    }

    // ---- commit ----

    /** Commits a transaction (one phase, or the second phase of a prepared one). */
    public void commit(Txn txn) {
        commit(txn, false);
    }

    /**
     * Commits; with {@code heuristic}, a prepared transaction is committed by an admin's decision,
     * which the environment then remembers (see {@link #heuristics()}) until forgotten.
     */
    public void commit(Txn txn, boolean heuristic) {
        if (txn.state() == Txn.State.PREPARED) {
            checkWritable("commit prepared transaction " + txn.id());
        }
        enterLogWrite();
        try {
            commitOpen(txn, heuristic);
        } finally {
            exitLogWrite();
        }
    }

    private void commitOpen(Txn txn, boolean heuristic) {
        boolean wasPrepared = txn.state() == Txn.State.PREPARED;
        if (heuristic && !wasPrepared) {
            throw txn.stateError("heuristically commit");
        }
        if (!wasPrepared) {
            beginFinishing(txn, "commit");
        } else {
            claimCompletion(txn, "commit");
        }
        if (txn.writes.isEmpty()) {
            if (wasPrepared) {
                logPreparedOutcome(txn, true, heuristic);
                removePrepared(txn);
            }
            finish(txn, wasPrepared ? Txn.State.PREPARED : Txn.State.ACTIVE, Txn.State.COMMITTED, null);
            commits.increment();
            return;
        }
        try {
            commitThrottle.accept(txn);
        } catch (RuntimeException | Error e) {
            // Nothing was written: the transaction is its owner's again, or a prepared one's
            // completion may be tried again (by the transaction manager's retry, or an admin).
            if (wasPrepared) {
                txn.releaseCompletion();
            } else {
                txn.endFinishing();
            }
            throw e;
        }
        Durability d = txn.durability();
        java.util.function.LongFunction<LogRecord> record = null;
        if (d != Durability.NOT_DURABLE || wasPrepared) {
            byte[] gid = heuristic ? txn.globalId : null;
            List<Op> ops = wasPrepared ? List.of() : txn.writes.toOps();
            long prepareLsn = wasPrepared ? txn.prepareLsn : 0;
            record = millis -> new CommitRecord(txn.id(), millis, prepareLsn, ops, gid);
        }
        txn.requiredDurability = wasPrepared ? Durability.SYNC : d;
        sequence(txn, record, !wasPrepared);
        awaitPublished(txn);
        if (wasPrepared) {
            removePrepared(txn);
        }
        finish(txn, wasPrepared ? Txn.State.PREPARED : Txn.State.ACTIVE, Txn.State.COMMITTED, null);
        commits.increment();
    }

    /** Step 1: validate, take a timestamp, append the record. Returns the LSN the record ends at (0 if none). */
    private long sequence(Txn txn, java.util.function.LongFunction<LogRecord> recordAt, boolean validate) {
        sequenceLock.lock();
        try {
            checkPipeline();
            if (validate) {
                String conflict = txn.isolation() == IsolationLevel.SERIALIZABLE ? validate(txn) : null;
                if (conflict == null) {
                    conflict = writeIntoPreparedRange(txn);
                }
                if (conflict != null) {
                    conflicts.increment();
                    sequenceLock.unlock();
                    try {
                        abortQuietly(txn, conflict);
                    } finally {
                        sequenceLock.lock();
                    }
                    throw new WriteConflictException(txn.id(), conflict);
                }
            }
            long ts = ++lastSequencedTs;
            txn.commitTs = ts;
            long end = 0;
            // Commit times never go backwards in log order, so that recovery to a point in time
            // keeps exactly a prefix of the log.
            long millis = nextLogMillis();
            LogRecord record = recordAt == null ? null : recordAt.apply(millis);
            // Also without a record (NOT_DURABLE): the version holds the commit, and so do the data
            // files a checkpoint writes from it, which must not name an earlier one as their last.
            txn.commitMillis = millis;
            if (record != null) {
                LogManager l = log;
                long lsn = l.append(record);
                end = lsn + record.size();
                txn.commitLsn = lsn;
                inFlightLsn.put(ts, lsn);
                if (record instanceof CommitRecord c && c.heuristic()) {
                    // Registered with the record, under this lock, so that a checkpoint's list matches the log.
                    heuristics.put(ByteBuffer.wrap(txn.globalId.clone()), new HeuristicOutcome(txn.globalId, txn.id(), true,
                            Instant.ofEpochMilli(c.commitMillis())));
                }
            }
            txn.commitEnd = end;
            txn.commitPosition = record != null ? end : log == null ? 0 : log.endLsn();
            pending.add(txn);
            if (txn.requiredDurability == Durability.SYNC) {
                rounds.queued();
            }
            List<LockKey> keys = new ArrayList<>(txn.writes.size());
            Long boxedTs = ts; // one box for all the keys
            for (Integer db : txn.writes.databases()) {
                for (byte[] k : txn.writes.forDatabase(db).keySet()) {
                    LockKey lk = new LockKey(db, k);
                    keys.add(lk);
                    recentWrites.put(lk, boxedTs);
                }
            }
            committedWrites.put(ts, keys);
            listedWrites.addAndGet(keys.size());
            listedBytes.addAndGet(listedCost(keys));
            return end;
        } catch (IOException e) {
            throw failures.fail("cannot append to the log", e);
        } finally {
            sequenceLock.unlock();
        }
    }

    /** SERIALIZABLE validation; returns a message if something this transaction read was changed since its snapshot. */
    private String validate(Txn txn) {
        if (txn.snapshot == null) {
            return null;
        }
        if (txn.snapshot.ts() < conflictHorizon && (!txn.readKeys.isEmpty() || !txn.readRanges.isEmpty())) {
            return "serialization failure: " + tooOld(txn, "whether what it read changed since") + "; transaction "
                    + txn.id() + " was rolled back";
        }
        for (Map.Entry<Long, List<LockKey>> e : committedWrites.tailMap(txn.snapshot.ts(), false).entrySet()) {
            for (LockKey k : e.getValue()) {
                if (txn.readKeys.contains(k)) {
                    return "serialization failure: " + locks.describe(k) + ", read by transaction " + txn.id()
                            + ", was changed by a transaction that committed after its snapshot; transaction " + txn.id()
                            + " was rolled back";
                }
                if (inAnyOf(txn.readRanges, k)) {
                    return "serialization failure: a range scanned by transaction " + txn.id() + " gained or lost "
                            + locks.describe(k) + " through a transaction that committed after its snapshot; transaction "
                            + txn.id() + " was rolled back";
                }
            }
        }
        return null;
    }

    /**
     * A key {@code txn} writes inside a range that a prepared SERIALIZABLE transaction scanned: a
     * message naming both, or null. That transaction validated its reads when it prepared and can
     * no longer fail, so a commit into what it read would leave it committing on a view that no
     * serial order gives it; the writer fails instead (as it would have made that transaction fail,
     * had it committed before the other's validation). Checked under the sequence lock, where
     * prepares register their ranges.
     */
    private String writeIntoPreparedRange(Txn txn) {
        if (preparedWithRanges.isEmpty()) {
            return null;
        }
        for (Txn p : preparedWithRanges.values()) {
            LockKey key = p == txn ? null : firstWriteIn(txn.writes, p.protectedRanges);
            if (key != null) {
                return "serialization failure: " + locks.describe(key) + " lies in a range scanned by " + p.describe()
                        + ", which must not change until it ends; transaction " + txn.id() + " was rolled back";
            }
        }
        return null;
    }

    /**
     * A key a prepared transaction writes inside a range {@code txn} (SERIALIZABLE, preparing)
     * scanned: a message, or null. The other commits later, after {@code txn}'s snapshot, which does
     * not see it; once both are prepared nothing could refuse that commit.
     */
    private String preparedWriteIntoScannedRange(Txn txn) {
        for (Txn q : prepared.values()) {
            // The writes as q prepared them, not q.writes: q may be completing in another thread,
            // which empties its write set outside the sequence lock (a commit of q already sequenced
            // is one validate() sees); reading it then failed with a NullPointerException, and the
            // preparing transaction was left claimed (IsolationHistoryTest, SERIALIZABLE with prepares).
            LockKey key = q == txn ? null : firstOpIn(q.preparedOps, txn.readRanges);
            if (key != null) {
                return "serialization failure: a range scanned by transaction " + txn.id() + " holds "
                        + locks.describe(key) + ", written by " + q.describe() + "; transaction " + txn.id()
                        + " was rolled back";
            }
        }
        return null;
    }

    /** The first key written by {@code ops} that lies inside one of {@code ranges}, or null. */
    private static LockKey firstOpIn(List<Op> ops, List<Txn.Range> ranges) {
        if (ranges.isEmpty()) {
            return null;
        }
        for (Op op : ops) {
            LockKey key = new LockKey(op.dbId(), op.key());
            if (inAnyOf(ranges, key)) {
                return key;
            }
        }
        return null;
    }

    /** The first key of {@code writes} that lies inside one of {@code ranges}, or null. */
    private static LockKey firstWriteIn(WriteSet writes, List<Txn.Range> ranges) {
        if (ranges.isEmpty()) {
            return null;
        }
        for (Integer db : writes.databases()) {
            for (byte[] k : writes.forDatabase(db).keySet()) {
                LockKey key = new LockKey(db, k);
                if (inAnyOf(ranges, key)) {
                    return key;
                }
            }
        }
        return null;
    }

    private static boolean inAnyOf(List<Txn.Range> ranges, LockKey key) {
        for (Txn.Range r : ranges) {
            if (r.contains(key)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Steps 2 and 3. One waiting thread at a time is the leader: it makes the log durable as far as
     * every queued transaction needs (one force for all of them), then publishes the ready prefix
     * of the queue as one batch. While a leader forces, new commits queue up behind it, so the next
     * force carries all of them (group commit).
     *
     * <p>The others park. The leader wakes exactly the threads whose transactions it published,
     * and, first of all, the thread of the oldest transaction still queued, which leads the next
     * round. A thread whose transaction is not yet published is not woken (with one condition and
     * {@code signalAll} every waiter woke after every round, most only to wait again, each wake-up
     * handing the lock to the next: at 64 threads about two thread switches per commit, and the
     * next force started only once that chain reached a thread with something to force).
     *
     * <p>No wake-up is lost: a transaction is queued before its thread tries to lead, and a leader
     * gives up leadership before it looks at the queue. Either the thread takes the leadership
     * itself, or the leader finds its transaction (or an older one, whose leader will publish it)
     * in the queue and wakes that transaction's thread. A wake-up that comes before the thread
     * parks makes its park return at once.
     */
    private void awaitPublished(Txn txn) {
        txn.waiter = Thread.currentThread();
        boolean interrupted = false;
        try {
            while (!txn.published) {
                checkPipeline();
                if (leaderActive.compareAndSet(false, true)) {
                    List<Txn> batch = null;
                    try {
                        batch = lead();
                    } finally {
                        leaderActive.set(false);
                        wakeNextLeader();
                        if (batch != null) {
                            wake(batch);
                        } else if (pipelineFailure != null) {
                            wakeAllQueued();
                        }
                    }
                    pruneIfDue();
                } else {
                    LockSupport.park(this);
                    // A commit cannot stop halfway, so an interrupt waits for its end; left set,
                    // it would make every later park return at once and this loop spin.
                    interrupted |= Thread.interrupted();
                }
            }
            rounds.left(txn);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Wakes the thread of the oldest queued transaction, if any, to lead the next round. */
    private void wakeNextLeader() {
        Txn next = pending.peek();
        if (next != null) {
            unpark(next);
        }
    }

    private void wake(List<Txn> batch) {
        for (Txn t : batch) {
            unpark(t);
        }
    }

    /** After a failure: every queued thread must wake up to see it. */
    private void wakeAllQueued() {
        for (Txn t : pending) {
            unpark(t);
        }
    }

    private static void unpark(Txn t) {
        Thread w = t.waiter;
        if (w != null && w != Thread.currentThread()) {
            LockSupport.unpark(w);
        }
    }

    /** Forces and publishes one round; returns the published batch (empty if nothing was ready). */
    private List<Txn> lead() {
        long syncTo = queuedEnd(Durability.SYNC);
        if (syncTo > 0) {
            rounds.awaitReturns(); // the committers of the last round, so that they share this force
            syncTo = queuedEnd(Durability.SYNC);
        }
        long writeTo = queuedEnd(Durability.WRITE_NO_SYNC);
        try {
            if (syncTo > 0) {
                long t0 = System.nanoTime();
                log.sync(syncTo);
                rounds.forced(System.nanoTime() - t0);
            }
            if (writeTo > 0) {
                log.write(writeTo);
            }
        } catch (IOException e) {
            pipelineFailure = e;
            throw failures.fail("cannot write the log (" + e.getMessage() + ")", e);
        }
        applyLock.lock();
        try {
            return drainLocked();
        } finally {
            applyLock.unlock();
        }
    }

    /** How many keys the conflict information remembers (for tests of its pruning). */
    int conflictKeys() {
        return recentWrites.size();
    }

    /** How many keys the per-commit lists of the conflict information hold in all (for tests of its bounds). */
    long conflictListEntries() {
        long n = 0;
        for (List<LockKey> l : committedWrites.values()) {
            n += l.size();
        }
        return n;
    }

    /** The group commit's waits for returning committers (for tests). */
    CommitRounds rounds() {
        return rounds;
    }

    /** Where the log must be made durable ({@code SYNC}) or written ({@code WRITE_NO_SYNC}) to for the queued commits of that durability; 0 if none. */
    private long queuedEnd(Durability d) {
        long end = 0;
        for (Txn t : pending) {
            if (t.requiredDurability == d) {
                end = Math.max(end, t.commitEnd);
            }
        }
        return end;
    }

    /** Publishes, as one batch, the queued transactions whose durability is satisfied, in order. */
    private List<Txn> drainLocked() {
        List<Txn> batch = new ArrayList<>();
        long durable = log == null ? Long.MAX_VALUE : log.durableLsn();
        long written = log == null ? Long.MAX_VALUE : log.writtenLsn();
        for (Txn t = pending.peek(); t != null; t = pending.peek()) {
            boolean ready = switch (t.requiredDurability) {
                case SYNC -> t.commitEnd <= durable;
                case WRITE_NO_SYNC -> t.commitEnd <= written;
                default -> true;
            };
            if (!ready) {
                break;
            }
            batch.add(pending.poll());
        }
        if (batch.isEmpty()) {
            return batch;
        }
        long epoch = batch.get(batch.size() - 1).commitTs;
        try {
            current = applier.apply(current, batch, epoch);
        } catch (RuntimeException | Error e) {
            pipelineFailure = e;
            wake(batch); // taken off the queue, never to be published: their threads must see the failure
            throw failures.fail("cannot apply committed writes to the trees", e);
        }
        rounds.published(batch);
        for (Txn t : batch) {
            // Counted before the transaction is marked published: from then on its thread may end it
            // and clear its writes.
            writesSincePrune += t.writes.size() + 1;
        }
        for (Txn t : batch) {
            t.published = true;
            inFlightLsn.remove(t.commitTs);
        }
        if (writesSincePrune >= 16_384) {
            writesSincePrune = 0;
            pruneDue.set(true);
        }
        return batch;
    }

    /**
     * Prunes the conflict information if a publication asked for it, in the committer's thread
     * after it has handed on the leadership and woken its batch. Pruning 16,384 writes' entries
     * takes milliseconds; under the apply lock it held up every commit behind it (the next round's
     * publication waited for it), now only this committer's return. The maps are concurrent and
     * the entries pruned lie before every open snapshot, so commits may go on meanwhile.
     */
    private void pruneIfDue() {
        if (pruneDue.compareAndSet(true, false)) {
            prune();
        }
    }

    private void checkPipeline() {
        Throwable f = pipelineFailure;
        if (f != null) {
            throw failures.fail("an earlier commit could not be applied", f);
        }
    }

    /**
     * Forgets conflict information no open snapshot can need. Every key in {@code recentWrites}
     * was put there with its commit's list in {@code committedWrites}, so the old lists say which
     * entries to remove: an entry goes only if it still holds that commit's timestamp (a later
     * commit of the key keeps it). Scanning the whole of {@code recentWrites} instead was a sixth
     * of a bulk load's time.
     */
    private void prune() {
        pruneLock.lock();
        try {
            forgetThrough(minConflictTs());
            if (listedWrites.get() > 2L * recentWrites.size() + COMPACT_SLACK) {
                compact();
            }
            if (listedBytes.get() > conflictBudget) {
                forgetOldest();
            }
        } finally {
            pruneLock.unlock();
        }
    }

    /**
     * Heap an entry of the conflict information takes, estimated: the key's bytes and its
     * {@code LockKey}, its slots in {@code recentWrites} and in its commit's list, and the commit's
     * share of {@code committedWrites} (measured at about 290 bytes for a 10-byte key).
     */
    private static long listedCost(List<LockKey> keys) {
        long bytes = 0;
        for (LockKey k : keys) {
            bytes += 2L * k.key().length + 256;
        }
        return bytes;
    }

    /**
     * Forgets the oldest commits' conflict information until half the budget is left. It grows
     * with every key written while a transaction keeps its snapshot open (a write needs to know
     * whether its key changed since that snapshot); unbounded, one transaction left open while
     * 200,000 distinct keys were written ran a 64 MB heap out of memory. Past the budget, the
     * transactions whose snapshot is older than the forgotten commits lose the means to check:
     * their reads go on (the versions they read are kept), but a write, or the commit of a
     * SERIALIZABLE transaction that read something, fails as a conflict would, saying why and
     * naming the setting (as Oracle's "snapshot too old"). Newer snapshots lose nothing. The
     * horizon moves first, so a check that misses a forgotten entry sees it.
     */
    private void forgetOldest() {
        sequenceLock.lock();
        try {
            long target = conflictBudget / 2;
            long left = listedBytes.get();
            long cut = -1;
            for (Map.Entry<Long, List<LockKey>> e : committedWrites.entrySet()) {
                if (left <= target) {
                    break;
                }
                left -= listedCost(e.getValue());
                cut = e.getKey();
            }
            if (cut < 0) {
                return;
            }
            conflictHorizon = Math.max(conflictHorizon, cut);
            forgetThrough(cut);
        } finally {
            sequenceLock.unlock();
        }
    }

    /**
     * Drops the conflict information of the commits up to {@code ts} (inclusive): their lists, and
     * each listed key's entry in {@code recentWrites} while it still names that commit (a later
     * commit of the key keeps it). Under {@link #pruneLock}.
     */
    private void forgetThrough(long ts) {
        NavigableMap<Long, List<LockKey>> old = committedWrites.headMap(ts, true);
        long removed = 0;
        long bytes = 0;
        for (Map.Entry<Long, List<LockKey>> e : old.entrySet()) {
            Long commitTs = e.getKey();
            for (LockKey k : e.getValue()) {
                recentWrites.remove(k, commitTs);
            }
            removed += e.getValue().size();
            bytes += listedCost(e.getValue());
        }
        old.clear();
        listedWrites.addAndGet(-removed);
        listedBytes.addAndGet(-bytes);
    }

    /** Why {@code txn} cannot tell {@code what}: its snapshot is older than the conflict information kept. */
    private String tooOld(Txn txn, String what) {
        return "transaction " + txn.id() + " kept its snapshot (commit " + txn.snapshot.ts() + ") open while others wrote "
                + "more keys than the conflict information may remember (cairn.cache.size, at least 16 MiB: "
                + conflictBudget + " bytes), so commits up to " + conflictHorizon + " were forgotten and " + what
                + " cannot be told; end such transactions sooner, or give a larger cairn.cache.size";
    }

    /** Listed writes beyond twice the keys remembered before {@link #compact} runs (keeps it rare for small sets). */
    static final int COMPACT_SLACK = 65_536;

    /**
     * Rebuilds {@code committedWrites} from {@code recentWrites}: each key listed once, under the
     * commit that wrote it last. While a transaction keeps an old snapshot open, pruning can forget
     * nothing after it, and {@code committedWrites} kept a list for every commit since: writers
     * overwriting the same thousand keys under a snapshot held open ran a 64 MB heap out of memory
     * after 300,000 commits (about 170 bytes a commit), although the keys remembered stayed at a
     * thousand. Only a key's last commit matters to the checks: the first-committer-wins check reads
     * {@code recentWrites}, a SERIALIZABLE validation asks whether any commit after its snapshot
     * wrote a key (so whether the last one did), and pruning removes a key when its last commit
     * lies before every snapshot. So the lists are bounded by twice the keys written since the
     * oldest open snapshot, and the rebuild (linear in those keys) runs once per as many commits'
     * keys. Under the sequence lock, where commits add to both maps and validations read them.
     */
    private void compact() {
        sequenceLock.lock();
        try {
            java.util.HashMap<Long, List<LockKey>> byTs = new java.util.HashMap<>();
            for (Map.Entry<LockKey, Long> e : recentWrites.entrySet()) {
                byTs.computeIfAbsent(e.getValue(), t -> new ArrayList<>()).add(e.getKey());
            }
            committedWrites.clear();
            committedWrites.putAll(byTs);
            listedWrites.set(recentWrites.size());
            long bytes = 0;
            for (List<LockKey> keys : byTs.values()) {
                bytes += listedCost(keys);
            }
            listedBytes.set(bytes);
        } finally {
            sequenceLock.unlock();
        }
    }

    // ---- abort ----

    /** Rolls back an active or prepared transaction. */
    public void abort(Txn txn) {
        abort(txn, false);
    }

    /** Rolls back; with {@code heuristic}, a prepared transaction by an admin's decision (remembered until forgotten). */
    public void abort(Txn txn, boolean heuristic) {
        Txn.State s = txn.state();
        if (heuristic && s != Txn.State.PREPARED) {
            throw txn.stateError("heuristically roll back");
        }
        if (s == Txn.State.PREPARED) {
            checkWritable("roll back prepared transaction " + txn.id());
            enterLogWrite();
            try {
                claimCompletion(txn, "rollback");
                logPreparedOutcome(txn, false, heuristic);
                removePrepared(txn);
                finish(txn, Txn.State.PREPARED, Txn.State.ABORTED, "rolled back after prepare");
                aborts.increment();
            } finally {
                exitLogWrite();
            }
            return;
        }
        if (s == Txn.State.ABORTED) {
            return; // already rolled back (deadlock victim, timeout, conflict): nothing left to do
        }
        if (s != Txn.State.ACTIVE) {
            throw txn.stateError("abort");
        }
        if (finish(txn, () -> txn.abortByOwner("rolled back"), Txn.State.ABORTED)) {
            aborts.increment();
            return;
        }
        // It ended between the state read above and the roll-back: a commit or prepare in another
        // thread finished first (or the timeout came). Decided again on the state it has now, as an
        // abort coming a moment later would be; returning here told the caller it was rolled back
        // when it had committed, or stayed prepared with its locks held.
        abort(txn, false);
    }

    /**
     * Rolls back {@code txn} if it is still active, else does nothing ({@link org.cairndb.Transaction#close}):
     * refused only while its commit or prepare is under way.
     */
    public void abortIfActive(Txn txn) {
        if (finish(txn, () -> txn.abortByOwner("rolled back"), Txn.State.ABORTED)) {
            aborts.increment();
        }
    }

    /** Aborts an active transaction after an error (deadlock, conflict, timeout, size limit); never throws. */
    public void abortQuietly(Txn txn, String reason) {
        if (finish(txn, Txn.State.ACTIVE, Txn.State.ABORTED, reason)) {
            aborts.increment();
        }
    }

    private boolean finish(Txn txn, Txn.State from, Txn.State to, String reason) {
        return finish(txn, () -> txn.transition(from, to, reason), to);
    }

    /** Releases what {@code txn} holds once {@code transition} (to state {@code to}) succeeds; whether it did. */
    private boolean finish(Txn txn, java.util.function.BooleanSupplier transition, Txn.State to) {
        synchronized (txn) {
            if (!transition.getAsBoolean()) {
                return false;
            }
            locks.releaseAll(txn, txn.locks);
            txn.locks.clear();
            releaseReadViews(txn);
            txn.writes.clear();
            active.remove(txn.id());
        }
        if (to == Txn.State.ABORTED) {
            locks.wake(txn);
        }
        return true;
    }

    // ---- two-phase commit ----

    /**
     * First phase: writes a durable PREPARE record with the global id and the writes. Afterwards
     * the transaction can only be committed or rolled back, also after a crash.
     */
    public void prepare(Txn txn, byte[] globalId) {
        checkWritable("prepare transaction " + txn.id());
        enterLogWrite();
        try {
            prepareOpen(txn, globalId);
        } finally {
            exitLogWrite();
        }
    }

    private void prepareOpen(Txn txn, byte[] globalId) {
        checkActive(txn, false, "prepare");
        if (globalId == null || globalId.length == 0) {
            throw new IllegalArgumentException("a prepared transaction needs a non-empty global id");
        }
        String inUse = globalIdInUse(globalId);
        if (inUse != null) {
            throw new TransactionStateException(inUse);
        }
        beginFinishing(txn, "prepare");
        try {
            prepareClaimed(txn, globalId);
        } catch (RuntimeException | Error e) {
            // Failed before its PREPARE record was taken. A conflict or a lock timeout has rolled the
            // transaction back already; any other failure (a check that threw, as one reading another
            // transaction's write set once did, or a record too large) left it claimed, its owner's
            // abort and close refused as "its prepare is under way" and its locks held until the
            // environment closed: it is its owner's again, to roll back or to prepare again. Once the
            // record is in the log (txn.prepareLsn set) it is prepared or the environment has failed,
            // and nothing is handed back.
            if (txn.prepareLsn == 0) {
                txn.endFinishing();
            }
            throw e;
        }
    }

    /** {@link #prepare} once the transaction is claimed for it. */
    private void prepareClaimed(Txn txn, byte[] globalId) {
        if (txn.isolation() == IsolationLevel.SERIALIZABLE) {
            sequenceLock.lock();
            try {
                String conflict = validate(txn);
                if (conflict != null) {
                    conflicts.increment();
                    abortQuietly(txn, conflict);
                    throw new WriteConflictException(txn.id(), conflict);
                }
            } finally {
                sequenceLock.unlock();
            }
            // From here on the keys it read are protected by locks, as two-phase locking would.
            for (LockKey k : txn.readKeys) {
                lockForWrite(txn, k);
            }
        }
        List<Op> ops = txn.writes.toOps();
        List<PrepareRecord.LockedKey> locked = lockedNotWritten(txn);
        try {
            long lsn;
            PrepareRecord rec;
            sequenceLock.lock();
            try {
                String twin = globalIdInUse(globalId);
                if (twin != null) {
                    // Checked again where prepares register: two prepares of one global id at once
                    // both passed the check above.
                    abortQuietly(txn, "global id already used");
                    throw new TransactionStateException(twin + "; transaction " + txn.id() + " was rolled back");
                }
                // Validated again, in the step that registers it as prepared: a commit into a range it
                // scanned, made while it waited above for the locks of the keys it read, found it not
                // yet prepared (so nothing refused that commit), and the first validation came before.
                String conflict = txn.isolation() == IsolationLevel.SERIALIZABLE ? validate(txn) : null;
                if (conflict == null) {
                    conflict = writeIntoPreparedRange(txn);
                }
                if (conflict == null && txn.isolation() == IsolationLevel.SERIALIZABLE) {
                    conflict = preparedWriteIntoScannedRange(txn);
                }
                if (conflict != null) {
                    conflicts.increment();
                    abortQuietly(txn, conflict);
                    throw new WriteConflictException(txn.id(), conflict);
                }
                List<Txn.Range> scanned = txn.readRanges == null ? List.of() : List.copyOf(txn.readRanges);
                long now = nextLogMillis();
                rec = new PrepareRecord(txn.id(), now, globalId.clone(), ops, locked, toRecord(scanned));
                lsn = log.append(rec);
                txn.prepareLsn = lsn;
                txn.globalId = globalId.clone();
                txn.prepareMillis = now;
                txn.protectedRanges = scanned;
                txn.preparedOps = ops;
                addPrepared(txn);
            } finally {
                sequenceLock.unlock();
            }
            log.sync(lsn + rec.size());
        } catch (IOException e) {
            removePrepared(txn);
            throw failures.fail("cannot write the PREPARE record", e);
        }
        txn.transition(Txn.State.ACTIVE, Txn.State.PREPARED, null);
        synchronized (txn) {
            releaseReadViews(txn);
        }
    }

    /**
     * Appends a record that carries the time it was made (DATABASE_CREATE, DATABASE_REMOVE), built
     * by {@code record} from that time, and returns its LSN. Under the sequence lock, with the time
     * a commit would get: times never go backwards in log order across these and COMMIT, PREPARE
     * and ABORT records, so that a recovery to a point in time can stop at one of them as at a
     * commit and still keep exactly a prefix of the log.
     */
    public long appendTimed(java.util.function.LongFunction<org.cairndb.log.LogRecord> record) throws IOException {
        sequenceLock.lock();
        try {
            return log.append(record.apply(nextLogMillis()));
        } finally {
            sequenceLock.unlock();
        }
    }

    /**
     * The time for a COMMIT, PREPARE, ABORT or FORGET record about to be appended (under the sequence lock):
     * never before the previous one, so that recovery to a point in time keeps exactly a prefix of
     * the log, whichever of these records it stops at.
     */
    private long nextLogMillis() {
        long millis = Math.max(System.currentTimeMillis(), lastCommitMillis);
        lastCommitMillis = millis;
        return millis;
    }

    private static List<PrepareRecord.ScannedRange> toRecord(List<Txn.Range> ranges) {
        List<PrepareRecord.ScannedRange> list = new ArrayList<>(ranges.size());
        for (Txn.Range r : ranges) {
            list.add(new PrepareRecord.ScannedRange(r.dbId(), r.from(), r.to()));
        }
        return list;
    }

    /** The keys {@code txn} holds locked without writing them, for its PREPARE record. */
    private static List<PrepareRecord.LockedKey> lockedNotWritten(Txn txn) {
        List<PrepareRecord.LockedKey> list = new ArrayList<>();
        synchronized (txn) {
            for (LockKey k : new java.util.LinkedHashSet<>(txn.locks)) {
                if (txn.writes.get(k.dbId(), k.key()) == null) {
                    list.add(new PrepareRecord.LockedKey(k.dbId(), k.key()));
                }
            }
        }
        return list;
    }

    private static void claimCompletion(Txn txn, String action) {
        String under = txn.claimCompletion(action);
        if (under != null) {
            throw new TransactionStateException("cannot " + action + " " + txn.describe() + ": a " + under
                    + " of it is already under way");
        }
    }

    private void logPreparedOutcome(Txn txn, boolean commit, boolean heuristic) {
        byte[] gid = heuristic ? txn.globalId : null;
        try {
            long lsn;
            LogRecord rec;
            sequenceLock.lock();
            try {
                long now = nextLogMillis();
                rec = commit ? new CommitRecord(txn.id(), now, txn.prepareLsn, List.of(), gid)
                        : new AbortRecord(txn.id(), now, txn.prepareLsn, gid);
                lsn = log.append(rec);
                if (heuristic) {
                    heuristics.put(ByteBuffer.wrap(txn.globalId.clone()),
                            new HeuristicOutcome(txn.globalId, txn.id(), commit, Instant.ofEpochMilli(now)));
                }
            } finally {
                sequenceLock.unlock();
            }
            log.sync(lsn + rec.size());
        } catch (IOException e) {
            throw failures.fail("cannot log the outcome of prepared " + txn.describe(), e);
        }
    }

    /**
     * Recovery: re-creates a transaction that was prepared when the environment stopped, with its
     * writes and its locks.
     */
    public Txn restorePrepared(long txnId, byte[] globalId, List<Op> ops, List<PrepareRecord.LockedKey> locked,
            List<PrepareRecord.ScannedRange> ranges, long prepareLsn, long prepareMillis) {
        Txn t = new Txn(txnId, defaultIsolation, Durability.SYNC, 0, defaultLockTimeoutNanos);
        for (Op op : ops) {
            t.writes.put(op.dbId(), op.key(), op.isPut() ? op.value() : WriteSet.TOMBSTONE);
            LockKey k = new LockKey(op.dbId(), op.key());
            locks.lockNow(t, k);
            t.locks.add(k);
        }
        for (PrepareRecord.LockedKey l : locked) {
            LockKey k = new LockKey(l.dbId(), l.key());
            locks.lockNow(t, k);
            t.locks.add(k);
        }
        List<Txn.Range> scanned = new ArrayList<>();
        for (PrepareRecord.ScannedRange r : ranges) {
            scanned.add(new Txn.Range(r.dbId(), r.from(), r.to()));
        }
        t.protectedRanges = List.copyOf(scanned);
        t.preparedOps = List.copyOf(ops);
        t.globalId = globalId;
        t.prepareLsn = prepareLsn;
        t.prepareMillis = prepareMillis;
        t.transition(Txn.State.ACTIVE, Txn.State.PREPARED, null);
        addPrepared(t);
        active.put(txnId, t);
        nextTxnId.accumulateAndGet(txnId + 1, Math::max);
        return t;
    }

    public Collection<Txn> preparedTransactions() {
        List<Txn> list = new ArrayList<>(prepared.values());
        list.sort(Comparator.comparingLong(Txn::id));
        return list;
    }

    public Txn preparedByGlobalId(byte[] globalId) {
        return globalId == null ? null : preparedByGid.get(ByteBuffer.wrap(globalId));
    }

    /**
     * Why a prepare cannot take {@code globalId}, or null: a prepared transaction has it, or a heuristic
     * outcome not yet forgotten is remembered under it (a heuristic decision on the new transaction
     * would replace that outcome, unforgotten). Final under the sequence lock, which outcomes are
     * registered under.
     */
    private String globalIdInUse(byte[] globalId) {
        Txn same = preparedByGlobalId(globalId);
        if (same != null) {
            return "global id 0x" + Bytes.hex(globalId) + " is already used by prepared " + same.describe();
        }
        HeuristicOutcome decided = heuristic(globalId);
        return decided == null ? null : "global id 0x" + Bytes.hex(globalId) + " is already used by transaction "
                + decided.txnId() + ", heuristically " + (decided.committed() ? "committed" : "rolled back")
                + " and not yet forgotten (Environment.forgetHeuristic)";
    }

    /** Registers a transaction as prepared (its global id and ranges set). */
    private void addPrepared(Txn t) {
        prepared.put(t.id(), t);
        preparedByGid.put(ByteBuffer.wrap(t.globalId), t);
        if (!t.protectedRanges.isEmpty()) {
            preparedWithRanges.put(t.id(), t);
        }
    }

    private void removePrepared(Txn t) {
        if (prepared.remove(t.id()) != null) {
            preparedByGid.remove(ByteBuffer.wrap(t.globalId), t);
            preparedWithRanges.remove(t.id());
        }
    }

    // ---- heuristic outcomes ----

    /** Heuristic outcomes not yet forgotten, oldest first. */
    public List<HeuristicOutcome> heuristics() {
        List<HeuristicOutcome> list = new ArrayList<>(heuristics.values());
        list.sort(Comparator.comparing(HeuristicOutcome::decidedAt));
        return list;
    }

    /** The heuristic outcome of the transaction with this global id, or null. */
    public HeuristicOutcome heuristic(byte[] globalId) {
        return heuristics.get(ByteBuffer.wrap(globalId));
    }

    /** Forgets a heuristic outcome, durably. Returns false if there was none for this global id. */
    public boolean forget(byte[] globalId) {
        checkWritable("forget a heuristic outcome");
        enterLogWrite();
        try {
            return forgetOpen(globalId);
        } finally {
            exitLogWrite();
        }
    }

    private boolean forgetOpen(byte[] globalId) {
        ByteBuffer key = ByteBuffer.wrap(globalId.clone());
        if (!heuristics.containsKey(key)) {
            return false;
        }
        try {
            long lsn;
            ForgetRecord rec;
            sequenceLock.lock();
            try {
                if (heuristics.remove(key) == null) {
                    return false;
                }
                // Timed like a commit, so that a recovery to a point in time before it stops there.
                rec = new ForgetRecord(globalId.clone(), nextLogMillis());
                lsn = log.append(rec);
            } finally {
                sequenceLock.unlock();
            }
            log.sync(lsn + rec.size());
            return true;
        } catch (IOException e) {
            throw failures.fail("cannot log the forget of a heuristic outcome", e);
        }
    }

    /**
     * Recovery: the heuristic outcomes as the log leaves them, and {@code fromLsn}, where a scan
     * finds them all again (the last CHECKPOINT record recovery met, or where it started).
     */
    public void restoreHeuristics(List<HeuristicOutcome> outcomes, long fromLsn) {
        sequenceLock.lock();
        try {
            heuristics.clear();
            for (HeuristicOutcome h : outcomes) {
                heuristics.put(ByteBuffer.wrap(h.globalId()), h);
            }
            heuristicsFrom = fromLsn;
        } finally {
            sequenceLock.unlock();
        }
    }

    /**
     * The latest LSN the data files' recovery start may have without losing a heuristic outcome:
     * {@link Lsn#NULL} when there is none to lose.
     */
    public long heuristicsFloor() {
        sequenceLock.lock();
        try {
            return heuristics.isEmpty() ? Lsn.NULL : heuristicsFrom;
        } finally {
            sequenceLock.unlock();
        }
    }

    /**
     * Appends a CHECKPOINT record built by {@code build} from the current heuristic outcomes, atomically
     * with respect to heuristic decisions and forgets, so that the record's list is exactly the
     * state at its place in the log. Returns the record's LSN.
     */
    public long appendCheckpoint(java.util.function.Function<List<CheckpointRecord.Heuristic>, CheckpointRecord> build)
            throws IOException {
        checkWritable("write a checkpoint");
        sequenceLock.lock();
        try {
            List<CheckpointRecord.Heuristic> list = new ArrayList<>();
            for (HeuristicOutcome h : heuristics()) {
                list.add(new CheckpointRecord.Heuristic(h.globalId(), h.txnId(), h.committed(), h.decidedAt().toEpochMilli()));
            }
            long lsn = log.append(build.apply(list));
            heuristicsFrom = lsn;
            return lsn;
        } finally {
            sequenceLock.unlock();
        }
    }

    // ---- checkpoint support ----

    /** What a checkpoint needs, captured atomically: a version and the LSN recovery must start from. */
    public record Capture(Version version, long startLsn, long nextTxnId) {
    }

    /**
     * Captures the current version and the LSN from which the log holds everything not in it:
     * the earliest of the log's end, any commit logged but not yet published, and any prepared
     * transaction's PREPARE record.
     */
    public Capture capture() {
        applyLock.lock();
        try {
            sequenceLock.lock();
            try {
                Version v = current;
                long start = log.endLsn();
                if (!inFlightLsn.isEmpty()) {
                    for (long lsn : inFlightLsn.values()) {
                        start = Math.min(start, lsn);
                    }
                }
                for (Txn t : prepared.values()) {
                    start = Math.min(start, t.prepareLsn);
                }
                // Heuristic outcomes decided before the start are found only in the last CHECKPOINT
                // record: the data files are written before this checkpoint's own record, and a crash
                // in between must not leave them starting past every record that names the outcomes.
                if (!heuristics.isEmpty() && heuristicsFrom != Lsn.NULL) {
                    start = Math.min(start, heuristicsFrom);
                }
                return new Capture(v, start, nextTxnId.get());
            } finally {
                sequenceLock.unlock();
            }
        } finally {
            applyLock.unlock();
        }
    }

    // ---- timeouts ----

    /** Rolls back active transactions past their timeout; returns how many. */
    public int abortTimedOut() {
        long now = System.nanoTime();
        int n = 0;
        for (Txn t : active.values()) {
            if (t.state() == Txn.State.ACTIVE && t.isTimedOut(now) && expire(t)) {
                n++;
            }
        }
        return n;
    }

    /**
     * Throws unless {@code txn} may read and write. One past its timeout is rolled back first (as the
     * reaper would do a moment later), so that the exception leaves it rolled back, its locks freed.
     */
    public void checkActive(Txn txn) {
        checkActive(txn, false, "use");
    }

    /** As {@link #checkActive(Txn)}; a refusal says it cannot {@code action} the transaction ("set the timeout of"). */
    public void checkActive(Txn txn, String action) {
        checkActive(txn, false, action);
    }

    /** Claims {@code txn} for its commit or prepare ({@code action}), rolling it back if it is past its timeout. */
    private void beginFinishing(Txn txn, String action) {
        checkActive(txn, true, action);
    }

    private void checkActive(Txn txn, boolean claimForFinishing, String action) {
        try {
            if (claimForFinishing) {
                txn.beginFinishing(action);
            } else {
                txn.checkActive(action);
            }
        } catch (TransactionTimeoutException e) {
            expire(txn);
            throw e;
        }
    }

    /** Rolls back {@code t} for its timeout unless a commit or prepare claimed it; whether it did. */
    private boolean expire(Txn t) {
        if (!finish(t, () -> t.expire("it ran past its timeout"), Txn.State.ABORTED)) {
            return false;
        }
        aborts.increment();
        LOG.log(System.Logger.Level.INFO, "rolled back transaction " + t.id() + ": it ran past its timeout");
        return true;
    }

    /**
     * At close, once no commit is under way: rolls back every active transaction (prepared ones stay
     * prepared, and one whose commit or prepare has begun is left to it), so that a thread waiting
     * for a lock one of them holds, or waiting itself, is woken and told {@code reason} instead of
     * waiting out its lock timeout for a holder that can never finish.
     */
    public void abortActiveAtClose(String reason) {
        for (Txn t : active.values()) {
            if (finish(t, () -> t.endByClose(reason), Txn.State.ABORTED)) {
                aborts.increment();
            }
        }
    }

    /** A transaction that is not finished and has written to database {@code dbId}, or null. */
    public Txn writerIn(int dbId) {
        for (Txn t : active.values()) {
            if (t.writes.forDatabase(dbId) != null) {
                return t;
            }
        }
        return null;
    }

    // ---- statistics ----

    public long commits() {
        return commits.sum();
    }

    public long aborts() {
        return aborts.sum();
    }

    public long conflicts() {
        return conflicts.sum();
    }

    /** Transactions waiting for a lock right now. */
    public int waitingCount() {
        int n = 0;
        for (Txn t : active.values()) {
            if (t.waitingFor != null) {
                n++;
            }
        }
        return n;
    }

    public int activeCount() {
        return active.size();
    }

    public int preparedCount() {
        return prepared.size();
    }

    public String lsnString(long lsn) {
        return Lsn.toString(lsn);
    }
}
