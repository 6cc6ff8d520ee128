package org.cairndb.txn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.cairndb.Cursor;
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
 * The conflict information ({@link TxnManager}'s record of which keys recent commits wrote) is
 * kept for the oldest open snapshot. It must stay bounded while a snapshot is held open and others
 * write: by the keys written, not the commits (the same keys overwritten again and again), not at
 * all for snapshots that never check conflicts (cursors), and by a budget in bytes for the keys
 * (past which the old snapshot can no longer write, and is told why).
 */
class ConflictMemoryBoundTest {

    @TempDir
    Path tmp;

    private static byte[] key(int i) {
        return ("k" + i).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void overwritingTheSameKeysUnderAnOpenSnapshotKeepsOneEntryPerKey() {
        try (Environment env = Environment.open(tmp.resolve("env"), new EnvironmentConfig().durability(Durability.NOT_DURABLE))) {
            Database db = env.openDatabase("d");
            db.put(null, key(0), bytes("old"));
            TxnManager tm = env.internals().txns();
            try (Transaction t = env.beginTransaction()) {
                assertArrayEquals(bytes("old"), db.get(t, key(0))); // takes its snapshot
                int commits = 300_000;
                for (int i = 0; i < commits; i++) {
                    db.put(null, key(i % 1000), new byte[8]);
                }
                // Before the fix: one list per commit, 300,000 entries (about 50 MB of heap).
                long listed = tm.conflictListEntries();
                assertTrue(listed <= 2 * 1000 + TxnManager.COMPACT_SLACK + 2 * 16_384,
                        "the conflict information lists " + listed + " writes for 1,000 keys after " + commits + " commits");
                assertArrayEquals(bytes("old"), db.get(t, key(0)));
                // What it keeps still serves its purpose: the snapshot's write conflicts.
                assertThrows(WriteConflictException.class, () -> db.put(t, key(0), bytes("mine")));
            }
        }
    }

    @Test
    void aSerializableTransactionStillFailsAfterTheListsAreCompacted() {
        try (Environment env = Environment.open(tmp.resolve("env"), new EnvironmentConfig().durability(Durability.NOT_DURABLE))) {
            Database db = env.openDatabase("d");
            Database other = env.openDatabase("other");
            db.put(null, key(5), bytes("old"));
            try (Transaction t = env.beginTransaction(new TransactionConfig().isolation(IsolationLevel.SERIALIZABLE))) {
                assertArrayEquals(bytes("old"), db.get(t, key(5)));
                for (int i = 0; i < 200_000; i++) {
                    db.put(null, key(i % 1000), new byte[8]); // key 5 changes early and then again
                }
                other.put(t, key(1), bytes("x"));
                assertThrows(WriteConflictException.class, t::commit);
            }
        }
    }

    @Test
    void anOpenCursorKeepsNoConflictInformation() {
        try (Environment env = Environment.open(tmp.resolve("env"), new EnvironmentConfig().durability(Durability.NOT_DURABLE))) {
            Database db = env.openDatabase("d");
            db.put(null, key(0), bytes("old"));
            TxnManager tm = env.internals().txns();
            try (Cursor c = db.openCursor(null)) {
                int n = 100_000;
                for (int i = 1; i <= n; i++) {
                    db.put(null, key(i), new byte[8]);
                }
                // Before the fix the cursor's pin held back pruning: all 100,001 keys stayed.
                int left = tm.conflictKeys();
                assertTrue(left < n / 2, "the conflict information still holds " + left + " of " + n + " keys");
                assertTrue(c.next());
                assertArrayEquals(key(0), c.key());
                assertTrue(!c.next(), "the cursor sees only its version");
            }
        }
    }

    @Test
    void distinctKeysUnderAnOpenSnapshotAreBoundedAndTheSnapshotIsToldWhy() {
        // A 1 MiB cache: the conflict information may take 16 MiB, about 60,000 short keys.
        EnvironmentConfig config = new EnvironmentConfig().durability(Durability.NOT_DURABLE).cacheSize(1 << 20);
        try (Environment env = Environment.open(tmp.resolve("env"), config)) {
            Database db = env.openDatabase("d");
            db.put(null, bytes("old"), bytes("old"));
            TxnManager tm = env.internals().txns();
            try (Transaction t = env.beginTransaction()) {
                assertArrayEquals(bytes("old"), db.get(t, bytes("old")));
                int n = 200_000;
                for (int i = 0; i < n; i++) {
                    db.put(null, key(i), new byte[8]);
                }
                int left = tm.conflictKeys();
                assertTrue(left < 100_000, "the conflict information holds " + left + " of " + n + " keys");
                // Its reads go on, at its snapshot.
                assertNull(db.get(t, key(7)));
                // A write: nothing tells whether the key changed since its snapshot.
                WriteConflictException e = assertThrows(WriteConflictException.class, () -> db.put(t, bytes("old"), bytes("new")));
                assertTrue(e.getMessage().contains("cairn.cache.size"), e.getMessage());
            }
            // A transaction begun now loses nothing: its snapshot is newer than what was forgotten.
            try (Transaction t = env.beginTransaction()) {
                assertArrayEquals(new byte[8], db.get(t, key(7)));
                db.put(t, key(7), bytes("mine"));
                db.put(t, bytes("old"), bytes("mine"));
                t.commit();
            }
            assertArrayEquals(bytes("mine"), db.get(null, key(7)));
        }
    }
}
