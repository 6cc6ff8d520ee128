package org.cairndb.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cairndb.log.Op;
import org.cairndb.util.Bytes;
import org.junit.jupiter.api.Test;

/** Recovery's batch sort: key order, and only the last write (in log order) of each key. */
class KeyOrderTest {

    private static final byte[] LONG_PREFIX = "a-much-longer-shared-prefix-".getBytes();

    @Test
    void sortsByKeyAndKeepsTheLastWriteOfEachKey() {
        Random rnd = new Random(5);
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            // Short keys, long keys, keys sharing long prefixes, keys that are prefixes of others, repeats,
            // keys that differ only past their 28th byte or only in how many zeros they end with,
            // and one key written over and over.
            int kind = rnd.nextInt(6);
            byte[] key = switch (kind) {
                case 0 -> new byte[] {(byte) rnd.nextInt(4)};
                case 1 -> ("shared-prefix-" + rnd.nextInt(300)).getBytes();
                case 2 -> new byte[rnd.nextInt(3) + 1];
                case 3 -> {
                    byte[] k = java.util.Arrays.copyOf(LONG_PREFIX, LONG_PREFIX.length + 1 + rnd.nextInt(12));
                    k[LONG_PREFIX.length] = (byte) (rnd.nextInt(40) * 7); // some above 127: unsigned order
                    yield k;
                }
                case 4 -> "one-key-written-many-times".getBytes();
                default -> {
                    byte[] k = new byte[16];
                    rnd.nextBytes(k);
                    yield k;
                }
            };
            ops.add(rnd.nextInt(5) == 0 ? Op.delete(1, key) : Op.put(1, key, new byte[] {(byte) (i >>> 8), (byte) i}));
        }
        java.util.TreeMap<byte[], Op> last = new java.util.TreeMap<>(Bytes.ORDER);
        for (Op op : ops) {
            last.put(op.key(), op);
        }
        KeyOrder order = new KeyOrder(); // its scratch arrays grow, then are reused: sort a small batch first
        long distinct = ops.subList(0, 100).stream().map(op -> java.nio.ByteBuffer.wrap(op.key())).distinct().count();
        assertEquals(distinct, order.latest(writes(ops.subList(0, 100))).size());
        order.latest(writes(ops));
        KeyOrder.Writes sorted = order.latest(writes(ops));
        assertEquals(last.size(), sorted.size());
        int i = 0;
        for (Op op : last.values()) {
            assertSame(op.key(), sorted.keys()[i], "key " + i);
            assertSame(op.value(), sorted.values()[i], "value " + i);
            i++;
        }
        for (i = 1; i < sorted.size(); i++) {
            assertTrue(Bytes.compare(sorted.keys()[i - 1], sorted.keys()[i]) < 0, "out of order at " + i);
        }
    }

    /** A batch of keys in ascending order is kept as it is; one key out of order anywhere, or a repeat, and it is sorted. */
    @Test
    void keysAlreadyInOrderAreKeptAndOneOutOfOrderIsSorted() {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            ops.add(Op.put(1, String.format("k%015d", i).getBytes(), new byte[] {(byte) i}));
        }
        KeyOrder order = new KeyOrder();
        KeyOrder.Writes sorted = order.latest(writes(ops));
        assertEquals(5_000, sorted.size());
        for (int i = 0; i < 5_000; i++) {
            assertSame(ops.get(i).key(), sorted.keys()[i]);
        }
        List<Op> swapped = new ArrayList<>(ops);
        swapped.set(4_000, ops.get(4_001));
        swapped.set(4_001, ops.get(4_000));
        swapped.add(Op.put(1, ops.get(17).key(), new byte[] {42})); // a repeat, last: the one kept
        sorted = order.latest(writes(swapped));
        assertEquals(5_000, sorted.size());
        for (int i = 0; i < 5_000; i++) {
            assertSame(ops.get(i).key(), sorted.keys()[i], "key " + i);
        }
        assertEquals(42, sorted.values()[17][0]);
    }

    private static WriteList writes(List<Op> ops) {
        WriteList w = new WriteList();
        for (Op op : ops) {
            w.add(op.dbId(), op.key(), op.isPut() ? op.value() : null);
        }
        return w;
    }
}
