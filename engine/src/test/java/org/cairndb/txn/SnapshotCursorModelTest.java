package org.cairndb.txn;

import static org.cairndb.TestSupport.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.IsolationLevel;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cursors of SNAPSHOT and SERIALIZABLE transactions against an exact model, while writers insert
 * and delete enough records (values of up to 2 KiB) to split and merge pages, and checkpoints reuse
 * freed pages at once in a 1 MiB cache.
 *
 * <p>The oracle: every writer transaction first updates a sequence record through
 * {@code getForUpdate}, which orders the writers' commits, and records its changes under its
 * sequence number once it committed. A reader reads the sequence in its snapshot, replays the
 * changes up to it over the initial state and so knows exactly what its snapshot holds. It then
 * moves a cursor over a random range at random (first, last, next, prev, seek), making writes of its
 * own in between (puts and deletes of records no writer touches, interleaved in key order with the
 * writers'), and checks every move against the documented movement rules applied to the model:
 * no key skipped, none seen twice, none from after the snapshot, its own writes merged in, a
 * record already under the cursor unchanged until the next move.
 */
class SnapshotCursorModelTest {

    private static final int KEYS = 1_500;
    private static final int WRITERS = 2;
    private static final long RUN_MILLIS = Long.getLong("cairn.model.millis", 3_000);
    private static final byte[] SEQ = b("seq");

    @TempDir
    Path dir;

    /** The changes of the commit with each sequence number: key to value, null for a delete. */
    private final Map<Long, Map<String, byte[]>> commits = new ConcurrentHashMap<>();
    private final TreeMap<String, byte[]> initial = new TreeMap<>();

    @Test
    void cursorsSeeExactlyTheirSnapshotAndTheirOwnWritesWhileTheTreeChangesShape() throws Exception {
        long seed = Long.getLong("cairn.model.seed", System.nanoTime());
        System.out.println("[snapshot-cursor] seed " + seed + " (repeat with -Dcairn.model.seed=" + seed + ")");
        EnvironmentConfig config = new EnvironmentConfig().cacheSize(1L << 20).checkpointerEnabled(false)
                .durability(Durability.NO_SYNC).lockTimeout(Duration.ofSeconds(5)).pageReuseDelay(Duration.ZERO)
                .logSegmentSize(1L << 20);
        ExecutorService pool = Executors.newCachedThreadPool();
        try (Environment env = Environment.open(dir, config)) {
            Database db = env.openDatabase("model");
            Random init = new Random(seed);
            try (Transaction t = env.beginTransaction()) {
                for (int i = 0; i < KEYS; i += 2) {
                    put(db, t, initial, writerKey(i), value(init));
                }
                // Records only the readers write (in transactions they roll back): so that their
                // deletes hide records of the snapshot without conflicting with the writers.
                for (int i = 0; i < KEYS; i += 7) {
                    put(db, t, initial, readerKey(i, 0), value(init));
                    put(db, t, initial, readerKey(i, 1), value(init));
                }
                db.put(t, SEQ, b("0"));
                t.commit();
            }
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong cursorMoves = new AtomicLong();
            long end = System.nanoTime() + Duration.ofMillis(RUN_MILLIS).toNanos();
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                Random rnd = new Random(seed + 100 + w);
                workers.add(pool.submit(() -> write(env, db, rnd, running)));
            }
            List<Future<?>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                Random rnd = new Random(seed + 200 + r);
                int reader = r;
                IsolationLevel level = r == 0 ? IsolationLevel.SNAPSHOT : IsolationLevel.SERIALIZABLE;
                readers.add(pool.submit(() -> {
                    while (System.nanoTime() < end) {
                        read(env, db, rnd, reader, level, cursorMoves);
                    }
                    return null;
                }));
            }
            Future<?> checkpoints = TestSupport.checkpointWhile(pool, env, running);
            try {
                for (Future<?> f : readers) {
                    f.get(RUN_MILLIS / 1000 + 60, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                running.set(false);
            }
            for (Future<?> f : workers) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            checkpoints.get(60, java.util.concurrent.TimeUnit.SECONDS);
            System.out.println("[snapshot-cursor] " + commits.size() + " commits, " + cursorMoves.get() + " cursor moves checked");
            assertTrue(commits.size() > 10, "writers committed " + commits.size() + " times");
            assertTrue(cursorMoves.get() > 1_000, "readers moved their cursors " + cursorMoves.get() + " times");
            // The final state, read by a cursor of a new transaction, is the replay of every commit.
            try (Transaction t = env.beginTransaction()) {
                long seq = Long.parseLong(s(db.get(t, SEQ)));
                assertEquals(commits.size(), seq);
                TreeMap<String, byte[]> expected = replay(seq);
                TreeMap<String, byte[]> seen = new TreeMap<>();
                try (Cursor c = db.openCursor(t)) {
                    for (boolean ok = c.first(); ok; ok = c.next()) {
                        seen.put(s(c.key()), c.value());
                    }
                }
                seen.remove("seq");
                assertEquals(expected.keySet(), seen.keySet());
                for (Map.Entry<String, byte[]> e : expected.entrySet()) {
                    assertArrayEquals(e.getValue(), seen.get(e.getKey()), e.getKey());
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private Object write(Environment env, Database db, Random rnd, AtomicBoolean running) {
        while (running.get()) {
            try (Transaction t = env.beginTransaction()) {
                long seq = Long.parseLong(s(db.getForUpdate(t, SEQ))) + 1;
                Map<String, byte[]> changes = new TreeMap<>();
                int n = 1 + rnd.nextInt(30);
                // Runs of neighbouring keys, so that whole pages fill and empty.
                int at = rnd.nextInt(KEYS);
                boolean insert = rnd.nextBoolean();
                for (int i = 0; i < n; i++) {
                    String k = writerKey((at + i) % KEYS);
                    if (insert) {
                        byte[] v = value(rnd);
                        db.put(t, b(k), v);
                        changes.put(k, v);
                    } else {
                        db.delete(t, b(k));
                        changes.put(k, null);
                    }
                }
                db.put(t, SEQ, b(Long.toString(seq)));
                t.commit();
                commits.put(seq, changes);
            }
        }
        return null;
    }

    private void read(Environment env, Database db, Random rnd, int reader, IsolationLevel level, AtomicLong moves)
            throws InterruptedException {
        try (Transaction t = env.beginTransaction(new TransactionConfig().isolation(level))) {
            long seq = Long.parseLong(s(db.get(t, SEQ)));
            // The writer of a commit the snapshot holds may not have recorded it yet.
            for (long i = 1; i <= seq; i++) {
                long n = i;
                TestSupport.awaitTrue(() -> commits.containsKey(n), "commit " + n + " to be recorded");
            }
            TreeMap<String, byte[]> model = replay(seq);
            model.put("seq", b(Long.toString(seq)));
            String from = rnd.nextInt(3) == 0 ? null : writerKey(rnd.nextInt(KEYS));
            String to = rnd.nextInt(3) == 0 ? null : writerKey(rnd.nextInt(KEYS));
            if (from != null && to != null && from.compareTo(to) > 0) {
                String x = from;
                from = to;
                to = x;
            }
            ModelCursor expected = new ModelCursor(model, from, to);
            try (Cursor c = db.openCursor(t, from == null ? null : b(from), to == null ? null : b(to))) {
                int steps = 50 + rnd.nextInt(300);
                for (int i = 0; i < steps; i++) {
                    int op = rnd.nextInt(100);
                    String what;
                    boolean found;
                    if (op < 35) {
                        what = "next";
                        found = c.next();
                        expected.next();
                    } else if (op < 65) {
                        what = "prev";
                        found = c.prev();
                        expected.prev();
                    } else if (op < 72) {
                        String target = rnd.nextBoolean() ? writerKey(rnd.nextInt(KEYS)) : readerKey(rnd.nextInt(KEYS), reader);
                        what = "seek " + target;
                        found = c.seek(b(target));
                        expected.seek(target);
                    } else if (op < 75) {
                        what = "first";
                        found = c.first();
                        expected.first();
                    } else if (op < 78) {
                        what = "last";
                        found = c.last();
                        expected.last();
                    } else {
                        // A write of its own, seen by the cursor's later moves (not by its current record).
                        String k = readerKey(rnd.nextInt(KEYS), reader);
                        if (rnd.nextBoolean()) {
                            byte[] v = value(rnd);
                            db.put(t, b(k), v);
                            model.put(k, v);
                        } else {
                            db.delete(t, b(k));
                            model.remove(k);
                        }
                        continue;
                    }
                    moves.incrementAndGet();
                    String context = what + " (step " + i + ", range [" + from + ", " + to + "), snapshot after commit "
                            + seq + ", " + level + ")";
                    assertEquals(expected.key != null, found, context);
                    assertEquals(expected.key, c.key() == null ? null : s(c.key()), context);
                    assertArrayEquals(expected.value, c.value(), context);
                }
            }
            t.abort();
        }
    }

    private TreeMap<String, byte[]> replay(long seq) {
        TreeMap<String, byte[]> m = new TreeMap<>(initial);
        for (long i = 1; i <= seq; i++) {
            for (Map.Entry<String, byte[]> e : commits.get(i).entrySet()) {
                if (e.getValue() == null) {
                    m.remove(e.getKey());
                } else {
                    m.put(e.getKey(), e.getValue());
                }
            }
        }
        return m;
    }

    /**
     * Cursor movement as the Cursor documentation describes it, over a sorted map of the visible
     * records (keys are ASCII, so String order is byte order).
     */
    private static final class ModelCursor {
        final TreeMap<String, byte[]> map;
        final String from;
        final String to;
        String key;
        byte[] value;
        String gap;
        boolean gapAfter;

        ModelCursor(TreeMap<String, byte[]> map, String from, String to) {
            this.map = map;
            this.from = from;
            this.to = to;
        }

        private boolean inRange(String k) {
            return k != null && (from == null || k.compareTo(from) >= 0) && (to == null || k.compareTo(to) < 0);
        }

        private boolean on(String k) {
            if (!inRange(k)) {
                return false;
            }
            key = k;
            value = map.get(k);
            gap = null;
            return true;
        }

        void first() {
            if (!on(from == null ? (map.isEmpty() ? null : map.firstKey()) : map.ceilingKey(from))) {
                key = null;
                value = null;
                gap = null;
            }
        }

        void last() {
            if (!on(to == null ? (map.isEmpty() ? null : map.lastKey()) : map.lowerKey(to))) {
                key = null;
                value = null;
                gap = null;
            }
        }

        void seek(String target) {
            String t = from != null && target.compareTo(from) < 0 ? from : target;
            if (!on(map.ceilingKey(t))) {
                key = null;
                value = null;
                gap = to != null && t.compareTo(to) >= 0 ? to : t;
                gapAfter = false;
            }
        }

        void next() {
            if (key != null) {
                String at = key;
                if (!on(map.higherKey(at))) {
                    key = null;
                    value = null;
                    gap = at;
                    gapAfter = true;
                }
            } else if (gap == null) {
                first();
            } else {
                on(gapAfter ? map.higherKey(gap) : map.ceilingKey(gap));
            }
        }

        void prev() {
            if (key != null) {
                String at = key;
                if (!on(map.lowerKey(at))) {
                    key = null;
                    value = null;
                    gap = at;
                    gapAfter = false;
                }
            } else if (gap == null) {
                last();
            } else {
                on(gapAfter ? map.floorKey(gap) : map.lowerKey(gap));
            }
        }
    }

    private static void put(Database db, Transaction t, Map<String, byte[]> model, String k, byte[] v) {
        db.put(t, b(k), v);
        model.put(k, v);
    }

    private static String writerKey(int i) {
        return String.format("k%05d", i);
    }

    /** Lies between writerKey(i) and writerKey(i + 1). */
    private static String readerKey(int i, int reader) {
        return writerKey(i) + (reader == 0 ? ".a" : ".b");
    }

    private static byte[] value(Random rnd) {
        byte[] v = new byte[rnd.nextInt(8) == 0 ? 200 + rnd.nextInt(1800) : 1 + rnd.nextInt(60)];
        rnd.nextBytes(v);
        return v;
    }


    private static String s(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

}
