package org.cairndb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshot scans while the tree changes shape under them. Writers move units between records whose
 * keys and values have every size {@link ModelWorkload} draws (keys up to 4 KiB with long shared
 * prefixes, values up to 300 KiB in overflow pages); a record that reaches zero units is deleted and
 * one that receives units is created, so pages split, merge and move. Checkpoints run all the time
 * in a 1 MiB cache with immediate page reuse, so the pages an old snapshot reads are exactly the ones
 * a copy-on-write mistake would overwrite. Readers scan under SNAPSHOT, forward, backward, and as two
 * ranges, and each scan must see the same total and only intact values; a READ_COMMITTED reader
 * scans with one cursor (whose total must be right too) and gets single records.
 */
class SnapshotScanTest {

    private static final int RECORDS = 1_000;
    private static final long UNITS = 1_000;
    private static final int WRITERS = 3;
    private static final int TRANSFERS = Integer.getInteger("cairn.model.transfers", 2_000);

    @TempDir
    Path dir;

    @Test
    void snapshotScansSeeAConstantTotalWhilePagesSplitMergeAndAreReused() throws Exception {
        long seed = Long.getLong("cairn.model.seed", System.nanoTime());
        System.out.println("[snapshot-scan] seed " + seed + " (repeat with -Dcairn.model.seed=" + seed + ")");
        EnvironmentConfig config = new EnvironmentConfig().cacheSize(1L << 20).checkpointKBytes(512)
                .durability(Durability.NO_SYNC).lockTimeout(Duration.ofSeconds(2)).pageReuseDelay(Duration.ZERO)
                .logSegmentSize(1L << 20);
        Random init = new Random(seed);
        List<byte[]> keys = new ArrayList<>();
        try (Environment env = Environment.open(dir, config)) {
            Database db = env.openDatabase("units");
            while (keys.size() < RECORDS) {
                byte[] k = ModelWorkload.key(init);
                if (keys.stream().noneMatch(x -> Arrays.equals(x, k))) {
                    keys.add(k);
                    db.put(null, k, value(k, UNITS, init));
                }
            }
            long total = RECORDS * UNITS;
            AtomicBoolean writing = new AtomicBoolean(true);
            AtomicLong scans = new AtomicLong();
            AtomicLong retries = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS + 4);
            List<Future<?>> writers = new ArrayList<>();
            List<Future<?>> others = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                Random rnd = new Random(seed + w);
                writers.add(pool.submit(() -> {
                    for (int n = 0; n < TRANSFERS; n++) {
                        byte[] from = keys.get(rnd.nextInt(RECORDS));
                        byte[] to = keys.get(rnd.nextInt(RECORDS));
                        while (!transfer(env, db, from, to, rnd)) {
                            retries.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (int r = 0; r < 2; r++) {
                int mode = r;
                others.add(pool.submit(() -> {
                    int round = 0;
                    while (writing.get() || round < 3) {
                        try (Transaction txn = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SNAPSHOT))) {
                            int how = (mode + round++) % 3;
                            long sum = switch (how) {
                                case 0 -> scan(db, txn, null, null, true);
                                case 1 -> scan(db, txn, null, null, false);
                                default -> {
                                    byte[] middle = keys.get(round % RECORDS);
                                    yield scan(db, txn, null, middle, false) + scan(db, txn, middle, null, true);
                                }
                            };
                            assertEquals(total, sum, "the total seen by a snapshot scan (" + new String[] {"forward",
                                    "backward", "two ranges"}[how] + ")");
                            txn.commit();
                        }
                        scans.incrementAndGet();
                    }
                    return null;
                }));
            }
            // READ_COMMITTED reads the newest version: a cursor pins the one it opens on (a statement's
            // snapshot, so its total is right too), a get holds it for the lookup.
            Random rcRandom = new Random(seed ^ 0x5EED);
            others.add(pool.submit(() -> {
                int round = 0;
                while (writing.get() || round < 3) {
                    try (Transaction txn = env.beginTransaction(new TransactionConfig()
                            .isolation(IsolationLevel.READ_COMMITTED))) {
                        boolean forward = round++ % 2 == 0;
                        assertEquals(total, scan(db, txn, null, null, forward), "the total seen by a READ_COMMITTED cursor ("
                                + (forward ? "forward" : "backward") + ")");
                        for (int i = 0; i < 50; i++) {
                            byte[] k = keys.get(rcRandom.nextInt(RECORDS));
                            units(k, db.get(txn, k));
                        }
                        txn.commit();
                    }
                    scans.incrementAndGet();
                }
                return null;
            }));
            others.add(TestSupport.checkpointWhile(pool, env, writing));
            TestSupport.finish(writers, writing, others, 180);
            pool.shutdown();
            try (Transaction txn = env.beginTransaction()) {
                assertEquals(total, scan(db, txn, null, null, true));
                txn.commit();
            }
            assertTrue(scans.get() >= 6, "readers scanned " + scans.get() + " times");
            EnvironmentStats stats = env.stats();
            System.out.println("[snapshot-scan] " + scans.get() + " scans, " + retries.get() + " retried transfers, "
                    + stats.checkpoints() + " checkpoints, " + stats.cacheMisses() + " cache misses, "
                    + db.count() + " records left");
        }
        try (Environment env = Environment.open(dir, config)) {
            try (Transaction txn = env.beginTransaction()) {
                assertEquals(RECORDS * UNITS, scan(env.openDatabase("units"), txn, null, null, false),
                        "the total after reopening");
                txn.commit();
            }
        }
    }

    /** Moves some units from one record to another; false when the transaction must be retried. */
    private static boolean transfer(Environment env, Database db, byte[] from, byte[] to, Random rnd) {
        try (Transaction txn = env.beginTransaction()) {
            long a = units(from, db.getForUpdate(txn, from));
            long b = units(to, db.getForUpdate(txn, to));
            if (a == 0 || Arrays.equals(from, to)) {
                txn.commit();
                return true;
            }
            long amount = rnd.nextInt(4) == 0 ? a : 1 + rnd.nextInt((int) a);
            if (a - amount == 0) {
                db.delete(txn, from);
            } else {
                db.put(txn, from, value(from, a - amount, rnd));
            }
            db.put(txn, to, value(to, b + amount, rnd));
            txn.commit();
            return true;
        } catch (TransactionException e) {
            return false;
        }
    }

    /** Sums the units of {@code [from, to)} (null: open), checking every value on the way. */
    private static long scan(Database db, Transaction txn, byte[] from, byte[] to, boolean forward) {
        long sum = 0;
        byte[] previous = null;
        try (Cursor c = from == null && to == null ? db.openCursor(txn) : db.openCursor(txn, from, to)) {
            for (boolean ok = forward ? c.first() : c.last(); ok; ok = forward ? c.next() : c.prev()) {
                byte[] k = c.key();
                if (previous != null) {
                    int cmp = Arrays.compareUnsigned(previous, k);
                    assertTrue(forward ? cmp < 0 : cmp > 0, "keys out of order in a scan");
                }
                previous = k;
                sum += units(k, c.value());
            }
        }
        return sum;
    }

    /**
     * A value: 8 bytes of units, then padding of a random length (as {@link ModelWorkload#value}
     * draws it) whose every byte follows from the key and the units, so a stale or mixed-up page shows.
     */
    private static byte[] value(byte[] key, long units, Random rnd) {
        int padding = ModelWorkload.value(rnd).length;
        byte[] v = new byte[8 + padding];
        ByteBuffer.wrap(v).putLong(units);
        int base = Arrays.hashCode(key) * 31 + (int) units;
        for (int i = 0; i < padding; i++) {
            v[8 + i] = (byte) (base + i * 7);
        }
        return v;
    }

    private static long units(byte[] key, byte[] v) {
        if (v == null) {
            return 0;
        }
        assertTrue(v.length >= 8, "a value of " + v.length + " bytes");
        long units = ByteBuffer.wrap(v).getLong();
        int base = Arrays.hashCode(key) * 31 + (int) units;
        for (int i = 8; i < v.length; i++) {
            if (v[i] != (byte) (base + (i - 8) * 7)) {
                throw new AssertionError("value of " + ModelWorkload.show(key) + " (" + units + " units, " + v.length
                        + " bytes) is damaged at byte " + i);
            }
        }
        return units;
    }
}
