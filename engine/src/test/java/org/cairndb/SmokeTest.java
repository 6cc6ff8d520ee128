package org.cairndb;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SmokeTest {

    @TempDir
    Path dir;

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void putGetReopen() {
        try (Environment env = Environment.open(dir)) {
            Database db = env.openDatabase("t");
            for (int i = 0; i < 3000; i++) {
                db.put(null, b(String.format("k%08d", i)), b("value-" + i));
            }
            assertEquals("value-77", new String(db.get(null, b("k00000077")), StandardCharsets.UTF_8));
            assertEquals(3000, db.count());
        }
        try (Environment env = Environment.open(dir)) {
            Database db = env.openDatabase("t", false);
            assertEquals(3000, db.count());
            assertEquals("value-2999", new String(db.get(null, b("k00002999")), StandardCharsets.UTF_8));
            int n = 0;
            try (Cursor c = db.openCursor(null)) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    n++;
                }
            }
            assertEquals(3000, n);
        }
    }
}
