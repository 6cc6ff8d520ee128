package org.cairndb.large;

import java.nio.file.Path;
import java.util.Random;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.HotBackup;

/**
 * Child-JVM program for {@link LogToolsInASmallHeapTest}: {@code HOME BACKUP} writes a log of
 * transactions of values of the largest size, 16 MiB: one COMMIT of three (48 MiB), one PREPARE of
 * two committed after it, and one small commit after them; then updates the hot backup taken into
 * BACKUP before them (so that its log holds them all), checkpoints and prints {@code written}. The values are random bytes, as compressed or encrypted
 * data would be (zeros would hide a reader that misreads a length inside a value).
 */
public final class LogOfLargeValues {

    static final int VALUE_BYTES = 16 << 20;

    private LogOfLargeValues() {
    }

    public static void main(String[] args) throws Exception {
        Random random = new Random(42);
        try (Environment env = Environment.open(Path.of(args[0]), new EnvironmentConfig().checkpointerEnabled(false)
                .cacheSize(32L << 20))) {
            Database db = env.openDatabase("big");
            HotBackup.run(env.internals(), Path.of(args[1]), BackupOptions.defaults());
            try (Transaction txn = env.beginTransaction()) {
                for (String key : new String[] {"a", "b", "c"}) {
                    db.put(txn, key.getBytes(), value(random));
                }
                txn.commit();
            }
            try (Transaction txn = env.beginTransaction()) {
                for (String key : new String[] {"d", "e"}) {
                    db.put(txn, key.getBytes(), value(random));
                }
                txn.prepare("gid-1".getBytes());
                txn.commit();
            }
            try (Transaction txn = env.beginTransaction()) {
                db.put(txn, "small".getBytes(), "tiny".getBytes());
                txn.commit();
            }
            // Updated, the backup taken before them has their log.
            HotBackup.run(env.internals(), Path.of(args[1]), BackupOptions.defaults().withUpdate(true));
            env.checkpoint(true);
        }
        System.out.println("written");
    }

    private static byte[] value(Random random) {
        byte[] v = new byte[VALUE_BYTES];
        random.nextBytes(v);
        return v;
    }
}
