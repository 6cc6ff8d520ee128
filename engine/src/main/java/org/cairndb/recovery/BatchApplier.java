package org.cairndb.recovery;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.cairndb.env.DatabaseImpl;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.tree.TreeWriter;
import org.cairndb.txn.Version;
import org.cairndb.util.Threads;

/**
 * Recovery's second thread: applies batches of replayed writes to the trees while the recovering
 * thread reads, decodes and sorts the next batch. Replay is CPU-bound, and reading the log is
 * about a third of it, so on two cores the two halves overlap instead of taking turns. At most one
 * batch is in flight: {@link #submit} waits for the one before, which bounds memory to two batches.
 *
 * <p>Successive batches share one copy-on-write epoch (and one tree writer per database) until a
 * checkpoint or {@link #endEpoch} ends it. Nothing reads the versions published during recovery,
 * so a page copied by one batch is changed in place by the next instead of copied again; for
 * random keys that spares copying nearly every leaf once per batch. When dirty memory passes the
 * environment's limit after a batch, the epoch ends (a page being written must not change) and a
 * third thread checkpoints the data files with the version just published and the batch's start
 * LSN, while the next batches go on in a new epoch, copying the pages they change.
 *
 * <p>A batch is bounded in log bytes, not in the pages it changes: writes spread over a tree much
 * larger than the cache copy a page each, and one batch could copy more pages than the cache
 * holds. So a batch is applied in chunks of a few thousand writes, each published, and the
 * memory check below runs between chunks as soon as the pages created since the last check could
 * have passed the limit. A checkpoint in the middle of a batch records the batch's own start as
 * where recovery must begin ({@link Batch#startBefore}).
 *
 * <h2>Checkpoints in the background</h2>
 * A mid-recovery checkpoint writes the replayed pages to disk; on a slow disk that took longer
 * than replaying the batches that filled memory, and the replay stood still meanwhile. Now it
 * overlaps the replay, at the price of memory: the version being written keeps its pages until
 * they are saved, and the batches after it copy the ones they change. So the replay goes on only
 * while dirty memory stays below one and a half times the limit (three quarters of the cache);
 * past that it waits for the checkpoint. One checkpoint at a time: the next one starts after the
 * one before has ended, so the data files' recovery start moves forward in order. A checkpoint
 * still running when the reading thread needs the trees quiet (a database created or removed, the
 * end of recovery) is waited for, and its failure then surfaces there. Such a checkpoint lets go
 * of the leaves it writes that lie wholly before the latest batch's smallest key, rather than
 * keeping them in memory (see {@code DataFile.checkpoint}): a replay of keys in order never needs
 * them again.
 *
 * <p>Errors in the applying thread surface, with their own type, at the next call from the
 * recovering thread.
 */
final class BatchApplier implements AutoCloseable {

    /**
     * One batch: per database, the last write of each key in key order; where a checkpoint after
     * it may start (the position of the scan when the batch was cut, or an earlier PREPARE still
     * in doubt); where a checkpoint may start while only part of it is applied (the same for the
     * batch before: replaying from there repeats writes the files already hold, which is
     * harmless); the next transaction id such a checkpoint records; and the bytes of value slabs
     * the recovery had allocated when the batch was cut ({@link ValueArena#allocated}).
     */
    record Batch(Map<Integer, KeyOrder.Writes> writes, long checkpointStart, long startBefore, long nextTxnId,
            long slabBytes) {
    }

    /**
     * Writes applied between two looks at memory (see the class comment): a batch of 3 MB of
     * 100-byte records spread over a large tree can touch 20,000 leaves, 160 MB of pages.
     */
    private static final int CHUNK = 4096;

    private final EnvironmentImpl env;
    private final ExecutorService thread;
    private final ExecutorService checkpointThread;
    private final Map<Integer, TreeWriter> writers = new HashMap<>();
    private long epoch;
    private Future<?> inFlight;
    /** The background checkpoint, if one was started (touched only by the applying thread, and after {@link #await}). */
    private Future<?> checkpoint;
    /** {@link Batch#slabBytes} of the batch the last checkpoint started after. */
    private long slabMark;
    /**
     * Per database, the smallest key of the latest batch applied to it: a checkpoint lets go of
     * the written leaves before it (see {@code DataFile.checkpoint}).
     */
    private final Map<Integer, byte[]> batchLowKeys = new HashMap<>();

    BatchApplier(EnvironmentImpl env, long epoch) {
        this.env = env;
        this.epoch = epoch;
        String home = String.valueOf(env.home().home().getFileName());
        this.thread = RecoveryThreads.single("cairn-recovery-apply " + home);
        this.checkpointThread = RecoveryThreads.single("cairn-recovery-checkpoint " + home);
    }

    /** Hands a batch to the applying thread, once the batch before it has been applied. */
    void submit(Batch batch) throws IOException {
        await();
        inFlight = thread.submit(() -> {
            apply(batch);
            return null;
        });
    }

    /** Waits until every submitted batch is applied and published. */
    void await() throws IOException {
        Future<?> f = inFlight;
        inFlight = null;
        waitFor(f, "apply a batch");
    }

    private static void waitFor(Future<?> f, String what) throws IOException {
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for recovery to " + what);
        } catch (ExecutionException e) {
            throw Threads.rethrowCause(e, "recovery's " + what);
        }
    }

    /**
     * Waits for the batches in flight and a background checkpoint, and ends the epoch: the next
     * batch copies the pages it changes again. Needed before anything else publishes a version or
     * touches the data files (a database created or removed) and at the end of recovery.
     */
    void endEpoch() throws IOException {
        await();
        awaitCheckpoint();
        writers.clear();
    }

    private void awaitCheckpoint() throws IOException {
        Future<?> f = checkpoint;
        checkpoint = null;
        waitFor(f, "checkpoint the data files");
    }

    private void apply(Batch batch) throws IOException {
        for (Map.Entry<Integer, KeyOrder.Writes> e : batch.writes().entrySet()) {
            int n = e.getValue().size();
            if (n > 0) {
                batchLowKeys.put(e.getKey(), e.getValue().keys()[0]);
            }
            for (int from = 0; from < n; from += CHUNK) {
                boolean last = from + CHUNK >= n;
                if (applyChunk(e.getKey(), e.getValue(), from, Math.min(n, from + CHUNK), last) && !last) {
                    checkpointIfNeeded(batch, batch.startBefore()); // part of the batch is in the version
                }
            }
        }
        checkpointIfNeeded(batch, batch.checkpointStart());
    }

    /**
     * Applies writes [from, to) of one database and publishes the result. The writer settles its
     * accounts with the dirty budget ({@link TreeWriter#finish}) after the last chunk, or earlier
     * when the pages it created since it last did could take memory past the limit; returns
     * whether it did.
     */
    private boolean applyChunk(int dbId, KeyOrder.Writes writes, int from, int to, boolean last) {
        if (writers.isEmpty()) {
            epoch++;
        }
        long ts = epoch;
        boolean[] settled = new boolean[1];
        env.txns().publishDirect(v -> {
            Version.Root[] roots = v.copyRoots(0);
            TreeWriter w = writers.get(dbId);
            DatabaseImpl db = env.catalog().byId(dbId);
            if (w == null) {
                Version.Root r = v.root(dbId);
                w = new TreeWriter(r.page(), r.count(), ts, db.pageSize(), db.file(), db.file());
                writers.put(dbId, w);
            }
            applyWrites(w, writes, from, to);
            long unsettled = (long) w.createdSinceFinish() * db.pageSize();
            if (last || env.dirtyBytes() + unsettled > env.dirtyLimit()) {
                w.finish();
                settled[0] = true;
            }
            roots[dbId] = new Version.Root(w.root(), w.count());
            return v.next(ts, roots);
        });
        return settled[0];
    }

    private static void applyWrites(TreeWriter w, KeyOrder.Writes writes, int from, int to) {
        byte[][] keys = writes.keys();
        byte[][] values = writes.values();
        int[] offsets = writes.offsets();
        int[] lengths = writes.lengths();
        for (int i = from; i < to; i++) {
            byte[] value = values[i];
            if (value == null) {
                w.delete(keys[i]);
            } else if (offsets[i] >= 0) {
                w.put(keys[i], value, offsets[i], lengths[i]);
            } else {
                w.put(keys[i], value);
            }
        }
    }

    /**
     * Waits for the running checkpoint when memory is past one and a half times the limit, and
     * starts one of the version just published, from {@code startLsn}, when memory is past the
     * limit and none is running.
     */
    private void checkpointIfNeeded(Batch batch, long startLsn) throws IOException {
        long limit = env.dirtyLimit();
        if (checkpoint != null && (checkpoint.isDone() || memoryPressure(batch) > limit + limit / 2)) {
            awaitCheckpoint();
        }
        if (checkpoint == null && memoryPressure(batch) > limit) {
            refuseWhenOnlyLooking(limit);
            Version written = env.txns().current();
            slabMark = batch.slabBytes();
            writers.clear(); // the pages of the version being written must not change from here on
            Map<Integer, byte[]> letGoBelow = Map.copyOf(batchLowKeys);
            checkpoint = checkpointThread.submit(() -> {
                env.checkpointer().writeFilesDuringRecovery(written, startLsn, batch.nextTxnId(), letGoBelow);
                return null;
            });
        }
    }

    /**
     * An environment opened only to inspect it writes nothing, so it cannot make room by checkpointing:
     * everything replayed must fit in memory, and a replay that outgrows it stops with the remedy. The
     * limit is the one at which a writing open would checkpoint, so a replay fails when the look would
     * have needed to write (see {@code EnvironmentConfig.inspectOnly}).
     */
    private void refuseWhenOnlyLooking(long limit) {
        if (env.config().inspectOnly()) {
            throw new org.cairndb.CairnException("cannot inspect " + env.home().home() + " without writing: replaying its"
                    + " log from the last checkpoint needs more memory than the cache allows (more than " + (limit >> 20)
                    + " MiB of replayed pages, half of the cache of " + (env.config().cacheSize() >> 20) + " MiB), and an"
                    + " open only to inspect it cannot write them out; give it a larger cache (cairn.cache.size, from the"
                    + " command line CAIRN_JAVA_OPTS=\"-Xmx4g -Dcairn.cache.size=2g\"), or run normal recovery"
                    + " first (cairn recover) on a writable copy, so that less log is left to replay");
        }
    }

    /**
     * The memory replay holds that only a checkpoint gives back: the dirty pages, or the value
     * slabs allocated since the last checkpoint began (a checkpoint moves the values of the pages
     * it writes out of their slabs), whichever is more. The slabs matter only when many writes
     * replace a few keys: then the pages stay small while the slabs fill with replaced values
     * that share a slab with a live one.
     */
    private long memoryPressure(Batch batch) {
        return Math.max(env.dirtyBytes(), batch.slabBytes() - slabMark);
    }

    /** Stops the thread; after a failure elsewhere, first lets a batch in flight finish touching the trees. */
    @Override
    public void close() {
        stop(thread);
        stop(checkpointThread);
    }

    private static void stop(ExecutorService s) {
        s.shutdown();
        try {
            if (!s.awaitTermination(5, TimeUnit.MINUTES)) {
                s.shutdownNow();
            }
        } catch (InterruptedException e) {
            s.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
