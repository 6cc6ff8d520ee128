package org.cairndb.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BytesTest {

    @Test
    void prefixIsTheFirstEightBytesBigEndianZeroPadded() {
        assertEquals(0L, Bytes.prefix(new byte[0]));
        assertEquals(0x0100_0000_0000_0000L, Bytes.prefix(new byte[] {1}));
        assertEquals(0x0100_0000_0000_0000L, Bytes.prefix(new byte[] {1, 0}));
        assertEquals(0xff01_0203_0405_0607L, Bytes.prefix(new byte[] {(byte) 0xff, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    }

    /** A smaller prefix (unsigned) always means a smaller key: what lets leaves search by prefix. */
    @Test
    void wordIsEightBytesFromAnOffsetBigEndianZeroPadded() {
        byte[] key = {1, 2, 3, 4, 5, 6, 7, 8, 9, (byte) 0xff, 11};
        assertEquals(Bytes.prefix(key), Bytes.word(key, 0));
        assertEquals(0x0203_0405_0607_0809L, Bytes.word(key, 1));
        assertEquals(0x09ff_0b00_0000_0000L, Bytes.word(key, 8));
        assertEquals(0L, Bytes.word(key, 11));
        assertEquals(0L, Bytes.word(key, 16));
    }

    @Test
    void aSmallerPrefixMeansASmallerKey() {
        Random rnd = new Random(5);
        byte[] alphabet = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff};
        int strict = 0;
        for (int i = 0; i < 100_000; i++) {
            byte[] a = random(rnd, alphabet);
            byte[] b = random(rnd, alphabet);
            int byPrefix = Long.compareUnsigned(Bytes.prefix(a), Bytes.prefix(b));
            if (byPrefix != 0) {
                strict++;
                assertEquals(byPrefix < 0, Bytes.compare(a, b) < 0, Bytes.hex(a) + " against " + Bytes.hex(b));
            }
        }
        assertTrue(strict > 50_000, "most pairs differ in their prefixes: " + strict);
    }

    private static byte[] random(Random rnd, byte[] alphabet) {
        byte[] k = new byte[rnd.nextInt(12)];
        for (int j = 0; j < k.length; j++) {
            k[j] = alphabet[rnd.nextInt(alphabet.length)];
        }
        return k;
    }

    /**
     * The lock table takes a stripe from a key's hash and a bucket from the stripe's map: counter
     * keys, which differ only in their last bytes, and keys that differ in one byte anywhere must
     * spread evenly over both, by the high bits and by the low bits.
     */
    @Test
    void hashSpreadsKeysThatDifferInTheirLastBytesOrInAnyOneByte() {
        int n = 64_000;
        int[] low = new int[64];
        int[] high = new int[64];
        for (int i = 0; i < n; i++) {
            int h = Bytes.hash(String.format("acct-%08d", i).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            low[h & 63]++;
            high[(h * 0x9E3779B9) >>> 26]++;
        }
        for (int b = 0; b < 64; b++) {
            assertTrue(low[b] > 800 && low[b] < 1200, "low-bit bucket " + b + " got " + low[b] + " of " + n + " counter keys");
            assertTrue(high[b] > 800 && high[b] < 1200, "stripe " + b + " got " + high[b] + " of " + n + " counter keys");
        }
        Random rnd = new Random(3);
        for (int len = 0; len <= 40; len++) {
            byte[] key = new byte[len];
            rnd.nextBytes(key);
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            seen.add(Bytes.hash(key));
            assertEquals(Bytes.hash(key), Bytes.hash(key.clone()), "equal keys, equal hashes");
            for (int at = 0; at < len; at++) {
                for (int bit = 0; bit < 8; bit++) {
                    byte[] other = key.clone();
                    other[at] ^= (byte) (1 << bit);
                    seen.add(Bytes.hash(other));
                }
            }
            assertEquals(1 + 8 * len, seen.size(), "keys of " + len + " bytes differing in one bit have distinct hashes");
            assertTrue(Bytes.hash(key) != Bytes.hash(java.util.Arrays.copyOf(key, len + 1)), "a key and the key with a zero byte added");
        }
    }
}
