package org.cairndb.recovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cairndb.log.Op;
import org.cairndb.util.Bytes;
import org.junit.jupiter.api.Test;

/** Recovery's batch sort: key order, and log order kept among writes to one key. */
class KeyOrderTest {

    @Test
    void sortsByKeyAndKeepsLogOrderForEqualKeys() {
        Random rnd = new Random(5);
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            // Short keys, long keys, keys sharing long prefixes, keys that are prefixes of others, repeats.
            int kind = rnd.nextInt(4);
            byte[] key = switch (kind) {
                case 0 -> new byte[] {(byte) rnd.nextInt(4)};
                case 1 -> ("shared-prefix-" + rnd.nextInt(300)).getBytes();
                case 2 -> new byte[rnd.nextInt(3) + 1];
                default -> {
                    byte[] k = new byte[16];
                    rnd.nextBytes(k);
                    yield k;
                }
            };
            ops.add(Op.put(1, key, new byte[] {(byte) (i >>> 8), (byte) i}));
        }
        List<Op> sorted = KeyOrder.sort(ops);
        assertEquals(ops.size(), sorted.size());
        for (int i = 1; i < sorted.size(); i++) {
            int c = Bytes.compare(sorted.get(i - 1).key(), sorted.get(i).key());
            assertTrue(c <= 0, "out of order at " + i);
            if (c == 0) {
                assertTrue(ops.indexOf(sorted.get(i - 1)) < ops.indexOf(sorted.get(i)), "equal keys out of log order at " + i);
            }
        }
    }
}
