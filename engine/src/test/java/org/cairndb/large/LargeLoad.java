package org.cairndb.large;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;

/**
 * Child-JVM program for {@link LargeDatabaseTest}: loads N records (ascending, or scrambled) of 100-byte values, closes,
 * reopens, and reads every record back (cursor) plus random point reads, checking each value.
 * Exit status 0 only if everything matched. Prints one line of figures.
 */
public final class LargeLoad {

    private LargeLoad() {
    }

    static byte[] key(long i) {
        return ByteBuffer.allocate(16).putLong(0x6b65792d00000000L).putLong(i).array();
    }

    static byte[] value(long i) {
        byte[] v = new byte[100];
        ByteBuffer.wrap(v).putLong(i).putLong(i * 31 + 7);
        Arrays.fill(v, 16, 100, (byte) (i % 251));
        return v;
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[0]);
        long n = Long.parseLong(args[1]);
        boolean scrambled = args.length > 2 && args[2].equals("scrambled");
        EnvironmentConfig cfg = new EnvironmentConfig().durability(Durability.WRITE_NO_SYNC);
        long t0 = System.nanoTime();
        try (Environment env = Environment.open(home, cfg)) {
            Database db = env.openDatabase("big");
            // Ascending keys (a bulk load, like loading a dump), or with "scrambled" a permutation that
            // makes every batch touch pages all over the tree.
            long step = scrambled ? 7919 : 1; // 7919 is a prime dividing no power of ten: a permutation
            for (long done = 0; done < n; ) {
                try (Transaction txn = env.beginTransaction()) {
                    for (int j = 0; j < 10_000 && done < n; j++, done++) {
                        long i = (done * step) % n;
                        db.put(txn, key(i), value(i));
                    }
                    txn.commit();
                }
            }
        }
        long loadNanos = System.nanoTime() - t0;
        long t1 = System.nanoTime();
        long seen = 0;
        try (Environment env = Environment.open(home, cfg)) {
            Database db = env.openDatabase("big", false);
            if (db.count() != n) {
                throw new AssertionError("count " + db.count() + " != " + n);
            }
            try (Cursor c = db.openCursor(null)) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    if (!Arrays.equals(c.key(), key(seen)) || !Arrays.equals(c.value(), value(seen))) {
                        throw new AssertionError("record " + seen + " differs");
                    }
                    seen++;
                }
            }
            Random rnd = new Random(1);
            for (int k = 0; k < 200_000; k++) {
                long i = (rnd.nextLong() & Long.MAX_VALUE) % n;
                if (!Arrays.equals(db.get(null, key(i)), value(i))) {
                    throw new AssertionError("get " + i + " differs");
                }
            }
        }
        if (seen != n) {
            throw new AssertionError("cursor saw " + seen + " of " + n);
        }
        long readNanos = System.nanoTime() - t1;
        System.out.printf("loaded %d records in %.1f s (%.0f rec/s); read back in %.1f s; max heap %d MB%n", n,
                loadNanos / 1e9, n / (loadNanos / 1e9), readNanos / 1e9, Runtime.getRuntime().maxMemory() >> 20);
    }
}
