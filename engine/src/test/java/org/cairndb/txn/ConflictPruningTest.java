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
import org.cairndb.Transaction;
import org.cairndb.WriteConflictException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conflict information (which key each recent commit wrote, for SNAPSHOT's first-committer-wins
 * check) is pruned by a committer after its round is published, outside the lock that orders
 * publication ({@link TxnManager}): it must still be pruned, and never lose what an open snapshot
 * needs.
 */
class ConflictPruningTest {

    @TempDir
    Path tmp;

    private static byte[] key(int i) {
        return ("k" + i).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void conflictInformationIsForgottenOnceNoSnapshotNeedsIt() {
        try (Environment env = Environment.open(tmp.resolve("env"), new EnvironmentConfig().durability(Durability.NOT_DURABLE))) {
            Database db = env.openDatabase("d");
            int n = 40_000;
            for (int i = 0; i < n; i++) {
                db.put(null, key(i), new byte[8]);
            }
            int left = env.internals().txns().conflictKeys();
            // One prune per 16,384 writes published (each commit counts its writes plus one): all but
            // the last few thousand keys must be gone.
            assertTrue(left < n / 2, "the conflict information still holds " + left + " of " + n + " keys");
        }
    }

    @Test
    void aSnapshotOpenAcrossPrunesStillSeesItsConflict() {
        try (Environment env = Environment.open(tmp.resolve("env"), new EnvironmentConfig().durability(Durability.NOT_DURABLE))) {
            Database db = env.openDatabase("d");
            db.put(null, key(0), "old".getBytes(StandardCharsets.US_ASCII));
            try (Transaction t = env.beginTransaction()) {
                assertArrayEquals("old".getBytes(StandardCharsets.US_ASCII), db.get(t, key(0))); // takes its snapshot
                db.put(null, key(0), "new".getBytes(StandardCharsets.US_ASCII)); // committed after the snapshot
                for (int i = 1; i < 40_000; i++) {
                    db.put(null, key(i), new byte[8]); // enough for several prunes
                }
                assertThrows(WriteConflictException.class, () -> db.put(t, key(0), "mine".getBytes(StandardCharsets.US_ASCII)));
            }
            assertArrayEquals("new".getBytes(StandardCharsets.US_ASCII), db.get(null, key(0)));
        }
    }
}
