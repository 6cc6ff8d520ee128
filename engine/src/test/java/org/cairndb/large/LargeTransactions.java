package org.cairndb.large;

import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;

/**
 * Child-JVM program for {@link LogBufferAfterLargeTransactionsTest}: {@code HOME} commits two
 * transactions of two 15 MiB values each (COMMIT records of 30 MiB, far larger than the 1 MiB log
 * buffer), checkpoints so that the cache holds no dirty page, collects the garbage and prints
 * {@code retained N MB}: the heap still in use, with the environment open.
 */
public final class LargeTransactions {

    static final int VALUE_BYTES = 15 << 20;

    private LargeTransactions() {
    }

    public static void main(String[] args) {
        EnvironmentConfig cfg = new EnvironmentConfig().cacheSize(8L << 20).checkpointerEnabled(false);
        try (Environment env = Environment.open(Path.of(args[0]), cfg)) {
            Database db = env.openDatabase("big");
            for (int t = 0; t < 2; t++) {
                try (Transaction txn = env.beginTransaction()) {
                    for (int i = 0; i < 2; i++) {
                        db.put(txn, ("t" + t + "v" + i).getBytes(), new byte[VALUE_BYTES]);
                    }
                    txn.commit();
                }
            }
            env.checkpoint(true);
            Runtime rt = Runtime.getRuntime();
            System.gc();
            System.out.println("retained " + ((rt.totalMemory() - rt.freeMemory()) >> 20) + " MB");
        }
    }
}
