package org.cairndb.txn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.IsolationLevel;
import org.cairndb.Transaction;
import org.cairndb.TransactionConfig;
import org.cairndb.WriteConflictException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SERIALIZABLE transaction remembers what it read for its validation; the keys it reads one by
 * one must not grow the heap without bound ({@link TxnManager#recordRead}): past a quarter of
 * {@code cairn.txn.max.bytes} they become a range, which still catches every change to them.
 */
class ReadSetBoundTest {

    private static final TransactionConfig SERIALIZABLE = new TransactionConfig().isolation(IsolationLevel.SERIALIZABLE);

    @TempDir
    Path tmp;

    private static byte[] key(int i) {
        return String.format("key%09d", i).getBytes(StandardCharsets.US_ASCII);
    }

    /** Reads a million absent keys in one SERIALIZABLE transaction, then writes and commits: in a 64 MB heap. */
    public static final class ManyReads {
        public static void main(String[] args) throws Exception {
            try (Environment env = Environment.open(Path.of(args[0]), new EnvironmentConfig().durability(Durability.NOT_DURABLE))) {
                Database db = env.openDatabase("d");
                try (Transaction t = env.beginTransaction(SERIALIZABLE)) {
                    for (int i = 0; i < 1_000_000; i++) {
                        db.get(t, key(2 * i));
                    }
                    db.put(t, key(1), new byte[1]);
                    t.commit();
                }
                System.out.println("committed");
            }
        }
    }

    @Test
    void aMillionReadsOfOneTransactionFitASmallHeap() throws Exception {
        // Before the fix: out of memory after about 650,000 reads (about 90 bytes a key read).
        String output = SmallHeapChild.run(tmp, "-Xmx64m", ManyReads.class, tmp.resolve("env").toString());
        assertTrue(output.contains("committed"), output);
    }

    @Test
    void readsTurnedIntoARangeStillFailOnAChangeToAKeyRead() {
        // cairn.txn.max.bytes of 1 MiB: the keys read become a range past 256 KiB, about 2,800 keys.
        EnvironmentConfig config = new EnvironmentConfig().durability(Durability.NOT_DURABLE).txnMaxBytes(1 << 20);
        try (Environment env = Environment.open(tmp.resolve("env"), config)) {
            Database db = env.openDatabase("d");
            Database other = env.openDatabase("other");
            try (Transaction t = env.beginTransaction(SERIALIZABLE)) {
                for (int i = 0; i < 10_000; i++) {
                    db.get(t, key(2 * i));
                }
                db.put(null, key(2 * 17), new byte[1]); // a key it read, changed after its snapshot
                other.put(t, key(0), new byte[1]);
                assertThrows(WriteConflictException.class, t::commit);
            }
            try (Transaction t = env.beginTransaction(SERIALIZABLE)) {
                for (int i = 0; i < 10_000; i++) {
                    db.get(t, key(2 * i));
                }
                db.put(null, key(2 * 10_000 + 1), new byte[1]); // past every key it read: no conflict
                other.put(t, key(1), new byte[1]);
                t.commit();
            }
            assertArrayEquals(new byte[1], other.get(null, key(1)));
        }
    }
}
