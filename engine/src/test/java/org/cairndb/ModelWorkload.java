package org.cairndb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import org.cairndb.util.Bytes;

/**
 * Random transactions over two databases, checked against a model: a {@link TreeMap} per database
 * holding what the committed transactions wrote.
 *
 * <p>The keys and values are drawn so that every shape the storage layer handles comes up: short
 * keys that are overwritten often, keys of hundreds of bytes, keys of 1–4 KiB that share a long
 * prefix (prefix compression in leaves and branches), empty values, values that fill a page, and
 * values of up to 300 KiB that go to overflow pages. Deletes take existing keys, so pages empty and
 * merge. Each transaction checks its own reads (get, putIfAbsent, a cursor over a range) against
 * the model with its own writes laid over, and commits or aborts. {@link #verify} reads every
 * database back with forward and backward cursors, seeks, ranges and gets.
 *
 * <p>One thread; everything is drawn from the caller's {@link Random}, so a seed repeats a run.
 */
public final class ModelWorkload {

    public static final List<String> DATABASES = List.of("alpha", "beta");
    private static final byte[] LONG_PREFIX = "shared-prefix-".repeat(80).getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final Map<String, TreeMap<byte[], byte[]>> committed = new HashMap<>();
    /** Prepared transactions, by global id; their writes are invisible and their keys locked. */
    private final Map<String, Pending> prepared = new TreeMap<>();
    private final boolean twoPhase;
    private int globalIds;
    private long commits;
    private long aborts;
    private long operations;

    public ModelWorkload() {
        this(false);
    }

    /**
     * @param twoPhase whether steps also prepare their transaction (one in ten, at most four
     *                 prepared at a time) and complete prepared ones, as a transaction manager would
     */
    public ModelWorkload(boolean twoPhase) {
        this.twoPhase = twoPhase;
        for (String name : DATABASES) {
            committed.put(name, new TreeMap<>(Bytes.ORDER));
        }
    }

    /**
     * What one step did or was doing: the writes of its transaction (database -> key -> value,
     * {@code null} for a delete), the keys it locked, and whether it was preparing its transaction
     * or completing a prepared one.
     */
    public static final class Pending {
        final Map<String, TreeMap<byte[], byte[]>> writes = new HashMap<>();
        final Map<String, java.util.TreeSet<byte[]>> locked = new HashMap<>();
        /** The global id the step prepared its transaction under, or null. */
        String preparing;
        /** The global id of the prepared transaction the step completed, or null. */
        String resolving;
        boolean resolvingCommit;

        TreeMap<byte[], byte[]> of(String db) {
            return writes.computeIfAbsent(db, d -> new TreeMap<>(Bytes.ORDER));
        }

        void lock(String db, byte[] key) {
            locked.computeIfAbsent(db, d -> new java.util.TreeSet<>(Bytes.ORDER)).add(key);
        }

        public String preparing() {
            return preparing;
        }

        public String resolving() {
            return resolving;
        }

        public boolean resolvingCommit() {
            return resolvingCommit;
        }

        public boolean isEmpty() {
            return writes.values().stream().allMatch(Map::isEmpty);
        }
    }

    public long commits() {
        return commits;
    }

    public long aborts() {
        return aborts;
    }

    public long operations() {
        return operations;
    }

    public int size(String db) {
        return committed.get(db).size();
    }

    private void apply(Pending p) {
        applyTo(committed, p);
    }

    /** Lays the writes of {@code p} over {@code state}. */
    public static void applyTo(Map<String, TreeMap<byte[], byte[]>> state, Pending p) {
        for (var e : p.writes.entrySet()) {
            TreeMap<byte[], byte[]> m = state.get(e.getKey());
            for (var w : e.getValue().entrySet()) {
                if (w.getValue() == null) {
                    m.remove(w.getKey());
                } else {
                    m.put(w.getKey(), w.getValue());
                }
            }
        }
    }

    /** Makes {@code state} the model (after a crash showed which state the environment holds). */
    public void restore(Map<String, TreeMap<byte[], byte[]>> state) {
        committed.clear();
        state.forEach((k, v) -> committed.put(k, new TreeMap<>(v)));
    }

    /** A copy of the model, for a check against "without the transaction in flight". */
    public Map<String, TreeMap<byte[], byte[]>> snapshot() {
        Map<String, TreeMap<byte[], byte[]>> copy = new HashMap<>();
        committed.forEach((k, v) -> copy.put(k, new TreeMap<>(v)));
        return copy;
    }

    /**
     * Runs one transaction of 1–8 operations and commits it (five times in six) or aborts it; in
     * two-phase mode it may instead prepare it, or complete a prepared transaction. The
     * {@code pending} object is filled as the step goes, so that a caller whose step failed (a crash)
     * knows what the step was doing.
     */
    public void step(Environment env, Random rnd, Pending pending) {
        if (twoPhase && !prepared.isEmpty() && rnd.nextInt(8) == 0) {
            resolve(env, rnd, pending);
            return;
        }
        Map<String, Database> dbs = new HashMap<>();
        Transaction txn = env.beginTransaction();
        boolean done = false;
        try {
            int ops = 1 + rnd.nextInt(8);
            for (int i = 0; i < ops; i++) {
                String name = DATABASES.get(rnd.nextInt(DATABASES.size()));
                Database db = dbs.computeIfAbsent(name, env::openDatabase);
                operation(txn, db, rnd, committed.get(name), pending, name);
                operations++;
            }
            if (twoPhase && prepared.size() < 4 && rnd.nextInt(10) == 0) {
                String gid = "gid-" + ++globalIds + "-" + rnd.nextInt(1_000_000);
                pending.preparing = gid;
                txn.prepare(gid.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                done = true;
                prepared.put(gid, pending);
            } else if (rnd.nextInt(6) == 0) {
                txn.abort();
                done = true;
                pending.writes.clear();
                aborts++;
            } else {
                txn.commit();
                done = true;
                apply(pending);
                commits++;
            }
        } finally {
            if (!done && txn.isActive()) {
                try {
                    txn.abort();
                } catch (RuntimeException e) {
                    // the failure that brought us here is the one to report
                }
            }
        }
    }

    /** Completes a prepared transaction: commits it (two times in three) or rolls it back. */
    private void resolve(Environment env, Random rnd, Pending pending) {
        List<String> gids = new ArrayList<>(prepared.keySet());
        String gid = gids.get(rnd.nextInt(gids.size()));
        Transaction t = env.preparedTransaction(gid.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        if (t == null) {
            throw new AssertionError("the prepared transaction " + gid + " is not listed by the environment");
        }
        pending.resolving = gid;
        pending.resolvingCommit = rnd.nextInt(3) > 0;
        if (pending.resolvingCommit) {
            t.commit();
            apply(prepared.remove(gid));
            commits++;
        } else {
            t.abort();
            prepared.remove(gid);
            aborts++;
        }
    }

    /** The step that prepared {@code gid} (its writes), or null. */
    public Pending preparedStep(String gid) {
        return prepared.get(gid);
    }

    /** Records that the prepared transaction {@code gid} turned out prepared (after a crash). */
    public void notePrepared(String gid, Pending p) {
        prepared.put(gid, p);
    }

    /** Records that the prepared transaction {@code gid} turned out completed (after a crash). */
    public void noteResolved(String gid, boolean committed) {
        Pending p = prepared.remove(gid);
        if (committed) {
            apply(p);
        }
    }

    /** Whether a prepared transaction holds the lock of {@code key} in database {@code db}. */
    private boolean lockedByPrepared(String db, byte[] key) {
        for (Pending p : prepared.values()) {
            var keys = p.locked.get(db);
            if (keys != null && keys.contains(key)) {
                return true;
            }
        }
        return false;
    }

    private void operation(Transaction txn, Database db, Random rnd, TreeMap<byte[], byte[]> model, Pending pending,
            String name) {
        TreeMap<byte[], byte[]> own = pending.of(name);
        int op = rnd.nextInt(100);
        if (op < 85) {
            byte[] k = op < 55 || (op >= 75 && rnd.nextBoolean()) ? key(rnd) : existingKey(rnd, model, own);
            if (lockedByPrepared(name, k)) {
                return; // a prepared transaction holds it: the write would wait out the lock timeout
            }
            pending.lock(name, k);
            if (op < 55) {
                byte[] v = value(rnd);
                db.put(txn, k, v);
                own.put(k, v);
            } else if (op < 75) {
                boolean expected = visible(model, own, k) != null;
                assertEquals(expected, db.delete(txn, k), () -> "delete of " + show(k) + " in " + db.name());
                own.put(k, null);
            } else {
                byte[] v = value(rnd);
                boolean absent = visible(model, own, k) == null;
                assertEquals(absent, db.putIfAbsent(txn, k, v), () -> "putIfAbsent of " + show(k) + " in " + db.name());
                if (absent) {
                    own.put(k, v);
                }
            }
        } else if (op < 93) {
            byte[] k = rnd.nextBoolean() ? key(rnd) : existingKey(rnd, model, own);
            assertArrayEquals(visible(model, own, k), db.get(txn, k), () -> "get of " + show(k) + " in " + db.name());
        } else {
            byte[][] r = range(rnd);
            TreeMap<byte[], byte[]> merged = merged(model, own);
            checkRange(db, txn, merged.subMap(r[0], true, r[1], false), r[0], r[1], 40);
        }
    }

    private static byte[] visible(TreeMap<byte[], byte[]> model, TreeMap<byte[], byte[]> own, byte[] k) {
        return own.containsKey(k) ? own.get(k) : model.get(k);
    }

    private static TreeMap<byte[], byte[]> merged(TreeMap<byte[], byte[]> model, TreeMap<byte[], byte[]> own) {
        TreeMap<byte[], byte[]> m = new TreeMap<>(model);
        own.forEach((k, v) -> {
            if (v == null) {
                m.remove(k);
            } else {
                m.put(k, v);
            }
        });
        return m;
    }

    /** A key present in the model or the transaction's writes, or a fresh one when there is none. */
    private static byte[] existingKey(Random rnd, TreeMap<byte[], byte[]> model, TreeMap<byte[], byte[]> own) {
        byte[] probe = key(rnd);
        byte[] k = rnd.nextInt(4) == 0 ? own.ceilingKey(probe) : model.ceilingKey(probe);
        if (k == null) {
            k = model.isEmpty() ? probe : model.firstKey();
        }
        return k;
    }

    /** Two keys, the smaller first: the bounds of a range. */
    private static byte[][] range(Random rnd) {
        byte[] a = key(rnd);
        byte[] b = key(rnd);
        return Bytes.ORDER.compare(a, b) <= 0 ? new byte[][] {a, b} : new byte[][] {b, a};
    }

    /** Keys of three shapes, from small universes so that they are written again and deleted. */
    static byte[] key(Random rnd) {
        int shape = rnd.nextInt(100);
        if (shape < 70) {
            return String.format("k%05d", rnd.nextInt(3000)).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        }
        if (shape < 90) {
            int id = rnd.nextInt(600);
            Random r = new Random(id);
            byte[] k = new byte[20 + r.nextInt(300)];
            r.nextBytes(k);
            k[0] = 'm';
            return k;
        }
        int id = rnd.nextInt(150);
        Random r = new Random(~id);
        int length = 1000 + r.nextInt(Database.MAX_KEY_SIZE - 1000 + 1);
        byte[] k = new byte[length];
        System.arraycopy(LONG_PREFIX, 0, k, 0, Math.min(LONG_PREFIX.length, length));
        for (int i = LONG_PREFIX.length; i < length; i++) {
            k[i] = (byte) r.nextInt(256);
        }
        // the id decides where this key differs from the others
        byte[] digits = String.format("%04d", id).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int at = Math.min(length - digits.length, 400 + (id % 7) * 100);
        System.arraycopy(digits, 0, k, at, digits.length);
        return k;
    }

    static byte[] value(Random rnd) {
        int shape = rnd.nextInt(100);
        int length;
        if (shape < 5) {
            length = 0;
        } else if (shape < 60) {
            length = 1 + rnd.nextInt(100);
        } else if (shape < 90) {
            length = 100 + rnd.nextInt(3000);
        } else if (shape < 98) {
            length = 3000 + rnd.nextInt(20_000);
        } else {
            length = 20_000 + rnd.nextInt(300_000);
        }
        byte[] v = new byte[length];
        rnd.nextBytes(v);
        return v;
    }

    /** Reads every database back and compares it, and the prepared transactions, with the model. */
    public void verify(Environment env, Random rnd, String what) {
        verify(env, rnd, committed, what);
        assertEquals(prepared.keySet(), preparedIds(env), () -> what + ": prepared transactions");
    }

    /** The global ids of the environment's prepared transactions. */
    public static java.util.Set<String> preparedIds(Environment env) {
        java.util.Set<String> ids = new java.util.TreeSet<>();
        for (var p : env.preparedTransactions()) {
            ids.add(new String(p.globalId(), java.nio.charset.StandardCharsets.US_ASCII));
        }
        return ids;
    }

    public int preparedCount() {
        return prepared.size();
    }

    /** Reads every database back and compares it with {@code expected}. */
    public static void verify(Environment env, Random rnd, Map<String, TreeMap<byte[], byte[]>> expected, String what) {
        for (String name : DATABASES) {
            TreeMap<byte[], byte[]> model = expected.get(name);
            if (!env.databaseExists(name)) {
                assertEquals(0, model.size(), () -> what + ": database " + name + " is missing");
                continue;
            }
            Database db = env.openDatabase(name);
            String where = what + ", database " + name;
            try (Transaction txn = env.beginTransaction()) {
                checkRange(db, txn, model, null, null, Integer.MAX_VALUE);
                for (int i = 0; i < 30; i++) {
                    byte[] k = rnd.nextBoolean() ? key(rnd) : existingKey(rnd, model, new TreeMap<>(Bytes.ORDER));
                    assertArrayEquals(model.get(k), db.get(txn, k), () -> where + ": get of " + show(k));
                }
                for (int i = 0; i < 10; i++) {
                    byte[][] r = range(rnd);
                    checkRange(db, txn, model.subMap(r[0], true, r[1], false), r[0], r[1], 60);
                }
                txn.commit();
            }
            assertEquals(model.size(), db.count(), () -> where + ": count");
        }
    }

    /**
     * Compares a cursor over {@code [from, to)} (the whole database when both are null) with
     * {@code expected}: forward from the start, backward from the end (at most {@code limit} records
     * each way), and seeks to keys inside and around the range.
     */
    static void checkRange(Database db, Transaction txn, NavigableMap<byte[], byte[]> expected, byte[] from, byte[] to,
            int limit) {
        String range = from == null ? "the whole of " + db.name() : "[" + show(from) + ", " + show(to) + ") of " + db.name();
        try (Cursor c = from == null ? db.openCursor(txn) : db.openCursor(txn, from, to)) {
            List<byte[]> keys = new ArrayList<>();
            int n = 0;
            for (boolean ok = c.first(); ok && n < limit; ok = c.next(), n++) {
                keys.add(c.key());
                byte[] want = expected.get(c.key());
                byte[] got = c.value();
                assertArrayEquals(want, got, () -> "value of " + show(c.key()) + " going forward over " + range);
            }
            List<byte[]> wantKeys = expected.keySet().stream().limit(limit).toList();
            assertKeys(wantKeys, keys, "forward over " + range);
            keys.clear();
            n = 0;
            for (boolean ok = c.last(); ok && n < limit; ok = c.prev(), n++) {
                keys.add(c.key());
                assertArrayEquals(expected.get(c.key()), c.value(), () -> "value of " + show(c.key()) + " going backward over "
                        + range);
            }
            assertKeys(expected.descendingKeySet().stream().limit(limit).toList(), keys, "backward over " + range);
            if (!expected.isEmpty()) {
                byte[] probe = expected.firstKey();
                byte[] after = expected.higherKey(probe);
                assertEquals(true, c.seek(probe), () -> "seek to the first key of " + range);
                assertArrayEquals(probe, c.key(), () -> "seek to the first key of " + range);
                if (after != null && probe.length < Database.MAX_KEY_SIZE) {
                    byte[] between = java.util.Arrays.copyOf(probe, probe.length + 1); // the next key there can be
                    byte[] want = expected.ceilingKey(between);
                    boolean found = c.seek(between);
                    assertEquals(want != null, found, () -> "seek just past the first key of " + range);
                    if (want != null) {
                        assertArrayEquals(want, c.key(), () -> "seek just past the first key of " + range);
                        assertEquals(true, c.prev(), () -> "prev after a seek over " + range);
                        assertArrayEquals(probe, c.key(), () -> "prev after a seek over " + range);
                    }
                }
            }
        }
    }

    private static void assertKeys(List<byte[]> want, List<byte[]> got, String what) {
        int n = Math.min(want.size(), got.size());
        for (int i = 0; i < n; i++) {
            if (!java.util.Arrays.equals(want.get(i), got.get(i))) {
                throw new AssertionError(what + ": record " + i + " is " + show(got.get(i)) + ", expected "
                        + show(want.get(i)));
            }
        }
        assertEquals(want.size(), got.size(), () -> what + ": number of records");
    }

    static String show(byte[] k) {
        if (k == null) {
            return "null";
        }
        String head = Bytes.hex(java.util.Arrays.copyOf(k, Math.min(k.length, 12)));
        return k.length + " bytes " + head + (k.length > 12 ? "…" : "") + " (hash " + java.util.Arrays.hashCode(k) + ")";
    }
}
