package org.cairndb.limits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.TestSupport;
import org.cairndb.Transaction;
import org.cairndb.tools.Verifier;
import org.cairndb.util.Bytes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys of random lengths from 1 to 4,096 bytes, many sharing long prefixes (so that separators
 * range from one byte to whole keys, and branches from two children to hundreds), with inserts and
 * deletes, commits, checkpoints, reopens and recoveries: the database agrees with a model through
 * cursors both ways, seeks and gets, verify finds it clean, and its height stays logarithmic.
 */
class LongKeysModelTest {

    @TempDir
    Path dir;

    /** Four stems: a random one, two alike but for their first byte, and one of a single repeated byte. */
    private static byte[][] stems(Random rnd) {
        byte[][] stems = new byte[4][Database.MAX_KEY_SIZE];
        rnd.nextBytes(stems[0]);
        rnd.nextBytes(stems[1]);
        stems[2] = stems[1].clone();
        stems[2][0] ^= 1;
        Arrays.fill(stems[3], (byte) 'S');
        return stems;
    }

    /**
     * A prefix of a stem, of a length mostly near the largest, with a byte or two changed near its
     * end: many keys share all but their last few bytes; some are prefixes of others.
     */
    private static byte[] key(Random rnd, byte[][] stems) {
        byte[] stem = stems[rnd.nextInt(stems.length)];
        int length = rnd.nextInt(3) == 0 ? 1 + rnd.nextInt(Database.MAX_KEY_SIZE) : Database.MAX_KEY_SIZE - rnd.nextInt(40);
        byte[] k = Arrays.copyOf(stem, length);
        for (int j = rnd.nextInt(3); j > 0; j--) {
            k[Math.max(0, length - 1 - rnd.nextInt(12))] = (byte) rnd.nextInt(4);
        }
        return k;
    }

    @Test
    void randomLongKeysAgreeWithTheModelAcrossCheckpointsAndReopens() throws Exception {
        Random rnd = new Random(2026);
        byte[][] stems = stems(rnd);
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        List<byte[]> written = new ArrayList<>();
        Environment env = Environment.open(dir, TestSupport.config());
        Database db = env.openDatabase("t", true);
        for (int round = 1; round <= 24; round++) {
            try (Transaction t = env.beginTransaction()) {
                for (int i = 0; i < 60; i++) {
                    boolean delete = !written.isEmpty() && rnd.nextInt(round % 6 == 0 ? 2 : 5) == 0;
                    if (delete) {
                        byte[] k = written.get(rnd.nextInt(written.size()));
                        assertEquals(model.remove(k) != null, db.delete(t, k));
                    } else {
                        byte[] k = key(rnd, stems);
                        byte[] v = new byte[rnd.nextInt(10) == 0 ? 3000 : rnd.nextInt(20)];
                        rnd.nextBytes(v);
                        db.put(t, k, v);
                        model.put(k, v);
                        written.add(k);
                    }
                }
                t.commit();
            }
            if (round % 3 == 0) {
                env.checkpoint(true);
            }
            if (round % 8 == 0) {
                env.close();
                env = Environment.open(dir, TestSupport.config());
                db = env.openDatabase("t", false);
            } else if (round % 8 == 5) {
                env.internals().abandon(); // a crash: the commits since the checkpoint are replayed
                env = Environment.open(dir, TestSupport.config());
                db = env.openDatabase("t", false);
            }
            check(env, db, model, rnd, stems);
        }
        env.checkpoint(true);
        env.close();
        Verifier.Report r = new Verifier(dir).verify(List.of());
        assertTrue(r.ok(), r.toString());
        assertEquals(model.size(), r.databases().get(0).records());
        int depth = r.databases().get(0).depth();
        int allowed = (int) Math.floor(2 * Math.log(Math.max(2, written.size())) / Math.log(2)) + 2;
        assertTrue(depth <= allowed, "depth " + depth + " for " + written.size() + " keys written");
    }

    private static void check(Environment env, Database db, TreeMap<byte[], byte[]> model, Random rnd, byte[][] stems) {
        try (Transaction t = env.beginTransaction(); Cursor c = db.openCursor(t)) {
            Iterator<Map.Entry<byte[], byte[]>> it = model.entrySet().iterator();
            for (boolean ok = c.first(); ok; ok = c.next()) {
                Map.Entry<byte[], byte[]> e = it.next();
                assertArrayEquals(e.getKey(), c.key());
                assertArrayEquals(e.getValue(), c.value());
            }
            assertFalse(it.hasNext());
            Iterator<byte[]> back = model.descendingKeySet().iterator();
            for (boolean ok = c.last(); ok; ok = c.prev()) {
                assertArrayEquals(back.next(), c.key());
            }
            assertFalse(back.hasNext());
            for (int probe = 0; probe < 100; probe++) {
                byte[] k = key(rnd, stems);
                byte[] ceiling = model.ceilingKey(k);
                assertEquals(ceiling != null, c.seek(k), "seek of " + Bytes.describe(k));
                if (ceiling != null) {
                    assertArrayEquals(ceiling, c.key(), "seek of " + Bytes.describe(k));
                    byte[] before = model.lowerKey(ceiling);
                    assertEquals(before != null, c.prev());
                    if (before != null) {
                        assertArrayEquals(before, c.key(), "prev after seek of " + Bytes.describe(k));
                    }
                }
                assertArrayEquals(model.get(k), db.get(t, k));
            }
            assertEquals(model.size(), db.count());
        }
    }
}
