package org.cairndb.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The encoding of a transaction's writes, decoded whole and decoded one write at a time (recovery's way). */
class OpTest {

    private static final List<Op> OPS = List.of(Op.put(1, new byte[] {1, 2}, new byte[] {9, 9, 9}), Op.delete(7, new byte[] {3}),
            Op.put(300, new byte[0], new byte[0]), Op.put(2, new byte[] {4}, new byte[5000]));

    @Test
    void decodingOneWriteAtATimeGivesTheSameWritesAndLeavesTheBufferWhereDecodingWholeDoes() {
        PayloadInput whole = PayloadInput.of(encoded());
        List<Op> expected = Op.readAll(whole);
        PayloadInput b = PayloadInput.of(encoded());
        List<Op> got = new ArrayList<>();
        Op.readAll(b, new Op.Sink() {
            @Override
            public void put(int dbId, byte[] key, PayloadInput buf, int valueLength) {
                byte[] v = new byte[valueLength];
                buf.get(v);
                got.add(Op.put(dbId, key, v));
            }

            @Override
            public void delete(int dbId, byte[] key) {
                got.add(Op.delete(dbId, key));
            }
        });
        assertEquals(whole.remaining(), b.remaining());
        assertEquals(expected.size(), got.size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).kind(), got.get(i).kind());
            assertEquals(expected.get(i).dbId(), got.get(i).dbId());
            assertArrayEquals(expected.get(i).key(), got.get(i).key());
            assertArrayEquals(expected.get(i).value(), got.get(i).value());
        }
    }

    @Test
    void aReceiverThatDoesNotTakeTheWholeValueIsCaught() {
        PayloadInput b = PayloadInput.of(encoded());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Op.readAll(b, new Op.Sink() {
            @Override
            public void put(int dbId, byte[] key, PayloadInput buf, int valueLength) {
                buf.get(); // one byte of three
            }

            @Override
            public void delete(int dbId, byte[] key) {
            }
        }));
        assertTrue(e.getMessage().contains("consumed 1 bytes of a 3-byte value"), e.getMessage());
    }

    private static ByteBuffer encoded() {
        ByteBuffer b = ByteBuffer.allocate((int) Op.encodedSize(OPS) + 8);
        Op.writeAll(b, OPS);
        b.putLong(42); // what follows the writes in a record
        return b.flip();
    }
}
