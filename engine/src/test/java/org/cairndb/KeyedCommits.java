package org.cairndb;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Commits of named keys into database "t", one per transaction, and the sets of names they make:
 * for the recovery tests that check which commits a recovery kept ("old0".."old119", "new0"...).
 */
public final class KeyedCommits {

    private KeyedCommits() {
    }

    /** Commits keys {@code prefix}i for i in [from, to), each a 1,500-byte value in its own SYNC transaction; their transaction ids. */
    public static List<Long> commit(Environment env, String prefix, int from, int to) {
        Database db = env.openDatabase("t", true);
        List<Long> ids = new ArrayList<>();
        for (int i = from; i < to; i++) {
            try (Transaction t = env.beginTransaction()) {
                db.put(t, (prefix + i).getBytes(StandardCharsets.US_ASCII), new byte[1500]);
                ids.add(t.id());
                t.commit();
            }
        }
        return ids;
    }

    /** The keys of database "t", in order. */
    public static TreeSet<String> keys(Environment env) {
        TreeSet<String> out = new TreeSet<>();
        try (Cursor c = env.openDatabase("t", false).openCursor(null)) {
            while (c.next()) {
                out.add(new String(c.key(), StandardCharsets.US_ASCII));
            }
        }
        return out;
    }

    /** {@code prefix}i for i in [from, to). */
    public static TreeSet<String> named(String prefix, int from, int to) {
        TreeSet<String> out = new TreeSet<>();
        for (int i = from; i < to; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    @SafeVarargs
    public static TreeSet<String> union(TreeSet<String>... sets) {
        TreeSet<String> out = new TreeSet<>();
        for (TreeSet<String> s : sets) {
            out.addAll(s);
        }
        return out;
    }
}
