package org.cairndb.txn;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Short reads outside any transaction (an auto-commit get, a cursor without a transaction) must
 * keep the pages of the version they read from being reused while they read it, like a snapshot
 * does, but registering a snapshot in a shared map on every get costs more than the get. Instead a
 * reader claims one of a fixed set of slots (starting from one chosen by its thread, so threads
 * rarely collide) and writes its version's timestamp there; the oldest timestamp in use is the
 * minimum over the slots. Slots are spaced a cache line apart.
 */
final class ReaderSlots {

    private static final long FREE = Long.MAX_VALUE;
    private static final int SLOTS = 128;
    private static final int SPACING = 8; // longs per 64-byte line

    private final AtomicLongArray slots = new AtomicLongArray(SLOTS * SPACING);

    ReaderSlots() {
        for (int i = 0; i < SLOTS; i++) {
            slots.set(i * SPACING, FREE);
        }
    }

    /** Claims a slot holding {@code ts}; returns its index for {@link #release}. Waits if all are taken. */
    int claim(long ts) {
        int start = (int) (Thread.currentThread().getId() % SLOTS);
        for (int attempt = 0; ; attempt++) {
            for (int k = 0; k < SLOTS; k++) {
                int i = ((start + k) % SLOTS) * SPACING;
                if (slots.get(i) == FREE && slots.compareAndSet(i, FREE, ts)) {
                    return i;
                }
            }
            Thread.onSpinWait(); // more than 128 concurrent short readers: wait for one to finish
            if (attempt > 1000) {
                Thread.yield();
            }
        }
    }


    void release(int slot) {
        slots.set(slot, FREE);
    }

    /** The oldest timestamp held, or {@link Long#MAX_VALUE}. */
    long min() {
        long min = FREE;
        for (int i = 0; i < SLOTS; i++) {
            min = Math.min(min, slots.get(i * SPACING));
        }
        return min;
    }
}
