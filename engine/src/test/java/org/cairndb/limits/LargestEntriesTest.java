package org.cairndb.limits;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import org.cairndb.*;
import org.cairndb.tools.Verifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The documented limits through the API: keys of 4,096 bytes sharing all but their last bytes
 * (cursors both ways, seek, ranges, deletes), values at the inline/overflow threshold and a byte
 * either side, 16 MiB values overwritten back and forth (space reused), the smallest cache, and a
 * transaction at and one byte over cairn.txn.max.bytes.
 */
class LargestEntriesTest {
    @TempDir Path dir;
    static final int K = Database.MAX_KEY_SIZE, V = Database.MAX_VALUE_SIZE;

    static byte[] key(int prefixByte, int last) {
        byte[] k = new byte[K];
        Arrays.fill(k, (byte) prefixByte);
        k[K - 2] = (byte) (last >> 8);
        k[K - 1] = (byte) last;
        return k;
    }

    @Test
    void maximalKeysManyWithLongPrefixes() throws Exception {
        int n = 300;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) order.add(i);
        Collections.shuffle(order, new Random(1));
        try (Environment env = Environment.open(dir, TestSupport.config())) {
            Database db = env.openDatabase("t", true);
            for (int i : order) {
                try (Transaction t = env.beginTransaction()) {
                    db.put(t, key(0x41, i), ("v" + i).getBytes());
                    t.commit();
                }
            }
            check(env, db, n);
            env.checkpoint(true);
            check(env, db, n);
        }
        try (Environment env = Environment.open(dir, TestSupport.config())) {
            Database db = env.openDatabase("t", false);
            check(env, db, n);
            for (int i = 0; i < n; i += 2) {
                try (Transaction t = env.beginTransaction()) {
                    assertTrue(db.delete(t, key(0x41, i)));
                    t.commit();
                }
            }
            env.checkpoint(true);
            try (Transaction t = env.beginTransaction(); Cursor c = db.openCursor(t)) {
                int seen = 0;
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    assertArrayEquals(key(0x41, 2 * seen + 1), c.key());
                    seen++;
                }
                assertEquals(n / 2, seen);
            }
        }
        Verifier.Report r = new Verifier(dir).verify(List.of());
        assertTrue(r.ok(), r.toString());
    }

    void check(Environment env, Database db, int n) {
        try (Transaction t = env.beginTransaction()) {
            for (int i = 0; i < n; i++) assertArrayEquals(("v" + i).getBytes(), db.get(t, key(0x41, i)), "key " + i);
            try (Cursor c = db.openCursor(t)) {
                int i = 0;
                for (boolean ok = c.first(); ok; ok = c.next()) { assertArrayEquals(key(0x41, i), c.key()); i++; }
                assertEquals(n, i);
                for (boolean ok = c.last(); ok; ok = c.prev()) { i--; assertArrayEquals(key(0x41, i), c.key()); }
                assertEquals(0, i);
                assertTrue(c.seek(key(0x41, 100)));
                assertArrayEquals(key(0x41, 100), c.key());
                // A key one byte shorter sorts before every key it prefixes.
                assertTrue(c.seek(Arrays.copyOf(key(0x41, 100), K - 1)));
                assertArrayEquals(key(0x41, 0), c.key());
            }
            try (Cursor c = db.openCursor(t, key(0x41, 50), key(0x41, 60))) {
                int i = 50;
                for (boolean ok = c.first(); ok; ok = c.next()) { assertArrayEquals(key(0x41, i), c.key()); i++; }
                assertEquals(60, i);
                for (boolean ok = c.last(); ok; ok = c.prev()) { i--; assertArrayEquals(key(0x41, i), c.key()); }
                assertEquals(50, i);
                assertFalse(c.seek(key(0x41, 60)));
                assertTrue(c.prev());
                assertArrayEquals(key(0x41, 59), c.key());
            }
        }
    }

    @Test
    void inlineThreshold() throws Exception { inlineThreshold(8192); }
    @Test
    void inlineThreshold64() throws Exception { inlineThreshold(65536); }
    @Test
    void inlineThreshold16() throws Exception { inlineThreshold(16384); }

    void inlineThreshold(int ps) throws Exception {
        int limit = (ps - 32) / 4;
        List<byte[][]> entries = new ArrayList<>();
        int[] ks = {1, 100, Math.min(K - 1, limit - 9), Math.min(K - 1, limit - 8), Math.min(K - 1, limit - 7), K};
        int j = 0;
        for (int k : ks) {
            for (int d = -1; d <= 1; d++) {
                int v = Math.max(0, limit - k + d);
                for (int vv : new int[] {v, 7, 8, 9, 10}) {
                    byte[] key = new byte[k];
                    Arrays.fill(key, (byte) 'k');
                    key[k - 1] = (byte) j; if (k > 1) key[k - 2] = (byte) (j >> 8);
                    j++;
                    byte[] val = new byte[vv];
                    new Random(j).nextBytes(val);
                    entries.add(new byte[][] {key, val});
                }
            }
        }
        try (Environment env = Environment.open(dir, TestSupport.config().pageSize(ps))) {
            Database db = env.openDatabase("t", true);
            try (Transaction t = env.beginTransaction()) {
                for (byte[][] e : entries) db.put(t, e[0], e[1]);
                t.commit();
            }
            env.checkpoint(true);
        }
        try (Environment env = Environment.open(dir, TestSupport.config())) {
            Database db = env.openDatabase("t", false);
            try (Transaction t = env.beginTransaction()) {
                for (byte[][] e : entries) assertArrayEquals(e[1], db.get(t, e[0]));
            }
        }
        Verifier.Report r = new Verifier(dir).verify(List.of());
        assertTrue(r.ok(), r.toString());
        assertEquals(List.of(), r.warnings());
    }

    @Test
    void overwriteLargeAndSmall() throws Exception {
        byte[] big = new byte[V];
        new Random(3).nextBytes(big);
        byte[] k = key(0x7F, 1);
        long[] sizes = new long[8];
        try (Environment env = Environment.open(dir, TestSupport.config())) {
            Database db = env.openDatabase("t", true);
            for (int round = 0; round < 8; round++) {
                byte[] v = round % 2 == 0 ? big : "small".getBytes();
                try (Transaction t = env.beginTransaction()) {
                    db.put(t, k, v);
                    t.commit();
                }
                env.checkpoint(true);
                env.checkpoint(true);
                try (Transaction t = env.beginTransaction()) {
                    assertArrayEquals(v, db.get(t, k));
                }
                sizes[round] = Files.size(dir.resolve("data/t.cdb"));
            }
        }
        Verifier.Report r = new Verifier(dir).verify(List.of());
        assertTrue(r.ok(), r.toString());
        assertTrue(sizes[7] <= sizes[3] , Arrays.toString(sizes));
    }

    @Test
    void smallestCacheWithLargestValues() throws Exception {
        EnvironmentConfig c = TestSupport.config().cacheSize(1 << 20);
        byte[] big = new byte[V];
        new Random(4).nextBytes(big);
        try (Environment env = Environment.open(dir, c)) {
            Database db = env.openDatabase("t", true);
            for (int i = 0; i < 3; i++) {
                try (Transaction t = env.beginTransaction()) {
                    big[0] = (byte) i;
                    db.put(t, key(0x30, i), big);
                    t.commit();
                }
            }
            try (Transaction t = env.beginTransaction()) {
                big[0] = 2;
                assertArrayEquals(big, db.get(t, key(0x30, 2)));
            }
        }
        try (Environment env = Environment.open(dir, c)) {
            Database db = env.openDatabase("t", false);
            try (Transaction t = env.beginTransaction(); Cursor cur = db.openCursor(t)) {
                int i = 2;
                for (boolean ok = cur.last(); ok; ok = cur.prev()) {
                    big[0] = (byte) i;
                    assertArrayEquals(big, cur.value());
                    i--;
                }
                assertEquals(-1, i);
            }
        }
    }

    @Test
    void txnSizeLimit() throws Exception {
        EnvironmentConfig c = TestSupport.config().txnMaxBytes(1 << 20);
        try (Environment env = Environment.open(dir, c)) {
            Database db = env.openDatabase("t", true);
            try (Transaction t = env.beginTransaction()) {
                db.put(t, "a".getBytes(), new byte[(1 << 20) - 1]);
                t.commit();
            }
            Transaction t = env.beginTransaction();
            db.put(t, "b".getBytes(), new byte[1 << 19]);
            TransactionException e = assertThrows(TransactionException.class, () -> db.put(t, "c".getBytes(), new byte[(1 << 19) - 1]));
            assertTrue(e.getMessage().contains("more than the limit of 1048576 (cairn.txn.max.bytes)"), e.getMessage());
            assertThrows(RuntimeException.class, t::commit);
            t.close();
            try (Transaction t2 = env.beginTransaction()) {
                assertNull(db.get(t2, "b".getBytes()));
                assertEquals((1 << 20) - 1, db.get(t2, "a".getBytes()).length);
                db.put(t2, "d".getBytes(), new byte[10]);
                t2.commit();
            }
        }
    }

}
