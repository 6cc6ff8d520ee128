package org.cairndb.recovery;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.cairndb.CorruptionException;
import org.cairndb.RecoveryReport;
import org.cairndb.StorageException;
import org.cairndb.env.DatabaseImpl;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.io.StorageFile;
import org.cairndb.log.AbortRecord;
import org.cairndb.log.CheckpointRecord;
import org.cairndb.log.CommitPoint;
import org.cairndb.log.CommitRecord;
import org.cairndb.log.DatabaseCreateRecord;
import org.cairndb.log.DatabaseRemoveRecord;
import org.cairndb.log.LogRecord;
import org.cairndb.log.LogRecordType;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.Op;
import org.cairndb.log.PayloadInput;
import org.cairndb.log.PrepareRecord;
import org.cairndb.log.RecordFrame;
import org.cairndb.log.SegmentFiles;
import org.cairndb.util.Counted;

/**
 * Normal recovery: brings the data files up to date with the log when an environment is opened.
 *
 * <h2>Why one pass is enough</h2>
 * The log holds only committed work (a transaction's writes reach the log in its COMMIT record,
 * or in its PREPARE record for two-phase commit), and data files hold only committed state. So
 * there is nothing to undo: recovery is a single redo pass.
 *
 * <ol>
 * <li>Open every data file, each at the newer of its two valid header copies. Each header names
 * the LSN its version needs the log from; replay starts at the earliest of them.</li>
 * <li>Scan forward (see {@link LogScanner} for how a torn tail is told from corruption) and
 * replay, in log order:
 *   <ul>
 *   <li>COMMIT with writes: apply them.</li>
 *   <li>PREPARE: keep the writes aside, by transaction id.</li>
 *   <li>COMMIT of a prepared transaction: apply the writes kept aside. ABORT: drop them.</li>
 *   <li>DATABASE_CREATE / DATABASE_REMOVE: create the data file if a newer incarnation is not
 *   already there; remove it if it is this incarnation.</li>
 *   </ul>
 * Writes are applied in batches, each sorted by key, by a second thread while this one reads
 * the next batch ({@link BatchApplier}); when dirty pages fill the memory budget the data files
 * are checkpointed in the middle of the replay, with the current scan position (or the oldest
 * pending PREPARE) as their start LSN.</li>
 * <li>Cut off a torn tail (overwrite it with zeros, so that stale bytes can never be mistaken for
 * records later) and delete a last segment that was created but never begun.</li>
 * <li>Restore transactions still prepared at the end, with their writes and their locks: the
 * transaction manager that prepared them decides their outcome.</li>
 * </ol>
 * Replaying a write the data file already holds is harmless: every write is a whole value or a
 * delete, and writes to one key appear in the log in the order they were made.
 */
public final class RecoveryManager {

    private static final System.Logger LOG = System.getLogger(RecoveryManager.class.getName());
    private static final int OPS_PER_BATCH = 200_000;
    private static final long BATCH_BYTES = 64L << 20;
    private static final long PROGRESS_NANOS = 5_000_000_000L;

    private final EnvironmentImpl env;
    private final org.cairndb.RecoveryTarget target;
    private final boolean repairLog;
    private long cutLsn = Lsn.NULL;
    private boolean targetReached;

    private final Map<Integer, WriteList> pendingWrites = new HashMap<>();
    /**
     * Write lists of earlier batches, emptied, kept for the next batch of their database: a new
     * list per batch grew from nothing to 200,000 writes each time, and the arrays it outgrew were
     * a hundred megabytes of garbage per 200 MB of log.
     */
    private final Map<Integer, WriteList> spareWrites = new HashMap<>();
    private BatchApplier applier;
    private final KeyOrder keyOrder = new KeyOrder();
    /** Where the values of replayed commits are copied as they are decoded. */
    private final ValueArena arena = new ValueArena();
    /** The writes of the record being replayed, decoded before it is known whether they apply. */
    private final WriteList staged = new WriteList();
    private final Op.Sink stage = new Op.Sink() {
        @Override
        public void put(int dbId, byte[] key, PayloadInput in, int valueLength) {
            if (valueLength > ValueArena.LARGEST) {
                byte[] value = new byte[valueLength];
                in.get(value);
                staged.add(dbId, key, value);
            } else {
                int at = arena.append(in, valueLength);
                staged.add(dbId, key, arena.slab(), at, valueLength);
            }
        }

        @Override
        public void delete(int dbId, byte[] key) {
            staged.add(dbId, key, null);
        }
    };
    private long batchBytes;
    private long batchByteLimit;
    private final Map<Long, PrepareRecord> preparedRecords = new HashMap<>();
    private final Map<Long, Long> preparedLsns = new HashMap<>();
    /** The size of each PREPARE record in {@link #preparedRecords}, for the error when the heap is too small to restore it. */
    private final Map<Long, Integer> preparedSizes = new HashMap<>();
    private final Set<Integer> unknownDbs = new HashSet<>();
    private final Map<Integer, Long> unknownDbFirstLsn = new HashMap<>();
    private final Set<Integer> removedIds = new HashSet<>();
    private final List<String> notes = new ArrayList<>();
    private CheckpointRecord lastCheckpoint;
    private final Map<java.nio.ByteBuffer, org.cairndb.HeuristicOutcome> heuristics = new java.util.LinkedHashMap<>();
    private long lastCheckpointLsn;
    private int batchOps;
    private long redone;
    private long rolledBack;
    private long maxTxnId;
    /** The last replayed commit; its position is the end of its COMMIT record. */
    private CommitPoint lastCommit = CommitPoint.UNKNOWN;
    private long position;
    private long startLsn;
    /** The checkpoint start of the last batch handed to the applier (the recovery's start before the first). */
    private long lastBatchStart;
    private long lastProgress = System.nanoTime();
    /** The last record visited and the largest, for the error when the heap is too small. */
    private long lastFrameLsn = Lsn.NULL;
    private int lastFrameSize;
    private long largestFrameLsn = Lsn.NULL;
    private int largestFrameSize;

    public RecoveryManager(EnvironmentImpl env) {
        this(env, null, true);
    }

    /**
     * @param target    where to stop (point-in-time recovery), or null for the end of the log
     * @param repairLog whether recovery may change the log (cut a torn tail, delete an unused last
     *                  segment, move the log after a target aside); false when recovering a copy
     *                  that later updates must be able to extend with newer copies of its segments,
     *                  and when the environment is opened only to inspect it
     */
    public RecoveryManager(EnvironmentImpl env, org.cairndb.RecoveryTarget target, boolean repairLog) {
        this.env = env;
        this.target = target;
        this.repairLog = repairLog;
    }

    /**
     * Where the replay starts: the earliest checkpoint LSN of the data files opened into
     * {@code catalog}, or {@link Lsn#NULL} (the first segment there is) when there is none.
     */
    public static long startLsn(org.cairndb.env.Catalog catalog) {
        long start = Lsn.NULL;
        for (DatabaseImpl db : catalog.all()) {
            long lsn = db.file().header().checkpointLsn();
            start = start == Lsn.NULL ? lsn : Math.min(start, lsn);
        }
        return start;
    }

    /** Thrown by the visitor at the recovery target; the scan stops there. */
    private static final class TargetReached extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TargetReached() {
            super(null, null, false, false);
        }
    }

    /**
     * Result of recovery: the report, where the log ends, and the highest segment number seen;
     * {@code dataFilesCurrent} when the log holds nothing after the data files' start but CHECKPOINT
     * and FORGET records, so that the data files already hold everything it says.
     */
    public record Outcome(RecoveryReport report, UUID environmentId, long endLsn, long lastSegment, boolean changed,
            long lastCheckpointLsn, long lastCheckpointStartLsn, long lastCheckpointMillis, String tail,
            boolean dataFilesCurrent) {
    }

    /** Set once the log after the target began to move aside (see {@link #movingAside()}). */
    private boolean movingAside;

    /**
     * Whether this point-in-time recovery began to move the log after its target aside, in log/ and
     * in the archive: from then on the segments catastrophic recovery gathered into log/ must stay
     * there even if the recovery fails, for the archive's copies of them may be aside already.
     */
    public boolean movingAside() {
        return movingAside;
    }

    /** Runs normal recovery over the data files already opened into the environment's catalog. */
    public Outcome recover(UUID expectedEnv) throws IOException {
        long t0 = System.nanoTime();
        expectedEnvironment = expectedEnv;
        long start = startLsn(env.catalog());
        for (DatabaseImpl db : env.catalog().all()) {
            maxTxnId = Math.max(maxTxnId, db.file().header().nextTxnId() - 1);
            // What the log did before the files' start, for the headers of the checkpoints to come.
            env.changeTimes().settle(db.file().header().otherChangeMillis());
        }
        Map<Integer, Long> neverCheckpointed = neverCheckpointed();
        position = start;
        startLsn = start;
        lastBatchStart = start;
        // Two batches can be in memory at once (one applied, one read): a quarter of the dirty budget each at most.
        batchByteLimit = Math.min(BATCH_BYTES, Math.max(1 << 20, env.dirtyLimit() / 4));
        LogScanner scanner = new LogScanner(env.io(), env.home().logDir());
        // The latest start of a data file's checkpoint: the log had been forced past it before the
        // file was written, so damage before it is no torn write, whatever the records after it say.
        DatabaseImpl latest = null;
        for (DatabaseImpl db : env.catalog().all()) {
            if (latest == null || db.file().header().checkpointLsn() > latest.file().header().checkpointLsn()) {
                latest = db;
            }
        }
        if (latest != null) {
            long forced = latest.file().header().checkpointLsn();
            scanner.forcedTo(forced, "the checkpoint of data file " + latest.file().path().getFileName() + " starts at LSN "
                    + Lsn.toString(forced) + ", so the log had been forced past these bytes");
        }
        if (target != null && target.kind() == org.cairndb.RecoveryTarget.Kind.TRANSACTION) {
            requireTransactionInLog(scanner, start, expectedEnv);
        }
        if (target != null && target.kind() == org.cairndb.RecoveryTarget.Kind.TIME) {
            requireNothingTimedAfterTheTargetBefore(start, expectedEnv);
        }
        LogScanner.Result result = null;
        arena.allocateAhead("cairn-recovery-slabs " + env.home().home().getFileName());
        try {
            result = replay(scanner, start, expectedEnv);
        } catch (OutOfMemoryError e) {
            // Caught once the replay's threads have stopped and its buffers are garbage.
            throw OutOfMemoryInRecovery.of(e, env.home().logDir(), lastFrameLsn, lastFrameSize, largestFrameSize,
                    largestFrameLsn, env.config().cacheSize());
        }
        UUID envId = result != null ? result.environmentId() : expectedEnv != null ? expectedEnv : scannedEnv;
        long end = result != null ? result.endLsn() : targetReached ? cutLsn : Lsn.NULL;
        long lastSegment = result != null ? result.lastSegment() : Lsn.segment(end);
        String tail = null;
        boolean changed = redone > 0 || rolledBack > 0;
        if (targetReached) {
            removeDatabasesCreatedAfterTheCut(neverCheckpointed);
        }
        if (target != null) {
            checkDataFilesNotPastTarget(targetReached ? cutLsn : end, targetReached);
            notes.add(targetReached ? "stopped at the recovery target, " + target + ", at LSN " + Lsn.toString(cutLsn)
                    : "the log ends before the recovery target, " + target + ": recovered to its end");
        }
        if (targetReached) {
            if (repairLog) {
                notes.add(moveAside(cutLsn, envId));
            }
            changed = true;
        } else if (result != null) {
            if (result.tail() != null) {
                tail = repairLog ? repairTail(result.tail()) : "the log ends with a torn record at "
                        + Lsn.toString(result.tail().lsn()) + " (" + result.tail().problem() + "), left as it is";
                changed = true;
            }
            if (repairLog) {
                for (long seg : result.unusedSegments()) {
                    Path p = env.home().logDir().resolve(SegmentFiles.name(seg));
                    env.io().delete(p);
                    notes.add("removed " + p.getFileName() + ", a segment created but never begun");
                }
                if (!result.unusedSegments().isEmpty()) {
                    // Durably, before the log goes on in the segment before it: brought back by a power
                    // loss, it would make that segment's torn tail (the unfinished write of that crash)
                    // look like damage to a segment forced whole (see LogScanner).
                    env.io().syncDirectory(env.home().logDir());
                }
            }
        }
        // A file there but without a valid header is named as such first: otherwise the writes the log
        // holds for its database reported it as missing, pointing at the data directory.
        env.checkBlankFilesRecreated();
        checkMissingDatabases();
        notes.addAll(0, env.openNotes());
        int restored = restorePrepared();
        env.txns().restoreHeuristics(new ArrayList<>(heuristics.values()), heuristicsFrom());
        env.txns().ensureNextTxnId(maxTxnId + 1);
        if (lastCheckpoint != null) {
            env.txns().ensureNextTxnId(lastCheckpoint.nextTxnId());
            env.catalogNoteNextId(lastCheckpoint.nextDbId());
        }
        // The data files may name a later commit than the last one replayed: a checkpoint taken while a
        // transaction was in doubt starts the replay before commits its version holds, and that version
        // may end with a NOT_DURABLE commit, which the log does not hold. The later one is the last held.
        // Compared by position in the log where the data files record it (times follow the clock, which
        // may have been set back between two runs), else by time.
        CommitPoint held = env.txns().current().lastCommit();
        // A NOT_DURABLE commit lies where the log ended when it committed, so at the same position as
        // the logged commit before it: a tie with another transaction goes to the data files' one.
        boolean replayedACommit = lastCommit.isKnown() && (held.knowsLsn()
                ? lastCommit.lsn() > held.lsn() || (lastCommit.lsn() == held.lsn() && lastCommit.txnId() == held.txnId())
                : lastCommit.millis() >= held.millis());
        if (replayedACommit) {
            // The recovered version ends at this commit; the checkpoint that follows records it in the data files.
            env.txns().publishDirect(v -> v.withLastCommit(lastCommit));
        }
        CommitPoint recovered = env.txns().current().lastCommit();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // With no data file to name a start (the data files lost, the log alone), the replay began at
        // the first record of the first segment there: reported as that, not as "0/0".
        long began = start == Lsn.NULL && firstReplayedLsn != Lsn.NULL ? firstReplayedLsn : start;
        RecoveryReport report = new RecoveryReport(Lsn.toString(began), Lsn.toString(end),
                result == null ? segmentsReplayed : result.segmentsScanned(),
                result == null ? recordsReplayed : result.recordsScanned(), redone,
                rolledBack, restored, tail, recovered.txnId(),
                recovered.isKnown() ? Instant.ofEpochMilli(recovered.millis()) : null,
                replayedACommit, env.catalog().all().size(), ms, List.copyOf(notes));
        return new Outcome(report, envId, end, lastSegment, changed, lastCheckpointLsn,
                lastCheckpoint == null ? start : lastCheckpoint.startLsn(),
                lastCheckpoint == null ? 0 : lastCheckpoint.checkpointMillis(), tail,
                !sawData && !targetReached && tail == null);
    }

    /**
     * Restores the transactions still prepared at the end of the log, each with its writes and a
     * lock on each key, held in memory until their outcome is decided. That takes more memory than
     * their replay did (a write set entry and a lock for each write, besides the decoded writes):
     * when the heap is too small for it, the error names the transaction, its PREPARE record and
     * the heap to give, as the replay's does, instead of a bare OutOfMemoryError.
     */
    private int restorePrepared() {
        long allWrites = 0;
        long allBytes = 0;
        for (Map.Entry<Long, PrepareRecord> r : preparedRecords.entrySet()) {
            allWrites += r.getValue().ops().size();
            allBytes += preparedSizes.get(r.getKey());
        }
        int restored = 0;
        long txnId = 0;
        // Room to say what went wrong: when the heap is full, the message needs a little. Large enough
        // to be given whole regions of its own (G1 gives a new object no room freed inside a region
        // still in use), so that dropping it makes that room.
        byte[] reserve = new byte[2 << 20];
        try {
            for (Map.Entry<Long, PrepareRecord> e : preparedRecords.entrySet()) {
                txnId = e.getKey();
                PrepareRecord p = e.getValue();
                env.txns().restorePrepared(txnId, p.globalId(), p.ops(), p.lockedKeys(), p.scannedRanges(),
                        preparedLsns.get(txnId), p.prepareMillis());
                restored++;
            }
            java.lang.ref.Reference.reachabilityFence(reserve);
        } catch (OutOfMemoryError e) {
            reserve = null;
            throw OutOfMemoryInRecovery.restoring(e, env.home().logDir(), txnId, preparedRecords.get(txnId).ops().size(),
                    preparedLsns.get(txnId), preparedSizes.get(txnId), restored, preparedRecords.size(), allWrites,
                    allBytes, env.config().cacheSize());
        }
        return restored;
    }

    /** Reads the log from {@code start} and applies it; returns the scan's result (null at a target). */
    private LogScanner.Result replay(LogScanner scanner, long start, UUID expectedEnv) throws IOException {
        LogScanner.Result result = null;
        try (arena; BatchApplier a = new BatchApplier(env, env.txns().current().ts())) {
            applier = a;
            if (target != null && target.kind() == org.cairndb.RecoveryTarget.Kind.LSN) {
                // Stop before reading past the target, so that damage just after it does not stop
                // the recovery of everything before it (the visitor's check then never fires).
                scanner.stopAt(target.inclusive() ? target.value() + 1 : target.value());
            }
            try {
                result = scanner.scan(start, expectedEnv, this::visit);
            } catch (TargetReached reached) {
                targetReached = true;
            } catch (LogScanner.StopReached stopped) {
                cutLsn = stopped.lsn();
                targetReached = true;
            }
            drain();
        } finally {
            applier = null;
        }
        return result;
    }

    /** Where a scan finds again the heuristic outcomes met so far: the last CHECKPOINT record met, else the start. */
    private long heuristicsFrom() {
        return lastCheckpointLsn != Lsn.NULL ? lastCheckpointLsn : startLsn;
    }

    /** Whether the replay met any record other than CHECKPOINT and FORGET. */
    private boolean sawData;
    private long recordsReplayed;
    private int segmentsReplayed;
    private long lastSegmentReplayed = -1;

    private void visit(RecordFrame frame) throws IOException {
        LogRecord rec;
        staged.clear();
        lastFrameLsn = frame.lsn();
        lastFrameSize = frame.size();
        if (frame.size() > largestFrameSize) {
            largestFrameSize = frame.size();
            largestFrameLsn = frame.lsn();
        }
        if (firstReplayedLsn == Lsn.NULL) {
            firstReplayedLsn = frame.lsn();
        }
        try {
            // A COMMIT's writes go straight to the staging list, their values into the arena's slabs.
            rec = frame.type() == LogRecordType.COMMIT ? CommitRecord.readReplaying(frame, stage) : frame.decode();
        } catch (RuntimeException e) {
            throw new CorruptionException(env.home().logDir().resolve(SegmentFiles.name(Lsn.segment(frame.lsn()))),
                    Lsn.offset(frame.lsn()), "record of type " + frame.type() + " has a valid checksum but cannot be decoded ("
                    + e.getMessage() + "); run catastrophic recovery from a backup");
        }
        maxTxnId = Math.max(maxTxnId, rec.txnId());
        if (!(rec instanceof CheckpointRecord) && !(rec instanceof org.cairndb.log.ForgetRecord)) {
            sawData = true;
        }
        if (scannedEnv == null) {
            scannedEnv = expectedEnvironment;
        }
        if (target != null && beyondTarget(frame, rec)) {
            cutLsn = frame.lsn();
            throw new TargetReached();
        }
        if (org.cairndb.log.ChangeTimes.isNoted(frame.type())) {
            env.changeTimes().noted(frame.lsn(), rec.eventMillis());
        }
        // Counted here too: a scan stopped at a recovery target returns no result to count from.
        recordsReplayed++;
        if (Lsn.segment(frame.lsn()) != lastSegmentReplayed) {
            lastSegmentReplayed = Lsn.segment(frame.lsn());
            segmentsReplayed++;
        }
        if (rec instanceof CommitRecord c) {
            if (c.prepareLsn() != Lsn.NULL) {
                PrepareRecord p = preparedRecords.remove(c.txnId());
                preparedLsns.remove(c.txnId());
                preparedSizes.remove(c.txnId());
                if (p == null && c.prepareLsn() < startLsn) {
                    // Decided before the checkpoint that moved the start past its PREPARE (a checkpoint
                    // keeps the start at or before every PREPARE still in doubt): the data files hold
                    // its writes already.
                    position = frame.endLsn();
                    lastCommit = new CommitPoint(c.txnId(), c.commitMillis(), frame.endLsn());
                    if (c.heuristic()) {
                        noteHeuristic(c.heuristicGlobalId(), c.txnId(), true, c.commitMillis());
                    }
                    // Still the place to stop at when it is the target: returning before the check
                    // below, the replay went on to the end of the log and kept every later commit.
                    stopIfTheTarget(c, frame);
                    return;
                }
                if (p == null) {
                    throw prepareNotFound(frame, c);
                }
                for (Op op : p.ops()) {
                    staged.add(op.dbId(), op.key(), op.isPut() ? op.value() : null);
                }
            }
            applyStaged(frame.lsn());
            redone++;
            lastCommit = new CommitPoint(c.txnId(), c.commitMillis(), frame.endLsn());
            if (c.heuristic()) {
                noteHeuristic(c.heuristicGlobalId(), c.txnId(), true, c.commitMillis());
            }
            stopIfTheTarget(c, frame);
        } else if (rec instanceof PrepareRecord p) {
            preparedRecords.put(p.txnId(), p);
            preparedLsns.put(p.txnId(), frame.lsn());
            preparedSizes.put(p.txnId(), frame.size());
        } else if (rec instanceof AbortRecord a) {
            if (preparedRecords.remove(a.txnId()) != null) {
                rolledBack++;
            }
            if (a.heuristic()) {
                noteHeuristic(a.heuristicGlobalId(), a.txnId(), false, a.abortMillis());
            }
            preparedLsns.remove(a.txnId());
            preparedSizes.remove(a.txnId());
        } else if (rec instanceof CheckpointRecord cp) {
            lastCheckpoint = cp;
            lastCheckpointLsn = frame.lsn();
            // The record lists exactly the outcomes not forgotten at its place in the log.
            heuristics.clear();
            for (CheckpointRecord.Heuristic h : cp.heuristics()) {
                noteHeuristic(h.globalId(), h.txnId(), h.committed(), h.millis());
            }
        } else if (rec instanceof org.cairndb.log.ForgetRecord f) {
            heuristics.remove(java.nio.ByteBuffer.wrap(f.globalId()));
        } else if (rec instanceof DatabaseCreateRecord dc) {
            drain();
            env.replayCreateDatabase(dc.dbId(), dc.name(), dc.pageSize(), frame.lsn());
        } else if (rec instanceof DatabaseRemoveRecord dr) {
            drain();
            removedIds.add(dr.dbId());
            unknownDbs.remove(dr.dbId());
            env.replayRemoveDatabase(dr.dbId(), dr.name());
        } else {
            throw new IllegalStateException("unhandled record " + rec.type());
        }
        position = frame.endLsn();
        if (System.nanoTime() - lastProgress > PROGRESS_NANOS) {
            lastProgress = System.nanoTime();
            LOG.log(System.Logger.Level.INFO, "recovery of " + env.home().home() + ": replayed up to LSN "
                    + Lsn.toString(position) + ", " + Counted.of(redone, "transaction") + " so far");
        }
    }

    /** Ends the replay after commit {@code c} when it is the commit of the (inclusive) transaction target. */
    private void stopIfTheTarget(CommitRecord c, RecordFrame frame) {
        if (target != null && target.kind() == org.cairndb.RecoveryTarget.Kind.TRANSACTION && c.txnId() == target.value()) {
            // Inclusive: this commit was the last one to keep.
            position = frame.endLsn();
            cutLsn = frame.endLsn();
            throw new TargetReached();
        }
    }

    private UUID scannedEnv;
    private UUID expectedEnvironment;
    /** The first record replayed (Lsn.NULL before it). */
    private long firstReplayedLsn = Lsn.NULL;

    /**
     * A COMMIT of a prepared transaction whose PREPARE the replay did not meet. The offset is the
     * COMMIT's, so the segment holding it is named (naming the log directory with an offset inside
     * one of its segments pointed nowhere). When the PREPARE lies before the first record replayed,
     * the message says so, and names its segment if it is gone: with no data file to say where the
     * replay starts (the data files are lost), it starts at the first segment in log/, and a
     * transaction prepared before that segment is met by its COMMIT alone.
     */
    private CorruptionException prepareNotFound(RecordFrame frame, CommitRecord c) {
        Path logDir = env.home().logDir();
        String where;
        if (firstReplayedLsn != Lsn.NULL && c.prepareLsn() < firstReplayedLsn) {
            Path prepareSegment = logDir.resolve(SegmentFiles.name(Lsn.segment(c.prepareLsn())));
            where = " lies before the first record replayed, at " + Lsn.toString(firstReplayedLsn)
                    + (java.nio.file.Files.isRegularFile(prepareSegment) ? "" : ", in " + prepareSegment.getFileName()
                            + ", which is not in " + logDir)
                    + (startLsn == Lsn.NULL ? "; no data file names where the replay must start (are the data files"
                            + " missing?), so it started at the first segment there" : "");
        } else {
            where = " was not found after the recovery start, " + Lsn.toString(startLsn);
        }
        return new CorruptionException(logDir.resolve(SegmentFiles.name(Lsn.segment(frame.lsn()))), Lsn.offset(frame.lsn()),
                "the COMMIT at " + Lsn.toString(frame.lsn()) + " completes prepared transaction " + c.txnId()
                        + " whose PREPARE record at " + Lsn.toString(c.prepareLsn()) + where + "; restore the data files"
                        + " and the log from a backup and run catastrophic recovery (cairn recover -c)");
    }

    /**
     * Whether {@code value} (an LSN or a time, as the target's kind is) lies past the target: after it,
     * or at it for an exclusive target.
     */
    private boolean pastTheTarget(long value) {
        return target.inclusive() ? value > target.value() : value >= target.value();
    }

    /** Whether {@code rec} at {@code frame} lies past the recovery target and must not be applied. */
    private boolean beyondTarget(RecordFrame frame, LogRecord rec) {
        switch (target.kind()) {
            case LSN:
                return pastTheTarget(frame.lsn());
            case TIME: {
                // A prepare or an outcome decided after the target is past it as a commit is: the
                // environment comes back as it was at TIME, the transaction not yet prepared, or still in doubt.
                // So is a database's creation or removal: replayed, it made the environment differ from
                // what it was at TIME (a database removed after TIME stayed removed) whenever no commit
                // came between it and TIME. So is a FORGET of a heuristic outcome (one forgotten after
                // TIME was still remembered at TIME). Records from before they carried a time (0) are replayed.
                long millis = rec.eventMillis();
                if (millis < 0) {
                    return false;
                }
                return pastTheTarget(millis);
            }
            case TRANSACTION:
                return !target.inclusive() && rec instanceof CommitRecord c && c.txnId() == target.value();
            default:
                return false;
        }
    }

    /** A transaction target must name a transaction that committed after the recovery start. */
    private void requireTransactionInLog(LogScanner scanner, long start, UUID expectedEnv) throws IOException {
        boolean[] found = new boolean[1];
        try {
            scanner.scan(start, expectedEnv, f -> {
                if (f.type() == org.cairndb.log.LogRecordType.COMMIT && f.txnId() == target.value()) {
                    found[0] = true;
                    throw new TargetReached(); // no need to read on (damage further on must not matter)
                }
            });
        } catch (TargetReached reached) {
            // found
        }
        String aside = start == Lsn.NULL ? null : latestAside(env.home().logDir(), start);
        if (!found[0] && aside != null) {
            // An earlier run of a recovery stopping exactly where the data files start (this one, cut
            // off by a crash after its checkpoint) moved the log after that point aside: the log ends
            // there, and recovering to its end is what that run finished.
            notes.add("the log after " + Lsn.toString(start) + " was moved aside by an earlier recovery to that point ("
                    + aside + "); transaction " + target.value() + " is not after it");
            return;
        }
        if (!found[0]) {
            throw new org.cairndb.CairnException("recovery target transaction " + target.value() + " does not commit in the"
                    + " log after the data files' checkpoint (" + Lsn.toString(start) + "): it committed before (the data"
                    + " files hold it already: to recover to it, restore data files from a backup taken before it), or it"
                    + " wrote nothing (such a commit leaves no log record), or it rolled back (then give a time or an LSN"
                    + " instead; cairn printlog lists the commits); nothing was changed");
        }
    }

    /**
     * A recovery to a time: the data files must not hold anything made after it. Their last commit is
     * checked after the replay ({@link #checkDataFilesNotPastTarget}), but a database created or
     * removed, a prepared transaction rolled back or a heuristic outcome forgotten after the target
     * is no commit: with data files checkpointed after such a record (and no commit after the target
     * before their start), the recovery went on from their start as if the target lay after it, a
     * database removed after the target stayed removed, and the report said that the log ended
     * before the target. Each data file header names the latest such change before its start
     * ({@link org.cairndb.log.ChangeTimes}); for files written before headers did, the part of the
     * log before the start that is still there (the segment holding the start, where it begins
     * earlier) is read for such a record before anything is replayed.
     */
    private void requireNothingTimedAfterTheTargetBefore(long start, UUID expectedEnv) {
        // A file naming a commit after the target says the most precise thing: which transaction.
        for (DatabaseImpl db : env.catalog().all()) {
            if (db.file().header().generation() > 1) {
                refuseIfHoldingACommitAfterTheTime(db);
                refuseIfHoldingAChangeAfterTheTime(db);
            }
        }
        if (start == Lsn.NULL || Lsn.offset(start) <= org.cairndb.log.SegmentHeader.SIZE) {
            return;
        }
        long[] found = null;
        long[] seen = new long[2];
        try {
            new LogScanner(env.io(), env.home().logDir()).readingLargeRecordsInPieces().stopAt(start)
                    .scan(Lsn.of(Lsn.segment(start), org.cairndb.log.SegmentHeader.SIZE), expectedEnv, f -> {
                        long millis = recordMillis(f);
                        if (millis > 0 && pastTheTarget(millis)) {
                            seen[0] = f.lsn();
                            seen[1] = millis;
                            throw new TargetReached();
                        }
                    });
        } catch (TargetReached reached) {
            found = seen;
        } catch (IOException | RuntimeException e) {
            return; // the end of what could be read (the start itself, or damage before it, which this recovery does not need)
        }
        if (found != null) {
            throw new org.cairndb.CairnException("cannot recover to " + target + ": the data files' checkpoint starts at LSN "
                    + Lsn.toString(start) + ", after the record at LSN " + Lsn.toString(found[0]) + " made at "
                    + Instant.ofEpochMilli(found[1]) + ", after the target, so they hold what it did already (a database"
                    + " created or removed, a transaction prepared, decided or committed, an outcome forgotten); restore the"
                    + " data files from a backup taken before the target and try again");
        }
    }

    /** The time a COMMIT, PREPARE, ABORT, DATABASE_CREATE, DATABASE_REMOVE or FORGET record carries; 0 for others or none. */
    private static long recordMillis(RecordFrame f) {
        return switch (f.type()) {
            // Each payload begins with its time: read without decoding the writes.
            case COMMIT, PREPARE, ABORT -> f.input().getLong();
            case DATABASE_CREATE, DATABASE_REMOVE, FORGET -> Math.max(0, f.decode().eventMillis());
            default -> 0;
        };
    }

    /**
     * The data files never checkpointed since their database was created (generation 1), each with
     * the LSN of its DATABASE_CREATE record (its header's checkpoint LSN): noted before the replay,
     * since a checkpoint in the middle of it writes them too.
     */
    private Map<Integer, Long> neverCheckpointed() {
        Map<Integer, Long> created = new HashMap<>();
        for (DatabaseImpl db : env.catalog().all()) {
            if (db.file().header().generation() == 1) {
                created.put(db.id(), db.file().header().checkpointLsn());
            }
        }
        return created;
    }

    /**
     * Point-in-time recovery: a database whose DATABASE_CREATE lies at or after the cut did not
     * exist at the target. Its data file can still be there, in data files copied after the
     * target (a backup, a plain copy, the environment itself) when no checkpoint wrote it since
     * its creation: such a file holds nothing but its creation (every record of it is in the log
     * after the cut), so {@link #checkDataFilesNotPastTarget} lets it pass, and the recovered
     * environment had a database the target never had. It is removed as a replayed
     * DATABASE_REMOVE would remove it; the log after the cut, moved aside, still creates it.
     */
    private void removeDatabasesCreatedAfterTheCut(Map<Integer, Long> neverCheckpointed) throws IOException {
        for (Map.Entry<Integer, Long> e : neverCheckpointed.entrySet()) {
            DatabaseImpl db = env.catalog().byId(e.getKey());
            if (db != null && e.getValue() >= cutLsn) {
                env.replayRemoveDatabase(db.id(), db.name());
                notes.add("removed database '" + db.name() + "' (data file " + db.file().path().getFileName()
                        + "): it was created at LSN " + Lsn.toString(e.getValue()) + ", after the target");
            }
        }
    }

    /**
     * A recovery to a time: refuses when {@code db}'s data file was checkpointed after a change made
     * after the target other than by a commit, wherever the log of that change is now (see
     * {@link org.cairndb.log.ChangeTimes}). Files written before the header told it say nothing (0),
     * and only the log before their start that is still there is read for such a change.
     */
    private void refuseIfHoldingAChangeAfterTheTime(DatabaseImpl db) {
        long changed = db.file().header().otherChangeMillis();
        if (changed > 0 && pastTheTarget(changed)) {
            throw new org.cairndb.CairnException("cannot recover to " + target + ": data file " + db.file().path()
                    + " was checkpointed after a change made at " + Instant.ofEpochMilli(changed) + ", after the target"
                    + " (a database created or removed, a transaction prepared or rolled back after it was prepared,"
                    + " a heuristic outcome forgotten), and holds it already; restore the data files from a backup"
                    + " taken before the target and try again");
        }
    }

    /** A recovery to a time: refuses when {@code db}'s data file names, as its last commit, one made after the target. */
    private void refuseIfHoldingACommitAfterTheTime(DatabaseImpl db) {
        CommitPoint held = db.file().header().lastCommit();
        if (held.isKnown() && pastTheTarget(held.millis())) {
            throw new org.cairndb.CairnException("cannot recover to " + target + ": data file " + db.file().path()
                    + " holds transaction " + held.txnId() + ", committed at " + Instant.ofEpochMilli(held.millis())
                    + ", after the target; restore the data files from a backup taken before the target and try again");
        }
    }

    /**
     * The data files must not already hold commits after the target: nothing can take them out.
     * When the recovery stopped at the target ({@code reached}), everything from {@code cut} on is
     * dropped; a file whose checkpoint names a last commit lying past the cut holds one of those.
     * This catches what the checkpoint's start LSN cannot: a checkpoint taken while a transaction
     * was in doubt (or a heuristic outcome remembered) starts at the PREPARE, before commits its
     * version already holds, whatever the target's kind.
     */
    private void checkDataFilesNotPastTarget(long cut, boolean reached) {
        for (DatabaseImpl db : env.catalog().all()) {
            org.cairndb.storage.DataFileHeader h = db.file().header();
            CommitPoint held = h.lastCommit();
            long lsn = h.checkpointLsn();
            if (reached && h.generation() > 1 && held.knowsLsn() && held.lsn() > cut) {
                throw new org.cairndb.CairnException("cannot recover to " + target + ": data file " + db.file().path()
                        + " holds transaction " + held.txnId() + ", which lies in the log after the target (at "
                        + Lsn.toString(held.lsn()) + ", the recovery stops at " + Lsn.toString(cut) + "); restore"
                        + " the data files from a backup taken before the target and try again");
            }
            if (h.generation() > 1 && target.kind() == org.cairndb.RecoveryTarget.Kind.TIME) {
                // The file must not hold a commit after the target. Its checkpoint names the last commit it
                // holds, which may come after commits replayed here: a checkpoint taken while a transaction was
                // in doubt (or a heuristic outcome remembered) starts the replay before commits its version holds.
                // Files from before that was recorded only tell their checkpoint time, and every commit they
                // hold precedes it; when no commit at or before the target follows the checkpoint, that time
                // must not be after the target.
                refuseIfHoldingACommitAfterTheTime(db);
                if (!held.isKnown() && !lastCommit.isKnown() && h.checkpointMillis() > target.value()) {
                    throw new org.cairndb.CairnException("cannot recover to " + target + ": data file " + db.file().path()
                            + " was checkpointed at " + Instant.ofEpochMilli(h.checkpointMillis())
                            + ", after the target, and may hold commits made after it; restore the data files from a"
                            + " backup taken before the target and try again");
                }
            }
            if (target.kind() == org.cairndb.RecoveryTarget.Kind.LSN && lsn > target.value() && h.generation() > 1) {
                cut = Math.min(cut, target.value());
            }
            if (lsn > cut && h.generation() > 1) {
                throw new org.cairndb.CairnException("cannot recover to " + target + ": data file " + db.file().path()
                        + " was checkpointed at LSN " + Lsn.toString(lsn) + ", after the target (" + Lsn.toString(cut)
                        + "); restore the data files from a backup taken before the target and try again");
            }
        }
    }

    /**
     * Point-in-time recovery: keeps the log after the cut out of reach of later opens, without
     * deleting it. Later segments are moved into {@code log/after-<time>-at-<cut>/}, the highest
     * first, then the segment holding the cut is copied whole there and zeroed from the cut on (see
     * {@link #cutSegment}). In
     * that order a process killed part way leaves log/ an unbroken chain of the old history
     * (shorter, never with a gap or a cut segment before segments that follow it), so the same
     * recovery run again reaches the same cut and finishes the move, into the same directory. With
     * continuous archiving on, the archive's copies of the old history are moved aside the same way
     * ({@link org.cairndb.archive.ArchiveFork}).
     */
    private String moveAside(long cut, UUID environmentId) throws IOException {
        movingAside = true;
        Path logDir = env.home().logDir();
        String asideName = asideName(logDir, cut);
        Path aside = logDir.resolve(asideName);
        env.io().createDirectories(aside);
        long cutSegment = Lsn.segment(cut);
        int moved = 0;
        List<Long> segments = new ArrayList<>(SegmentFiles.list(env.io(), logDir));
        java.util.Collections.reverse(segments);
        for (long seg : segments) {
            if (seg > cutSegment) {
                Path p = logDir.resolve(SegmentFiles.name(seg));
                env.io().rename(p, aside.resolve(p.getFileName()));
                // The new name first: with the old one's removal durable and the new one not, a
                // power loss in between would leave the segment in neither directory.
                env.io().syncDirectory(aside);
                env.io().syncDirectory(logDir);
                moved++;
            }
        }
        Path p = logDir.resolve(SegmentFiles.name(cutSegment));
        Path kept = aside.resolve(p.getFileName());
        boolean cutNow = env.io().exists(p);
        if (cutNow && !env.io().exists(kept)) {
            // Through the file layer and forced before the segment is zeroed: the old history's
            // tail must survive a crash right after that. A copy already there is whole (copied
            // under a temporary name) and was taken by an earlier run of this recovery, maybe from
            // the segment before it was cut: copied again, the cut segment would replace it.
            org.cairndb.archive.SegmentCopier.copyReplacing(env.io(), p, kept, null);
        }
        moved += countAlreadyAside(aside, cutSegment, segments);
        String note = "moved the log after the target (" + Counted.of(moved + (cutNow ? 1 : 0), "segment")
                + ") aside into " + env.home().home().relativize(aside) + "; it is kept, and no later open replays it";
        if (env.config().archiveEnabled() && environmentId != null) {
            // Before the cut: once the log ends at the cut, a rerun of a recovery to a time or an
            // LSN no longer reaches its target (the log ends before it) and would not come here.
            String archived = org.cairndb.archive.ArchiveFork.moveAside(env.io(), env.archiveDirectory(), environmentId,
                    env.home().home(), cut, asideName);
            if (archived != null) {
                note += "; " + archived;
            }
        }
        if (cutNow) {
            cutSegment(p, Lsn.offset(cut));
        }
        return note;
    }

    /**
     * Zeroes segment {@code p} from {@code offset} on, so that a power loss leaves it either whole or
     * cut: a copy cut under a temporary name, forced, replaces it by a rename. Zeroed in place, a
     * power loss part way could leave zeros followed by records of the old history that had reached
     * the disk before, which every later scan (the same recovery run again included) refuses as a
     * damaged segment.
     */
    private void cutSegment(Path p, long offset) throws IOException {
        Path cutting = p.resolveSibling(p.getFileName() + ".cut");
        try (StorageFile in = env.io().open(p, false, false); StorageFile out = env.io().open(cutting, true, true)) {
            out.truncate(0);
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(offset, 1 << 20));
            for (long pos = 0; pos < offset; ) {
                buf.clear().limit((int) Math.min(buf.capacity(), offset - pos));
                in.readFully(buf, pos);
                buf.flip();
                out.write(buf, pos);
                pos += buf.limit();
            }
            out.zeroFill(offset, in.size());
            out.force(true);
        }
        env.io().rename(cutting, p);
        env.io().syncDirectory(p.getParent());
    }

    /**
     * The name of the directory the log after {@code cut} goes into: the one an earlier run of the
     * same recovery, killed part way, began, else a new one named by the time. An earlier directory
     * for the same cut is that run's only while taking it up loses nothing: none of the segments to
     * be moved (from log/, or from the archive by {@link org.cairndb.archive.ArchiveFork}) is there
     * under its name already with other bytes, and its copy of the cut segment, if any, is the one in log/ (the run
     * stopped before the cut). Otherwise it holds a history an earlier, finished recovery to the
     * same target moved aside, and the log after the cut now is another one, written since: it gets
     * a directory of its own, or the older history's segments would be replaced by renames onto
     * their names and the new one's tail zeroed by the cut with no copy kept.
     */
    private String asideName(Path logDir, long cut) throws IOException {
        String suffix = "-at-" + Lsn.segment(cut) + "_" + Lsn.offset(cut);
        List<String> earlier = asideDirs(logDir, suffix);
        for (int i = earlier.size() - 1; i >= 0; i--) {
            if (takesUpLosslessly(logDir, earlier.get(i), cut)) {
                return earlier.get(i);
            }
        }
        String time = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                .withZone(java.time.ZoneOffset.UTC).format(Instant.now());
        String name = "after-" + time + suffix;
        for (int n = 2; earlier.contains(name); n++) {
            name = "after-" + time + "-" + n + suffix; // a second recovery to the same cut within the second
        }
        return name;
    }

    /** The directory of the latest recovery that moved the log after {@code cut} aside, or null. */
    private static String latestAside(Path logDir, long cut) throws IOException {
        List<String> all = asideDirs(logDir, "-at-" + Lsn.segment(cut) + "_" + Lsn.offset(cut));
        return all.isEmpty() ? null : all.get(all.size() - 1);
    }

    /** The directories in {@code logDir} into which recoveries moved the log after the cut {@code suffix} names, by name. */
    private static List<String> asideDirs(Path logDir, String suffix) throws IOException {
        if (!java.nio.file.Files.isDirectory(logDir)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(logDir)) {
            return s.filter(java.nio.file.Files::isDirectory).map(d -> d.getFileName().toString())
                    .filter(n -> n.startsWith("after-") && n.endsWith(suffix)).sorted().toList();
        }
    }

    private boolean takesUpLosslessly(Path logDir, String asideName, long cut) throws IOException {
        long cutSegment = Lsn.segment(cut);
        Path aside = logDir.resolve(asideName);
        for (long seg : SegmentFiles.list(env.io(), logDir)) {
            Path there = aside.resolve(SegmentFiles.name(seg));
            if (seg > cutSegment && env.io().exists(there)
                    && !org.cairndb.archive.SegmentCopier.identical(env.io(), logDir.resolve(SegmentFiles.name(seg)), there)) {
                return false; // (the same file in both: a move whose removal from log/ a power loss undid)
            }
            if (seg == cutSegment && env.io().exists(there)
                    && !org.cairndb.archive.SegmentCopier.sameOrZeroedFrom(env.io(), logDir.resolve(SegmentFiles.name(seg)),
                            there, Lsn.offset(cut))) {
                return false; // (a killed run's copy is the segment before the cut, which it may have begun)
            }
        }
        if (env.config().archiveEnabled()) {
            Path archive = env.archiveDirectory();
            if (env.io().exists(archive)) {
                for (long seg : SegmentFiles.list(env.io(), archive)) {
                    Path there = archive.resolve(asideName).resolve(SegmentFiles.name(seg));
                    if (seg >= cutSegment && env.io().exists(there) && !org.cairndb.archive.SegmentCopier.identical(
                            env.io(), archive.resolve(SegmentFiles.name(seg)), there)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Segments after the cut that an earlier, killed run of this recovery moved aside already (for the report). */
    private int countAlreadyAside(Path aside, long cutSegment, List<Long> movedNow) throws IOException {
        int n = 0;
        for (long seg : SegmentFiles.list(env.io(), aside)) {
            if (seg > cutSegment && !movedNow.contains(seg)) {
                n++;
            }
        }
        return n;
    }

    private void noteHeuristic(byte[] gid, long txnId, boolean committed, long millis) {
        heuristics.put(java.nio.ByteBuffer.wrap(gid.clone()),
                new org.cairndb.HeuristicOutcome(gid, txnId, committed, Instant.ofEpochMilli(millis)));
    }

    /**
     * Collects a commit's writes into the current batch: per database, the last write of each key,
     * in key order. Only a key's final value within a batch matters (the batch is published as one
     * version), and applying a sorted batch walks each tree front to back instead of jumping
     * around it: the difference between cache misses on every key and streaming.
     */
    private void applyStaged(long lsn) throws IOException {
        for (int i = 0; i < staged.size(); i++) {
            int dbId = staged.dbId(i);
            WriteList m = pendingWrites.get(dbId);
            if (m == null) {
                DatabaseImpl db = env.catalog().byId(dbId);
                if (db == null) {
                    if (!removedIds.contains(dbId)) {
                        unknownDbs.add(dbId);
                        unknownDbFirstLsn.putIfAbsent(dbId, lsn);
                    }
                    continue;
                }
                m = spareWrites.remove(dbId);
                if (m == null) {
                    m = new WriteList();
                }
                pendingWrites.put(dbId, m);
            }
            m.add(staged, i);
            batchBytes += staged.key(i).length + staged.valueLength(i);
        }
        batchOps += staged.size();
        if (batchOps >= OPS_PER_BATCH || batchBytes >= batchByteLimit) {
            flush();
        }
    }

    /**
     * Cuts the batch: sorts each database's writes (keeping the last of each key) and hands them to
     * the applying thread, with the checkpoint start that holds once they are applied: the current
     * scan position (the ops of the record being replayed are in the batch, and replaying a write
     * twice is harmless) or an earlier PREPARE still in doubt.
     */
    private void flush() throws IOException {
        if (pendingWrites.isEmpty()) {
            batchOps = 0;
            batchBytes = 0;
            return;
        }
        Map<Integer, KeyOrder.Writes> sorted = new HashMap<>();
        for (Map.Entry<Integer, WriteList> e : pendingWrites.entrySet()) {
            sorted.put(e.getKey(), keyOrder.latest(e.getValue()));
            e.getValue().clear(); // the sorted batch has arrays of its own
            spareWrites.put(e.getKey(), e.getValue());
        }
        long start = position;
        for (long lsn : preparedLsns.values()) {
            start = Math.min(start, lsn);
        }
        // A checkpoint in the middle of the replay must not start the data files past the last
        // record that names the heuristic outcomes met so far (they are kept nowhere else).
        if (!heuristics.isEmpty() && heuristicsFrom() != Lsn.NULL) {
            start = Math.min(start, heuristicsFrom());
        }
        applier.submit(new BatchApplier.Batch(sorted, start, lastBatchStart, maxTxnId + 1, arena.allocated()));
        lastBatchStart = start;
        pendingWrites.clear();
        batchOps = 0;
        batchBytes = 0;
    }

    /** Applies everything collected so far and waits for it: before a database create or remove, and at the end. */
    private void drain() throws IOException {
        flush();
        applier.endEpoch();
    }

    private String repairTail(LogScanner.Tail tail) throws IOException {
        long from = Lsn.offset(tail.lsn());
        long len = tail.endOffset() - from;
        try (StorageFile f = env.io().open(tail.file(), true, false)) {
            f.zeroFill(from, tail.endOffset());
            f.force(false);
        } catch (IOException e) {
            throw new StorageException(tail.file(), "cannot cut off the torn end of the log: " + e.getMessage(), e);
        }
        String msg = "cut off a torn log tail of " + len + " bytes at " + Lsn.toString(tail.lsn()) + " in "
                + tail.file().getFileName() + " (" + tail.problem() + "): an unfinished write from before the crash";
        LOG.log(System.Logger.Level.WARNING, msg);
        return msg;
    }

    private void checkMissingDatabases() {
        if (!unknownDbs.isEmpty()) {
            int id = unknownDbs.iterator().next();
            String name = "id " + id;
            if (lastCheckpoint != null) {
                for (CheckpointRecord.DatabaseEntry d : lastCheckpoint.databases()) {
                    if (d.dbId() == id) {
                        name = "'" + d.name() + "' (data/" + d.name() + ".cdb)";
                    }
                }
            }
            throw new StorageException(env.home().dataDir(), "the log writes to database " + name + " (first at LSN "
                    + Lsn.toString(unknownDbFirstLsn.get(id)) + ") but its data file is missing and it was never removed;"
                    + " restore the data file from a backup and run catastrophic recovery (cairn recover -c)", null);
        }
        if (lastCheckpoint != null) {
            for (CheckpointRecord.DatabaseEntry d : lastCheckpoint.databases()) {
                if (env.catalog().byId(d.dbId()) == null && !removedIds.contains(d.dbId())) {
                    throw new StorageException(env.home().dataFile(d.name()), "data file of database '" + d.name()
                            + "' is missing (the checkpoint at " + Lsn.toString(lastCheckpointLsn)
                            + " lists it and it was never removed); restore it from a backup and run catastrophic"
                            + " recovery (cairn recover -c)", null);
                }
            }
        }
    }
}
