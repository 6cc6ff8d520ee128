package org.cairndb.txn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.TransactionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keys a transaction locks with getForUpdate without writing them hold memory until it ends; they
 * are bounded by {@code cairn.txn.max.bytes} as its writes are ({@link TxnManager#lockForUpdate}).
 */
class LockedKeysBoundTest {

    @TempDir
    Path tmp;

    private static byte[] key(int i) {
        return String.format("key%09d", i).getBytes(StandardCharsets.US_ASCII);
    }

    /** Locks up to a million absent keys in one transaction, with cairn.txn.max.bytes of 8 MiB, in a 64 MB heap. */
    public static final class ManyLocks {
        public static void main(String[] args) throws Exception {
            EnvironmentConfig config = new EnvironmentConfig().durability(Durability.NOT_DURABLE).txnMaxBytes(8 << 20);
            try (Environment env = Environment.open(Path.of(args[0]), config)) {
                Database db = env.openDatabase("d");
                int locked = 0;
                try (Transaction t = env.beginTransaction()) {
                    for (; locked < 1_000_000; locked++) {
                        db.getForUpdate(t, key(locked));
                    }
                    System.out.println("all locked");
                } catch (TransactionException e) {
                    System.out.println("refused after " + locked + ": " + e.getMessage());
                }
                db.put(null, key(1), new byte[1]); // its locks were released
                System.out.println("written");
            }
        }
    }

    @Test
    void lockingReadsStopAtTheTransactionLimitInsteadOfRunningTheHeapOut() throws Exception {
        // Before the fix: out of memory after about 450,000 locked keys (about 125 bytes a key).
        String out = SmallHeapChild.run(tmp, "-Xmx64m", ManyLocks.class, tmp.resolve("env").toString());
        assertTrue(out.contains("refused after") && out.contains("cairn.txn.max.bytes"), out);
        assertTrue(out.contains("written"), out);
    }

    @Test
    void keysLockedAndWrittenCountOnlyAsWrites() {
        EnvironmentConfig config = new EnvironmentConfig().durability(Durability.NOT_DURABLE).txnMaxBytes(1 << 20);
        try (Environment env = Environment.open(tmp.resolve("env"), config)) {
            Database db = env.openDatabase("d");
            // 20,000 read-modify-writes: 20,000 locks, about 3 MB of them, but each key written.
            try (Transaction t = env.beginTransaction()) {
                for (int i = 0; i < 20_000; i++) {
                    db.getForUpdate(t, key(i));
                    db.put(t, key(i), new byte[1]);
                }
                t.commit();
            }
            assertArrayEquals(new byte[1], db.get(null, key(19_999)));
            // 20,000 locking reads alone are past 1 MiB: refused, rolled back, the locks released.
            try (Transaction t = env.beginTransaction()) {
                TransactionException e = assertThrows(TransactionException.class, () -> {
                    for (int i = 0; i < 20_000; i++) {
                        db.getForUpdate(t, key(100_000 + i));
                    }
                });
                assertTrue(e.getMessage().contains("cairn.txn.max.bytes"), e.getMessage());
            }
            db.put(null, key(100_000), new byte[2]);
            assertEquals(2, db.get(null, key(100_000)).length);
        }
    }
}
