package org.cairndb.txn;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.cairndb.Durability;
import org.cairndb.IsolationLevel;
import org.cairndb.TransactionException;
import org.cairndb.TransactionStateException;
import org.cairndb.TransactionTimeoutException;
import org.cairndb.util.Bytes;

/**
 * A transaction's state: its writes, its locks, its snapshot and, under SERIALIZABLE, what it read.
 * One thread uses a transaction at a time; the timeout reaper may abort it from another thread,
 * which is why state changes are synchronized.
 */
public final class Txn {

    /** Life cycle. ACTIVE → (PREPARED →) COMMITTED, or → ABORTED from ACTIVE or PREPARED. */
    public enum State {
        ACTIVE, PREPARED, COMMITTED, ABORTED
    }

    /** A key range read by a SERIALIZABLE transaction: [from, to), null meaning unbounded. */
    public record Range(int dbId, byte[] from, byte[] to) {
        boolean contains(LockKey k) {
            return k.dbId() == dbId && (from == null || Bytes.compare(k.key(), from) >= 0)
                    && (to == null || Bytes.compare(k.key(), to) < 0);
        }
    }

    private final long id;
    private final IsolationLevel isolation;
    private Durability durability;
    private final long beginMillis;
    private long deadlineNanos;
    private long lockTimeoutNanos;
    private volatile State state = State.ACTIVE;
    private volatile String abortReason;
    private Class<? extends TransactionException> abortKind;

    final WriteSet writes = new WriteSet();
    final List<LockKey> locks = new ArrayList<>();
    Version snapshot;
    Object snapshotToken;
    /**
     * READ_COMMITTED: the pins of this transaction's open cursors (null until the first), released
     * when each closes or, at the latest, when the transaction ends, as a snapshot is.
     */
    List<Object> cursorPins;
    /**
     * Reads of this transaction's versions under way (its snapshot, its cursors' pins), and whether
     * its end found some and left the versions for the last of them to release (see
     * {@link TxnManager#enterRead}). Guarded by this.
     */
    int readsUnderWay;
    boolean readViewsLeftToReads;
    /**
     * SNAPSHOT: keys locked by getForUpdate after a newer commit than the snapshot; they were read at
     * the newest version, so writing them is no conflict (null until the first).
     */
    Set<LockKey> lockedAtLatest;

    // SERIALIZABLE read tracking
    Set<LockKey> readKeys;
    List<Range> readRanges;
    /** Bytes of the keys in {@code locks}, for {@link TxnManager#lockForUpdate}'s bound. */
    long lockKeyBytes;
    /** Estimated heap bytes of {@code readKeys}, for {@link TxnManager#recordRead}'s bound. */
    long readKeyBytes;
    /**
     * Once a SERIALIZABLE transaction is prepared, the ranges it scanned: it can no longer fail its
     * validation, so writers into them fail instead until it ends (empty for any other).
     */
    volatile List<Range> protectedRanges = List.of();
    /**
     * Its writes as it prepared them (the PREPARE record's), for other transactions' checks while it
     * is prepared: they do not change after the prepare, whereas {@link #writes} is emptied when
     * it completes, in its own thread, while such a check may be reading it.
     */
    volatile List<org.cairndb.log.Op> preparedOps = List.of();

    // two-phase commit
    byte[] globalId;
    long prepareLsn;
    long prepareMillis;

    // commit pipeline
    long commitTs;
    long commitLsn;
    long commitEnd;
    /**
     * The time of this transaction's commit, in its COMMIT record if it logged one (a NOT_DURABLE
     * commit logs none but has a time all the same); 0 when it wrote nothing.
     */
    long commitMillis;
    /**
     * Where this commit lies in the log: the end of its COMMIT record, or for a NOT_DURABLE commit
     * (which logs none) the end of the log when it committed; 0 before it commits.
     */
    long commitPosition;
    Durability requiredDurability;
    volatile boolean published;
    /** The group-commit round that published it, when it committed with SYNC (see {@link CommitRounds}); set before {@link #published}. */
    long round;
    /** The thread waiting in commit for this transaction to be published, woken by the leader that publishes it. */
    volatile Thread waiter;

    // lock waiting, read by deadlock detection in other threads
    volatile Txn waitingFor;
    volatile LockKey waitingKey;
    /** Set once this transaction gave up a lock wait to break a deadlock (it is then rolled back). */
    volatile boolean deadlockVictim;

    Txn(long id, IsolationLevel isolation, Durability durability, long timeoutNanos, long lockTimeoutNanos) {
        this.id = id;
        this.isolation = isolation;
        this.durability = durability;
        this.beginMillis = System.currentTimeMillis();
        this.deadlineNanos = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
        this.lockTimeoutNanos = lockTimeoutNanos;
        if (isolation == IsolationLevel.SERIALIZABLE) {
            readKeys = new HashSet<>();
            readRanges = new ArrayList<>();
        }
    }

    public long id() {
        return id;
    }

    public IsolationLevel isolation() {
        return isolation;
    }

    public Durability durability() {
        return durability;
    }

    public void durability(Durability d) {
        this.durability = d;
    }

    public State state() {
        return state;
    }

    public long beginMillis() {
        return beginMillis;
    }

    public long lockTimeoutNanos() {
        return lockTimeoutNanos;
    }

    public void lockTimeoutNanos(long nanos) {
        this.lockTimeoutNanos = nanos;
    }

    /** Sets the transaction timeout, counted from now; 0 removes it. */
    public void timeoutNanos(long nanos) {
        this.deadlineNanos = nanos > 0 ? System.nanoTime() + nanos : 0;
    }

    public boolean isTimedOut(long nowNanos) {
        return deadlineNanos != 0 && nowNanos - deadlineNanos > 0;
    }

    /** The transaction this one waits for a lock from, or null. */
    public Txn waitingFor() {
        return waitingFor;
    }

    /** The time of this transaction's commit (see {@link #commitMillis}), or 0 if it wrote nothing. */
    public long commitMillis() {
        return commitMillis;
    }

    /** Where this commit lies in the log (see the field); 0 before it commits. */
    public long commitPosition() {
        return commitPosition;
    }

    public WriteSet writes() {
        return writes;
    }

    public List<LockKey> locks() {
        return locks;
    }

    public byte[] globalId() {
        return globalId;
    }

    public long prepareLsn() {
        return prepareLsn;
    }

    public long prepareMillis() {
        return prepareMillis;
    }

    public String abortReason() {
        return abortReason;
    }

    /**
     * The commit or prepare under way ("commit", "prepare"), set when it begins, else null. From then
     * on the timeout reaper leaves the transaction alone: a commit record or PREPARE record may
     * already be on its way to the log, and rolling the transaction back in memory under it would
     * make memory and log disagree.
     */
    private String finishing;

    /**
     * Claims the transaction for its commit or prepare ({@code action}, for the error); throws as
     * {@link #checkActive} does if it may no longer finish.
     */
    synchronized void beginFinishing(String action) {
        checkActive(action);
        if (finishing != null) {
            // Another thread's commit or prepare (a transaction is used by one thread at a time): both
            // would go on, each logging and publishing it.
            throw underWay(action);
        }
        finishing = action;
    }

    /** A commit or prepare that failed before it wrote anything hands the transaction back to its owner. */
    synchronized void endFinishing() {
        finishing = null;
    }

    /**
     * Rolls the transaction back at its owner's request; whether it did (false if it was no longer
     * active). Refused while a commit or prepare runs in another thread: rolled back under it, the
     * commit returned as if it had committed, its writes gone (from memory; the log keeps them if
     * its record had already taken them).
     */
    synchronized boolean abortByOwner(String reason) {
        if (state == State.ACTIVE && finishing != null) {
            throw underWay("abort");
        }
        return transition(State.ACTIVE, State.ABORTED, reason);
    }

    private TransactionStateException underWay(String action) {
        return new TransactionStateException("cannot " + action + " transaction " + id + ": its " + finishing
                + " is under way");
    }

    /** Rolls the transaction back for its timeout, unless a commit or prepare has begun; whether it did. */
    synchronized boolean expire(String reason) {
        if (finishing != null || state != State.ACTIVE) {
            return false;
        }
        // Before the state changes: a thread waiting for a lock reads the state without this
        // monitor, and must find the reason set once it sees the transaction rolled back.
        expired = true;
        return transition(State.ACTIVE, State.ABORTED, reason);
    }

    /**
     * Set when the transaction was rolled back for its timeout (by the background reaper, or by the
     * call that found it past its deadline): every later call on it gets the same
     * {@link TransactionTimeoutException} as the call that came first would have, not a
     * state error; which one a caller saw depended on whether the reaper came first.
     */
    private volatile boolean expired;

    /** Set when the transaction was rolled back because its environment closed (see {@link #endByClose}). */
    private volatile boolean endedByClose;

    /**
     * Rolls the transaction back because its environment is closing ({@code reason} says which),
     * unless a commit or prepare has begun; whether it did. A thread waiting for a lock is then told
     * that, not that it timed out.
     */
    synchronized boolean endByClose(String reason) {
        if (finishing != null || state != State.ACTIVE) {
            return false;
        }
        endedByClose = true; // before the state changes, as in expire
        return transition(State.ACTIVE, State.ABORTED, reason);
    }

    /** Throws unless the transaction may read and write. */
    public void checkActive() {
        checkActive("use");
    }

    /** Throws unless the transaction may read and write; the error says it cannot {@code action} it ("commit"). */
    void checkActive(String action) {
        State s = state;
        if (s == State.ACTIVE) {
            if (deadlineNanos != 0 && System.nanoTime() - deadlineNanos > 0) {
                throw new TransactionTimeoutException(id, "transaction " + id + " ran past its timeout; it was rolled back");
            }
            return;
        }
        throw stateError(action);
    }

    /**
     * The error for {@code action} on this transaction, which is not active. One rolled back by the
     * close of its environment says what every call on a closed environment says (an
     * {@link IllegalStateException}): no retry can help, unlike after a deadlock or timeout.
     */
    RuntimeException stateError(String action) {
        if (endedByClose) {
            return new IllegalStateException(abortReason);
        }
        State s = state;
        if (s == State.ABORTED && expired) {
            return new TransactionTimeoutException(id, "cannot " + action + " transaction " + id + ": it ran past its"
                    + " timeout and was rolled back");
        }
        String why = s == State.ABORTED && abortReason != null ? " (" + abortReason + ")" : "";
        return new TransactionStateException("cannot " + action + " transaction " + id + ": it is " + s.name().toLowerCase()
                + why);
    }

    /**
     * Called while waiting for {@code what} (a lock, described): stops the wait if another thread
     * rolled this transaction back.
     */
    void checkNotAbortedWhileWaiting(String what) {
        if (state != State.ABORTED) {
            return;
        }
        if (endedByClose) {
            throw new IllegalStateException(abortReason + "; " + rolledBack() + " while it waited for " + what);
        }
        if (expired) {
            throw new TransactionTimeoutException(id, rolledBack() + " while waiting for " + what
                    + (abortReason != null ? " (" + abortReason + ")" : ""));
        }
        // Rolled back by abort() from another thread (a caller cancelling the work, an XA rollback):
        // no timeout to report; said to be one, the error invited a retry of work the caller had
        // given up. Still a TransactionException: the transaction was rolled back, as its callers
        // (the XA branch among them) expect of a failure that ended it.
        throw new TransactionException(id, rolledBack() + " by abort() while it waited for " + what);
    }

    /** The completion of a prepared transaction under way ("commit" or "rollback"), or null. */
    private String completing;

    /**
     * Claims the completion of this prepared transaction for one caller: a commit and a rollback
     * racing for it (a transaction manager and an admin, say) must not both run. Returns the
     * completion already under way, or null if the claim succeeded.
     */
    synchronized String claimCompletion(String action) {
        if (completing != null) {
            return completing;
        }
        completing = action;
        return null;
    }

    /** Gives up the claim of a completion that failed before it wrote anything: it may be tried again. */
    synchronized void releaseCompletion() {
        completing = null;
    }

    synchronized boolean transition(State from, State to, String reason) {
        if (state != from) {
            return false;
        }
        state = to;
        if (to == State.ABORTED) {
            abortReason = reason;
        }
        return true;
    }

    /**
     * The transaction behind one auto-commit operation ({@code db.put(null, ...)}): the caller never
     * saw it, so messages speak of its write, not of "transaction 12". Set before it is published.
     */
    private boolean autoCommit;

    void markAutoCommit() {
        autoCommit = true;
    }

    /**
     * What became of this transaction after it failed: "transaction 12 was rolled back", or for an
     * auto-commit operation "the write was not made".
     */
    String rolledBack() {
        return autoCommit ? "the write was not made" : "transaction " + id + " was rolled back";
    }

    /**
     * "transaction 12 (prepared, global id 0x...)" for messages; "a single-operation (auto-commit)
     * write" for one the caller did not begin.
     */
    public String describe() {
        if (autoCommit) {
            return "a single-operation (auto-commit) write";
        }
        StringBuilder sb = new StringBuilder("transaction ").append(id);
        if (state == State.PREPARED && globalId != null) {
            sb.append(" (prepared, in doubt, global id 0x").append(Bytes.hex(globalId)).append(")");
        }
        return sb.toString();
    }
}
