package org.cairndb.recovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.cairndb.Database;
import org.cairndb.Durability;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.TestSupport;
import org.cairndb.env.DatabaseImpl;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.storage.DataFile;
import org.cairndb.tree.BranchPage;
import org.cairndb.tree.LeafPage;
import org.cairndb.tree.Page;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery keeps the values it replays in slabs ({@link ValueArena}, {@link LeafPage}) until a
 * checkpoint writes their leaves: the values read back the same before and after, every kind of
 * value takes its right form, and no leaf keeps a slab once the checkpoint after recovery is done.
 */
class SlabValuesTest {

    @TempDir
    Path dir;

    @Test
    void replayedValuesReadBackAndLeaveTheirSlabsAtTheCheckpointAfterRecovery() throws InterruptedException {
        Environment env = TestSupport.open(dir);
        Database a = env.openDatabase("a");
        for (int i = 0; i < 6000; i++) {
            a.put(null, key(i), value(i));
        }
        for (int i = 0; i < 6000; i += 7) {
            a.put(null, key(i), value(i + 1)); // overwritten, sometimes within one replay batch
        }
        for (int i = 3; i < 6000; i += 11) {
            a.delete(null, key(i));
        }
        env.internals().abandon();

        try (Environment again = TestSupport.open(dir)) {
            assertTrue(again.recoveryReport().transactionsRedone() > 6000, "replayed " + again.recoveryReport());
            Database d = again.openDatabase("a", false);
            checkContents(d); // while the daemon's checkpoint after recovery may be running
            TestSupport.awaitTrue(() -> again.stats().checkpoints() >= 1, "the checkpoint after recovery");
            int[] found = valuesInMemory(again.internals(), "a");
            // The checkpoint lets go of the leaves it writes that hold slab values; what the walk
            // finds in memory was read back from the file (only a root leaf would be packed).
            assertEquals(0, found[1], "values still in a slab after the checkpoint after recovery");
            assertTrue(found[2] > 0, "no overflow value among the replayed ones");
            checkContents(d);
        }
        try (Environment third = TestSupport.open(dir)) {
            assertEquals(0, third.recoveryReport().transactionsRedone());
            checkContents(third.openDatabase("a", false));
        }
    }

    /**
     * Writes that replace a few keys over and over leave the pages small while the slabs fill with
     * replaced values; recovery must then checkpoint as it would for dirty pages, so that the slabs
     * are given back (each checkpoint moves the values of the leaves it writes out of their slabs).
     */
    @Test
    void aReplayOfManyOverwritesCheckpointsOnTheWaySoThatSlabsAreGivenBack() {
        Environment env = Environment.open(dir, TestSupport.config().cacheSize(64L << 20).durability(Durability.WRITE_NO_SYNC));
        Database a = env.openDatabase("a");
        byte[] v = new byte[900];
        for (int i = 0; i < 60_000; i++) {
            Arrays.fill(v, (byte) i);
            a.put(null, key(i % 10), v); // one commit each: a transaction would keep only its last write of a key
        }
        long generationBefore = env.internals().catalog().byName("a").file().header().generation();
        env.internals().abandon();

        EnvironmentConfig small = TestSupport.config().cacheSize(4L << 20); // 2 MiB of dirty memory at most
        try (Environment again = Environment.open(dir, small)) {
            long generations = again.internals().catalog().byName("a").file().header().generation() - generationBefore;
            // About 54 MB of values replayed, 2 MiB at a time: many checkpoints during recovery,
            // though the ten keys' pages never come near the dirty limit.
            assertTrue(generations >= 5, "only " + generations + " checkpoints of the data file during and after recovery");
            Database d = again.openDatabase("a", false);
            for (int k = 0; k < 10; k++) {
                byte[] expected = new byte[900];
                Arrays.fill(expected, (byte) (59_990 + k));
                assertArrayEquals(expected, d.get(null, key(k)), "key " + k);
            }
        }
    }

    private static void checkContents(Database d) {
        for (int i = 0; i < 6000; i++) {
            byte[] got = d.get(null, key(i));
            if (i % 11 == 3) {
                assertNull(got, "deleted key " + i);
            } else {
                assertArrayEquals(value(i % 7 == 0 ? i + 1 : i), got, "key " + i);
            }
        }
    }

    /**
     * Keys of every fourth write are long enough (1,500 bytes) that a 600-byte value no longer fits
     * in the leaf; values range from empty through slab-sized to larger than a slab takes.
     */
    private static byte[] key(int i) {
        byte[] k = String.format("k%06d", i).getBytes(StandardCharsets.US_ASCII);
        return i % 4 == 1 ? Arrays.copyOf(k, 1500) : k;
    }

    private static byte[] value(int i) {
        int length = switch (i % 5) {
            case 0 -> 0;
            case 1 -> 100;
            case 2 -> 600;
            case 3 -> ValueArena.LARGEST;
            default -> ValueArena.LARGEST + 1 + i % 3000;
        };
        byte[] v = new byte[length];
        for (int j = 0; j < length; j++) {
            v[j] = (byte) (i * 31 + j);
        }
        return v;
    }

    /** {slab values in the leaves in memory, of which still in a slab, overflow values}. */
    private static int[] valuesInMemory(EnvironmentImpl env, String name) {
        DatabaseImpl db = env.catalog().byName(name);
        int[] found = new int[3];
        walk(env.txns().current().root(db.id()).page(), db.file(), found);
        return found;
    }

    private static void walk(Page p, DataFile loader, int[] found) {
        if (p instanceof BranchPage b) {
            for (int i = 0; i < b.count(); i++) {
                walk(b.child(i, loader), loader, found);
            }
            return;
        }
        LeafPage leaf = (LeafPage) p;
        for (int i = 0; i < leaf.count(); i++) {
            if (leaf.overflow(i) != null) {
                found[2]++;
            } else if (leaf.fromSlab(i)) {
                found[0]++;
                if (leaf.inSlab(i)) {
                    found[1]++;
                }
            }
        }
    }
}
