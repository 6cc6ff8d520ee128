package org.cairndb.tree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class LeafPageTest {

    /**
     * A checkpoint packs a published leaf's slab values while readers and a copy-on-write writer
     * read it (see the LeafPage class comment): every read, whether it sees the slab or the packed
     * array, and every copy taken meanwhile, must give the value's bytes.
     */
    @Test
    void readersAndCopiesSeeEachValueWhileTheLeafPacksItsSlabValues() throws Exception {
        Random rnd = new Random(5);
        byte[] slab = new byte[1 << 16];
        rnd.nextBytes(slab);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 300; round++) {
                int n = 200 + rnd.nextInt(800);
                LeafPage leaf = new LeafPage(1, new byte[0][], new Object[0]);
                byte[][] expected = new byte[n][];
                for (int i = 0; i < n; i++) {
                    byte[] key = TreeWriterTest.key(i);
                    int length = rnd.nextInt(120);
                    if (i % 7 == 3) {
                        expected[i] = Arrays.copyOf(slab, length); // a value with its own array
                        leaf.insert(i, key, expected[i], LeafPage.NOT_IN_SLAB);
                    } else {
                        int offset = rnd.nextInt(slab.length - length);
                        expected[i] = Arrays.copyOfRange(slab, offset, offset + length);
                        leaf.insert(i, key, slab, LeafPage.slabRef(offset, length));
                    }
                }
                CountDownLatch reading = new CountDownLatch(1);
                AtomicBoolean packed = new AtomicBoolean();
                Future<LeafPage> reader = pool.submit(() -> {
                    LeafPage lastCopy;
                    do {
                        reading.countDown();
                        for (int i = 0; i < n; i++) {
                            assertArrayEquals(expected[i], (byte[]) leaf.rawValue(i), "entry " + i);
                        }
                        lastCopy = leaf.copy(2);
                        for (int i = 0; i < n; i++) {
                            assertArrayEquals(expected[i], (byte[]) lastCopy.rawValue(i), "copy's entry " + i);
                        }
                    } while (!packed.get());
                    return lastCopy;
                });
                assertTrue(reading.await(30, TimeUnit.SECONDS));
                leaf.ownSlabValues();
                packed.set(true);
                LeafPage copy = reader.get(30, TimeUnit.SECONDS);
                for (int i = 0; i < n; i++) {
                    assertFalse(leaf.inSlab(i), "entry " + i + " left the slab");
                    assertEquals(i % 7 != 3, leaf.fromSlab(i));
                    assertEquals(i % 7 != 3, copy.inSlab(i), "a copy refers to the packed array as to a slab");
                }
                // A copy of the packed leaf, packed in its turn, reads the same.
                LeafPage again = leaf.copy(3);
                again.ownSlabValues();
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(expected[i], (byte[]) again.rawValue(i));
                    assertFalse(again.inSlab(i));
                }
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        }
    }

    /** Empty values in a slab leave it too: a leaf whose slab values are all empty still packs them (into an empty array). */
    @Test
    void emptySlabValuesLeaveTheirSlab() {
        byte[] slab = new byte[1 << 16];
        LeafPage leaf = new LeafPage(1, new byte[0][], new Object[0]);
        leaf.insert(0, TreeWriterTest.key(0), slab, LeafPage.slabRef(100, 0));
        leaf.insert(1, TreeWriterTest.key(1), new byte[] {7}, LeafPage.NOT_IN_SLAB);
        assertTrue(leaf.inSlab(0));
        leaf.ownSlabValues();
        assertFalse(leaf.inSlab(0));
        assertArrayEquals(new byte[0], (byte[]) leaf.rawValue(0));
        assertArrayEquals(new byte[] {7}, (byte[]) leaf.rawValue(1));
    }
}
