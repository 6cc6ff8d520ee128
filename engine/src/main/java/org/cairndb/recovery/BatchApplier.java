package org.cairndb.recovery;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.cairndb.env.DatabaseImpl;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.tree.SlabValue;
import org.cairndb.tree.TreeWriter;
import org.cairndb.txn.Version;

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
 * <h2>Checkpoints in the background</h2>
 * A mid-recovery checkpoint writes the replayed pages to disk; on a slow disk that took longer
 * than replaying the batches that filled memory, and the replay stood still meanwhile. Now it
 * overlaps the replay, at the price of memory: the version being written keeps its pages until
 * they are saved, and the batches after it copy the ones they change. So the replay goes on only
 * while dirty memory stays below one and a half times the limit (three quarters of the cache);
 * past that it waits for the checkpoint. One checkpoint at a time: the next one starts after the
 * one before has ended, so the data files' recovery start moves forward in order. A checkpoint
 * still running when the reading thread needs the trees quiet (a database created or removed, the
 * end of recovery) is waited for, and its failure then surfaces there.
 *
 * <p>Errors in the applying thread surface, with their own type, at the next call from the
 * recovering thread.
 */
final class BatchApplier implements AutoCloseable {

    /**
     * One batch: per database, the last write of each key in key order; where a checkpoint after
     * it may start (the position of the scan when the batch was cut, or an earlier PREPARE still
     * in doubt); the next transaction id such a checkpoint records; and the bytes of value slabs
     * the recovery had allocated when the batch was cut ({@link ValueArena#allocated}).
     */
    record Batch(Map<Integer, KeyOrder.Writes> writes, long checkpointStart, long nextTxnId, long slabBytes) {
    }

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

    BatchApplier(EnvironmentImpl env, long epoch) {
        this.env = env;
        this.epoch = epoch;
        this.thread = daemonThread("cairn-recovery-apply ");
        this.checkpointThread = daemonThread("cairn-recovery-checkpoint ");
    }

    private ExecutorService daemonThread(String name) {
        String home = String.valueOf(env.home().home().getFileName());
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name + home);
            t.setDaemon(true);
            return t;
        });
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
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
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
        if (writers.isEmpty()) {
            epoch++;
        }
        long ts = epoch;
        env.txns().publishDirect(v -> {
            Version.Root[] roots = v.copyRoots(0);
            for (Map.Entry<Integer, KeyOrder.Writes> e : batch.writes().entrySet()) {
                TreeWriter w = writers.get(e.getKey());
                if (w == null) {
                    DatabaseImpl db = env.catalog().byId(e.getKey());
                    Version.Root r = v.root(e.getKey());
                    w = new TreeWriter(r.page(), r.count(), ts, db.pageSize(), db.file(), db.file());
                    writers.put(e.getKey(), w);
                }
                byte[][] keys = e.getValue().keys();
                Object[] values = e.getValue().values();
                for (int i = 0; i < keys.length; i++) {
                    Object value = values[i];
                    if (value instanceof SlabValue s) {
                        w.put(keys[i], s);
                    } else if (value != null) {
                        w.put(keys[i], (byte[]) value);
                    } else {
                        w.delete(keys[i]);
                    }
                }
                w.finish();
                roots[e.getKey()] = new Version.Root(w.root(), w.count());
            }
            return new Version(ts, roots);
        });
        long limit = env.dirtyLimit();
        long pressure = memoryPressure(batch);
        if (checkpoint != null && (checkpoint.isDone() || pressure > limit + limit / 2)) {
            awaitCheckpoint();
        }
        if (checkpoint == null && pressure > limit) {
            Version written = env.txns().current();
            slabMark = batch.slabBytes();
            writers.clear(); // the pages of the version being written must not change from here on
            checkpoint = checkpointThread.submit(() -> {
                env.checkpointer().writeFiles(written, batch.checkpointStart(), batch.nextTxnId());
                return null;
            });
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
