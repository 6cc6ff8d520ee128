package org.cairndb.large;

import java.nio.file.Path;
import java.util.Arrays;
import org.cairndb.Cursor;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;

/**
 * Child-JVM program for {@link RecoveryInASmallHeapTest}, in two roles.
 *
 * <p>{@code write HOME N}: commits N records ({@link LargeLoad#key}, {@link LargeLoad#value}) in
 * transactions of 10,000 with a cache large enough that nothing is checkpointed, then halts the JVM
 * without closing anything: the whole load is in the log only.
 *
 * <p>{@code recover HOME N}: opens the environment (normal recovery replays the whole load) with a
 * small cache, checks every record with a cursor, closes, and prints the recovery report.
 */
public final class CrashedLoad {

    private CrashedLoad() {
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(args[1]);
        long n = Long.parseLong(args[2]);
        if (args[0].equals("write")) {
            write(home, n);
        } else {
            recover(home, n);
        }
    }

    private static void write(Path home, long n) {
        EnvironmentConfig cfg = new EnvironmentConfig().durability(Durability.WRITE_NO_SYNC).checkpointerEnabled(false)
                .cacheSize(Runtime.getRuntime().maxMemory() - (64L << 20));
        Environment env = Environment.open(home, cfg);
        Database db = env.openDatabase("big");
        long before = env.stats().checkpoints();
        for (long done = 0; done < n; ) {
            try (Transaction txn = env.beginTransaction()) {
                for (int j = 0; j < 10_000 && done < n; j++, done++) {
                    long i = (done * 7919) % n; // a permutation: every batch of the replay touches leaves all over the tree
                    db.put(txn, LargeLoad.key(i), LargeLoad.value(i));
                }
                txn.commit();
            }
        }
        long checkpoints = env.stats().checkpoints() - before;
        System.out.println("committed " + n + " records; " + checkpoints + " checkpoints during the load");
        System.out.flush();
        Runtime.getRuntime().halt(0); // a crash: nothing closed, nothing checkpointed
    }

    private static void recover(Path home, long n) {
        EnvironmentConfig cfg = new EnvironmentConfig().durability(Durability.WRITE_NO_SYNC).cacheSize(24L << 20);
        try (Environment env = Environment.open(home, cfg)) {
            Database db = env.openDatabase("big", false);
            long seen = 0;
            try (Cursor c = db.openCursor(null)) {
                for (boolean ok = c.first(); ok; ok = c.next()) {
                    if (!Arrays.equals(c.key(), LargeLoad.key(seen)) || !Arrays.equals(c.value(), LargeLoad.value(seen))) {
                        throw new AssertionError("record " + seen + " differs");
                    }
                    seen++;
                }
            }
            if (seen != n) {
                throw new AssertionError("the cursor saw " + seen + " of " + n + " records");
            }
            System.out.println("recovered: " + env.recoveryReport() + "; max heap "
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MB");
        }
    }
}
