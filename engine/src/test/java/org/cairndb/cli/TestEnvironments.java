package org.cairndb.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.Transaction;

/** Small environments for the command tests. */
final class TestEnvironments {

    private TestEnvironments() {
    }

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static String s(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** Creates (or adds to) {@code home} a database {@code name} with keys k00000..k{n-1} and values v0..v{n-1}. */
    static void create(Path home, String name, int n) {
        try (Environment env = Environment.open(home)) {
            fill(env, name, n);
        }
    }

    static void fill(Environment env, String name, int n) {
        Database db = env.openDatabase(name);
        try (Transaction txn = env.beginTransaction()) {
            for (int i = 0; i < n; i++) {
                db.put(txn, b(String.format("k%05d", i)), b("v" + i));
            }
            txn.commit();
        }
    }
}
