package org.cairndb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.cairndb.tools.Verifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys of the largest size written one per transaction in descending order: each used to add a
 * level to the tree, and the 67th failed the environment ("cannot apply committed writes to the
 * trees: Index 64 out of bounds for length 64").
 */
class LargestKeysOrderTest {

    @TempDir
    Path dir;

    private static byte[] key(int i) {
        byte[] k = new byte[Database.MAX_KEY_SIZE];
        Arrays.fill(k, (byte) 'K');
        ByteBuffer.wrap(k, k.length - 4, 4).putInt(i);
        return k;
    }

    @Test
    void largestKeysInDescendingOrder() throws Exception {
        int n = 150;
        try (Environment env = Environment.open(dir, TestSupport.config())) {
            Database db = env.openDatabase("t", true);
            for (int i = n - 1; i >= 0; i--) {
                try (Transaction t = env.beginTransaction()) {
                    db.put(t, key(i), new byte[] {(byte) i});
                    t.commit();
                }
            }
            env.checkpoint(true);
            try (Transaction t = env.beginTransaction(); Cursor c = db.openCursor(t)) {
                int i = 0;
                for (boolean on = c.first(); on; on = c.next()) {
                    assertArrayEquals(key(i), c.key());
                    assertArrayEquals(new byte[] {(byte) i}, c.value());
                    i++;
                }
                assertEquals(n, i);
            }
        }
        Verifier.Report r = new Verifier(dir).verify(List.of());
        assertTrue(r.ok(), r.toString());
        int depth = r.databases().get(0).depth();
        assertTrue(depth <= 2 * 8 + 1, "depth " + depth + " for " + n + " keys of one per leaf");
    }

    /**
     * Descending, but every key above the smallest: each goes second into the first leaf, and the
     * tree grew a level per key (two children per branch is all such keys allow at 8 KiB pages, and
     * a split left a branch of one child over another of one child). Past 64 levels the writer
     * failed the environment, and verify reported the tree as damaged. The tree now stays within
     * 2·log2(keys) + 2 levels, and must work and verify clean, after recovery too.
     */
    @Test
    void largestKeysDescendingAboveTheSmallest() throws Exception {
        int n = 100;
        Environment env = Environment.open(dir, TestSupport.config());
        Database db = env.openDatabase("t", true);
        try (Transaction t = env.beginTransaction()) {
            db.put(t, key(0), new byte[] {0});
            t.commit();
        }
        env.checkpoint(true);
        for (int i = n; i > 0; i--) {
            try (Transaction t = env.beginTransaction()) {
                db.put(t, key(i), new byte[] {(byte) i});
                t.commit();
            }
        }
        env.checkpoint(true);
        try (Transaction t = env.beginTransaction()) {
            db.put(t, key(n + 1), new byte[] {1});
            t.commit();
        }
        env.internals().abandon();
        try (Environment again = Environment.open(dir, TestSupport.config())) {
            Database d = again.openDatabase("t", false);
            try (Transaction t = again.beginTransaction(); Cursor c = d.openCursor(t)) {
                int i = n + 1;
                for (boolean on = c.last(); on; on = c.prev()) {
                    assertArrayEquals(key(i), c.key());
                    i--;
                }
                assertEquals(-1, i);
                assertTrue(c.seek(key(n / 2)));
                assertArrayEquals(key(n / 2), c.key());
            }
        }
        Verifier.Report r = new Verifier(dir).verify(List.of());
        assertTrue(r.ok(), r.toString());
        int depth = r.databases().get(0).depth();
        int allowed = (int) Math.floor(2 * Math.log(n + 2) / Math.log(2)) + 2;
        assertTrue(depth <= allowed, "depth " + depth + " for " + (n + 2) + " keys of one per leaf");
    }
}
