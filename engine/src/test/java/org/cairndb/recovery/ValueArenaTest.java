package org.cairndb.recovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cairndb.TestSupport;
import org.cairndb.log.PayloadInput;
import org.junit.jupiter.api.Test;

/** Where recovery's reading thread copies replayed values: slabs that grow, allocated in its thread or ahead. */
class ValueArenaTest {

    private static final String AHEAD = "value-arena-test-slabs";

    @Test
    void valuesReadBackFromTheirSlabsWhichGrowToTheLargestSize() {
        try (ValueArena arena = new ValueArena()) {
            checkAppends(arena);
        }
    }

    @Test
    void slabsAllocatedAheadInTheirOwnThreadHoldTheSameValuesAndTheThreadStopsOnClose() throws InterruptedException {
        ValueArena arena = new ValueArena();
        arena.allocateAhead(AHEAD);
        try (arena) {
            checkAppends(arena);
            assertTrue(aheadThreadAlive(), "a thread allocates the next slab while the current one fills");
        }
        TestSupport.awaitTrue(() -> !aheadThreadAlive(), "the thread allocating slabs ahead stopped by close()");
    }

    /** Appends values of every size up to the largest until the slabs reach their largest size, and reads them back. */
    private static void checkAppends(ValueArena arena) {
        Random rnd = new Random(11);
        List<byte[]> expected = new ArrayList<>();
        List<byte[]> slabs = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        List<Integer> slabSizes = new ArrayList<>();
        while (arena.allocated() < 3L * ValueArena.MAX_SLAB + 4 * ValueArena.FIRST_SLAB) {
            byte[] value = new byte[rnd.nextInt(ValueArena.LARGEST + 1)];
            rnd.nextBytes(value);
            ByteBuffer log = ByteBuffer.allocate(value.length + 3).put(new byte[] {1, 2, 3}).put(value).flip();
            log.position(3);
            byte[] before = arena.slab();
            PayloadInput in = PayloadInput.of(log);
            int at = arena.append(in, value.length);
            assertEquals(0, in.remaining(), "the value's bytes are consumed");
            if (arena.slab() != before) {
                slabSizes.add(arena.slab().length);
            }
            expected.add(value);
            slabs.add(arena.slab());
            offsets.add(at);
        }
        for (int i = 0; i < expected.size(); i++) {
            byte[] v = expected.get(i);
            assertArrayEquals(v, Arrays.copyOfRange(slabs.get(i), offsets.get(i), offsets.get(i) + v.length), "value " + i);
        }
        assertEquals(ValueArena.FIRST_SLAB, (int) slabSizes.get(0), "the first slab is small");
        long total = 0;
        for (int i = 0; i < slabSizes.size(); i++) {
            int want = (int) Math.min(ValueArena.MAX_SLAB, Math.max(ValueArena.FIRST_SLAB, total));
            assertEquals(want, (int) slabSizes.get(i), "slab " + i + " after " + total + " bytes of slabs");
            total += slabSizes.get(i);
        }
        assertEquals(total, arena.allocated());
        assertEquals(ValueArena.MAX_SLAB, (int) slabSizes.get(slabSizes.size() - 1), "slabs grow to the largest size");
    }

    private static boolean aheadThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(AHEAD) && t.isAlive());
    }
}
