package org.cairndb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cairndb.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every snapshot is exactly the state after some commit. Writers number their commits through a
 * sequence record that each reads with {@code getForUpdate} and increments, so the commits form one
 * order, and each writer notes what its commit changed (keys and values of every shape
 * {@link ModelWorkload} draws). Readers, concurrently, take a snapshot, read the sequence number
 * and the whole database (forward or backward) and keep a digest of it. At the end the commits are
 * replayed in order and each reader's digest must equal the state after the commit its sequence
 * number names: nothing of a later commit, nothing missing of an earlier one, no half commit. A
 * 1 MiB cache, constant checkpoints and immediate page reuse run beneath.
 */
class SnapshotModelTest {

    private static final byte[] SEQUENCE = "sequence".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    private static final int WRITERS = 3;

    @TempDir
    Path dir;

    /** What a reader saw: the sequence number and a digest of the records. */
    private record Seen(long sequence, String digest, int records, boolean forward) {
    }

    @Test
    void everySnapshotIsTheStateAfterOneCommit() throws Exception {
        long seed = Long.getLong("cairn.model.seed", System.nanoTime());
        System.out.println("[snapshot-model] seed " + seed + " (repeat with -Dcairn.model.seed=" + seed + ")");
        int transactions = Integer.getInteger("cairn.model.transactions", 400);
        EnvironmentConfig config = new EnvironmentConfig().cacheSize(1L << 20).checkpointKBytes(256)
                .durability(Durability.NO_SYNC).lockTimeout(Duration.ofSeconds(5)).pageReuseDelay(Duration.ZERO)
                .logSegmentSize(1L << 20);
        Map<Long, TreeMap<byte[], byte[]>> changes = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<Seen> seen = new ConcurrentLinkedQueue<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        try (Environment env = Environment.open(dir, config)) {
            Database data = env.openDatabase("data");
            Database meta = env.openDatabase("meta");
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 3);
            List<Future<?>> writers = new ArrayList<>();
            List<Future<?>> others = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                Random rnd = new Random(seed * 31 + w);
                writers.add(pool.submit(() -> {
                    for (int n = 0; n < transactions; n++) {
                        write(env, data, meta, rnd, changes);
                    }
                    return null;
                }));
            }
            for (int r = 0; r < 2; r++) {
                boolean forward = r == 0;
                others.add(pool.submit(() -> {
                    int after = 0;
                    while (writing.get() || after++ < 2) {
                        try (Transaction t = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SNAPSHOT))) {
                            byte[] s = meta.get(t, SEQUENCE);
                            TreeMap<byte[], byte[]> state = read(data, t, forward);
                            seen.add(new Seen(s == null ? 0 : ByteBuffer.wrap(s).getLong(), digest(state), state.size(),
                                    forward));
                            t.commit();
                        }
                    }
                    return null;
                }));
            }
            others.add(TestSupport.checkpointWhile(pool, env, writing));
            TestSupport.finish(writers, writing, others, 300);
            pool.shutdown();
        }
        long commits = WRITERS * (long) transactions;
        assertEquals(commits, changes.size(), "every commit noted once, numbered 1.." + commits);
        // Replay the commits in order; check each snapshot against the state after its commit.
        List<Seen> bySequence = new ArrayList<>(seen);
        bySequence.sort(java.util.Comparator.comparingLong(Seen::sequence));
        TreeMap<byte[], byte[]> state = new TreeMap<>(Bytes.ORDER);
        long at = 0;
        int checked = 0;
        for (Seen s : bySequence) {
            while (at < s.sequence()) {
                at++;
                TreeMap<byte[], byte[]> c = changes.get(at);
                assertTrue(c != null, "commit " + at + " was not noted");
                c.forEach((k, v) -> {
                    if (v == null) {
                        state.remove(k);
                    } else {
                        state.put(k, v);
                    }
                });
            }
            String want = digest(state);
            if (!want.equals(s.digest())) {
                throw new AssertionError("a snapshot at sequence " + s.sequence() + " (" + (s.forward() ? "forward" : "backward")
                        + " scan) held " + s.records() + " records that differ from the " + state.size()
                        + " records after commit " + s.sequence() + "; seed " + seed);
            }
            checked++;
        }
        assertTrue(checked >= 10, "only " + checked + " snapshots were taken");
        System.out.println("[snapshot-model] " + commits + " commits, " + checked + " snapshots checked, " + state.size()
                + " records at the end");
        // And the state after a clean reopen is the state after the last commit.
        while (at < commits) {
            at++;
            changes.get(at).forEach((k, v) -> {
                if (v == null) {
                    state.remove(k);
                } else {
                    state.put(k, v);
                }
            });
        }
        try (Environment env = Environment.open(dir, config)) {
            try (Transaction t = env.beginTransaction()) {
                assertEquals(digest(state), digest(read(env.openDatabase("data"), t, true)), "the state after reopening");
                t.commit();
            }
        }
    }

    /** One numbered commit of 1–6 writes; retried after a conflict, deadlock or lock timeout. */
    private static void write(Environment env, Database data, Database meta, Random rnd,
            Map<Long, TreeMap<byte[], byte[]>> changes) {
        while (true) {
            TreeMap<byte[], byte[]> writes = new TreeMap<>(Bytes.ORDER);
            try (Transaction t = env.beginTransaction()) {
                byte[] s = meta.getForUpdate(t, SEQUENCE);
                long next = (s == null ? 0 : ByteBuffer.wrap(s).getLong()) + 1;
                int ops = 1 + rnd.nextInt(6);
                for (int i = 0; i < ops; i++) {
                    byte[] k = ModelWorkload.key(rnd);
                    if (rnd.nextInt(4) == 0) {
                        data.delete(t, k);
                        writes.put(k, null);
                    } else {
                        byte[] v = ModelWorkload.value(rnd);
                        data.put(t, k, v);
                        writes.put(k, v);
                    }
                }
                meta.put(t, SEQUENCE, ByteBuffer.allocate(8).putLong(next).array());
                t.commit();
                if (changes.putIfAbsent(next, writes) != null) {
                    throw new AssertionError("two commits got sequence number " + next);
                }
                return;
            } catch (TransactionException e) {
                // tried again
            }
        }
    }

    private static TreeMap<byte[], byte[]> read(Database db, Transaction t, boolean forward) {
        TreeMap<byte[], byte[]> state = new TreeMap<>(Bytes.ORDER);
        try (Cursor c = db.openCursor(t)) {
            for (boolean ok = forward ? c.first() : c.last(); ok; ok = forward ? c.next() : c.prev()) {
                if (state.put(c.key(), c.value()) != null) {
                    throw new AssertionError("a scan returned key " + ModelWorkload.show(c.key()) + " twice");
                }
            }
        }
        return state;
    }

    private static String digest(TreeMap<byte[], byte[]> state) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            ByteBuffer len = ByteBuffer.allocate(8);
            for (var e : state.entrySet()) {
                md.update(len.clear().putInt(e.getKey().length).putInt(e.getValue().length).array());
                md.update(e.getKey());
                md.update(e.getValue());
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
