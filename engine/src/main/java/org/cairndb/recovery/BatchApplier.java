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
 * environment's limit after a batch, the data files are checkpointed with the batch's start LSN,
 * and the epoch ends (a written page must not change afterwards).
 *
 * <p>Errors in the applying thread surface, with their own type, at the next call from the
 * recovering thread.
 */
final class BatchApplier implements AutoCloseable {

    /**
     * One batch: per database, the last write of each key in key order; where a checkpoint after
     * it may start (the position of the scan when the batch was cut, or an earlier PREPARE still
     * in doubt); and the next transaction id such a checkpoint records.
     */
    record Batch(Map<Integer, KeyOrder.Writes> writes, long checkpointStart, long nextTxnId) {
    }

    private final EnvironmentImpl env;
    private final ExecutorService thread;
    private final Map<Integer, TreeWriter> writers = new HashMap<>();
    private long epoch;
    private Future<?> inFlight;

    BatchApplier(EnvironmentImpl env, long epoch) {
        this.env = env;
        this.epoch = epoch;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "cairn-recovery-apply " + env.home().home().getFileName());
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
        if (f == null) {
            return;
        }
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for recovery to apply a batch");
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
     * Waits for the batches in flight and ends the epoch: the next batch copies the pages it
     * changes again. Needed before anything else publishes a version (a database created or
     * removed) and at the end of recovery.
     */
    void endEpoch() throws IOException {
        await();
        writers.clear();
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
                byte[][] values = e.getValue().values();
                for (int i = 0; i < keys.length; i++) {
                    if (values[i] != null) {
                        w.put(keys[i], values[i]);
                    } else {
                        w.delete(keys[i]);
                    }
                }
                w.finish();
                roots[e.getKey()] = new Version.Root(w.root(), w.count());
            }
            return new Version(ts, roots);
        });
        if (env.dirtyBytes() > env.dirtyLimit()) {
            env.checkpointer().writeFiles(env.txns().current(), batch.checkpointStart(), batch.nextTxnId());
            writers.clear();
        }
    }

    /** Stops the thread; after a failure elsewhere, first lets a batch in flight finish touching the trees. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(5, TimeUnit.MINUTES)) {
                thread.shutdownNow();
            }
        } catch (InterruptedException e) {
            thread.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
