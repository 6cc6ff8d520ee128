package org.cairndb.limits;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.*;
import org.cairndb.*;
import org.cairndb.util.Bytes;
import org.cairndb.tools.Verifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys of up to 4,096 bytes that agree in all but their last bytes, or differ only in trailing
 * zero bytes, with values about the inline threshold: recovery's replay (which orders them eight
 * bytes at a time), checkpoints and verify agree with a model.
 */
class LargestKeysReplayTest {
    @TempDir Path dir;

    @Test
    void replayOfLongPrefixKeys() throws Exception {
        TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
        List<byte[]> keys = new ArrayList<>();
        for (int z = 0; z <= 96; z++) { byte[] k = new byte[4000 + z]; Arrays.fill(k, 0, 4000, (byte) 'A'); keys.add(k); }
        for (int i = 0; i < 200; i++) { byte[] k = new byte[4096]; Arrays.fill(k, (byte) 'A'); k[4095 - (i % 7)] = (byte) (i + 1); k[4090] = (byte) (i / 7); keys.add(k); }
        for (int i = 0; i < 50; i++) { byte[] k = new byte[4096 - i]; Arrays.fill(k, (byte) 'A'); keys.add(k); }
        Random r = new Random(5);
        int limit = (8192 - 32) / 4;
        Environment env = Environment.open(dir, TestSupport.config());
        Database db = env.openDatabase("t", true);
        for (int round = 0; round < 3; round++) {
            List<byte[]> shuffled = new ArrayList<>(keys);
            Collections.shuffle(shuffled, r);
            try (Transaction t = env.beginTransaction()) {
                for (byte[] k : shuffled) {
                    int len = r.nextInt(4) == 0 ? Math.max(0, limit - k.length + r.nextInt(3) - 1) : r.nextInt(12);
                    if (r.nextInt(10) == 0) { db.delete(t, k); model.remove(k); continue; }
                    byte[] v = new byte[len];
                    r.nextBytes(v);
                    db.put(t, k, v);
                    model.put(k, v);
                }
                t.commit();
            }
        }
        env.internals().abandon();
        try (Environment e2 = Environment.open(dir, TestSupport.config())) {
            Database d2 = e2.openDatabase("t", false);
            checkModel(e2, d2, model);
            e2.checkpoint(true);
        }
        try (Environment e3 = Environment.open(dir, TestSupport.config())) {
            checkModel(e3, e3.openDatabase("t", false), model);
        }
        Verifier.Report rep = new Verifier(dir).verify(List.of());
        assertTrue(rep.ok(), rep.toString());
    }

    static void checkModel(Environment env, Database db, TreeMap<byte[], byte[]> model) {
        try (Transaction t = env.beginTransaction(); Cursor c = db.openCursor(t)) {
            Iterator<Map.Entry<byte[], byte[]>> it = model.entrySet().iterator();
            for (boolean ok = c.first(); ok; ok = c.next()) {
                Map.Entry<byte[], byte[]> e = it.next();
                assertArrayEquals(e.getKey(), c.key());
                assertArrayEquals(e.getValue(), c.value());
            }
            assertFalse(it.hasNext());
            assertEquals(model.size(), db.count());
            Iterator<Map.Entry<byte[], byte[]>> back = model.descendingMap().entrySet().iterator();
            for (boolean ok = c.last(); ok; ok = c.prev()) {
                assertArrayEquals(back.next().getKey(), c.key());
            }
            assertFalse(back.hasNext());
        }
    }

    @Test
    void randomModelWithMaximalKeys() throws Exception {
        for (int ps : new int[] {8192, 65536}) {
            Path home = dir.resolve("m" + ps);
            TreeMap<byte[], byte[]> model = new TreeMap<>(Bytes.ORDER);
            Random r = new Random(ps);
            int limit = (ps - 32) / 4;
            Environment env = Environment.open(home, TestSupport.config().pageSize(ps));
            Database db = env.openDatabase("t", true);
            for (int round = 0; round < 40; round++) {
                try (Transaction t = env.beginTransaction()) {
                    for (int op = 0; op < 60; op++) {
                        int len = r.nextInt(3) == 0 ? 4096 : 4000 + r.nextInt(97);
                        byte[] k = new byte[len];
                        Arrays.fill(k, (byte) 'P');
                        k[len - 1 - r.nextInt(3)] = (byte) r.nextInt(6);
                        if (r.nextInt(3) == 0) { db.delete(t, k); model.remove(k); continue; }
                        int vl = switch (r.nextInt(4)) { case 0 -> Math.max(0, limit - len + r.nextInt(3) - 1); case 1 -> 8 + r.nextInt(2); case 2 -> 20000; default -> r.nextInt(30); };
                        byte[] v = new byte[vl];
                        r.nextBytes(v);
                        db.put(t, k, v);
                        model.put(k, v);
                    }
                    t.commit();
                }
                if (round % 5 == 4) env.checkpoint(true);
                if (round % 13 == 12) { env.internals().abandon(); env = Environment.open(home, TestSupport.config().pageSize(ps)); db = env.openDatabase("t", false); checkModel(env, db, model); }
            }
            checkModel(env, db, model);
            env.close();
            Verifier.Report rep = new Verifier(home).verify(List.of());
            assertTrue(rep.ok(), rep.toString());
        }
    }
}
