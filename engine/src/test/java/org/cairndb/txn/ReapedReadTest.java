package org.cairndb.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.io.ForwardingFileIO;
import org.cairndb.io.ForwardingStorageFile;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StorageFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction rolled back by its timeout (the background reaper, another thread) while its own
 * thread is in the middle of a read of its snapshot. The end of the transaction releases its
 * snapshot, and with it the pages of that version, which checkpoints then reuse; before the fix
 * this happened under the read, which went on to read other pages at those places: a key present
 * in every version of the database was reported absent. The read under way now keeps the snapshot
 * until it ends (and then releases it).
 *
 * <p>The read is stopped where it reads a page from the data file (the cache being too small to
 * keep the old version), while the test reaps the transaction and rewrites and checkpoints the
 * database twice, so that the freed pages are written over.
 */
class ReapedReadTest {

    @TempDir
    Path dir;

    volatile Thread blockedReader;
    final CountDownLatch blocked = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    @Test
    void aReadUnderWayWhenItsTransactionIsReapedSeesOnlyItsSnapshot() throws Exception {
        ForwardingFileIO io = new ForwardingFileIO(NioFileIO.INSTANCE) {
            @Override
            public StorageFile open(Path path, boolean write, boolean create) throws IOException {
                return new ForwardingStorageFile(super.open(path, write, create)) {
                    @Override
                    public int read(ByteBuffer dst, long position) throws IOException {
                        if (Thread.currentThread() == blockedReader) {
                            blockedReader = null;
                            blocked.countDown();
                            try {
                                release.await(30, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                throw new IOException(e);
                            }
                        }
                        return super.read(dst, position);
                    }
                };
            }
        };
        EnvironmentConfig config = new EnvironmentConfig().fileIO(io).cacheSize(1L << 20).checkpointerEnabled(false)
                .durability(Durability.NO_SYNC).pageReuseDelay(Duration.ZERO).logSegmentSize(1L << 20);
        int n = 10_000;
        try (Environment env = Environment.open(dir, config)) {
            Database db = env.openDatabase("t");
            write(env, db, n, "old");
            env.checkpoint(true);
            Transaction t = env.beginTransaction();
            byte[] probe = key(n / 2);
            assertTrue(Arrays.equals(value("old", n / 2), db.get(t, probe)));
            write(env, db, n, "new");
            env.checkpoint(true);
            write(env, db, n, "mid");
            env.checkpoint(true);
            // Read other things so the old version's pages leave the cache.
            for (int i = 0; i < n; i += 7) {
                db.get(null, key(i));
            }
            CompletableFuture<Object> read = CompletableFuture.supplyAsync(() -> {
                blockedReader = Thread.currentThread();
                try {
                    return db.get(t, key(n / 3));
                } catch (RuntimeException e) {
                    return e;
                }
            }, TestSupport.OWN_THREAD);
            try {
                assertTrue(blocked.await(10, TimeUnit.SECONDS), "the read went to the data file");
                t.setTimeout(Duration.ofMillis(1));
                TxnManager txns = env.internals().txns();
                TestSupport.awaitTrue(() -> txns.abortTimedOut() == 1 || !t.isActive(), "the transaction to be reaped");
                assertTrue(!t.isActive());
                write(env, db, n, "xyz");
                env.checkpoint(true);
                write(env, db, n, "pqr");
                env.checkpoint(true);
            } finally {
                release.countDown();
            }
            Object got = read.get(30, TimeUnit.SECONDS);
            String what = got instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(got);
            assertTrue(Arrays.equals(value("old", n / 3), got instanceof byte[] b ? b : null),
                    "the read under way when its transaction was reaped returned " + what);
            // And the snapshot was released once the read ended.
            TxnManager txns = env.internals().txns();
            assertEquals(txns.current().ts(), txns.minSnapshotTs(), "a snapshot is still held");
        }
    }

    private static void write(Environment env, Database db, int n, String tag) {
        for (int i = 0; i < n; i += 1000) {
            try (Transaction t = env.beginTransaction()) {
                for (int j = i; j < Math.min(n, i + 1000); j++) {
                    db.put(t, key(j), value(tag, j));
                }
                t.commit();
            }
        }
    }

    private static byte[] key(int i) {
        return String.format("key%08d", i).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] value(String tag, int i) {
        return (tag + i + "-".repeat(150)).getBytes(StandardCharsets.UTF_8);
    }
}
