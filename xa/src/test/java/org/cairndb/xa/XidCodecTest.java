package org.cairndb.xa;

import static org.cairndb.xa.XaTestSupport.b;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.Test;

class XidCodecTest {

    @Test
    void theEncodingIsTheDocumentedLayout() {
        CairnXid x = new CairnXid(131077, new byte[] {1, 2, 3}, new byte[] {(byte) 0xff});
        assertEquals("ca01" + "00020005" + "03" + "01" + "010203" + "ff", HexFormat.of().formatHex(XidCodec.encode(x)));
        CairnXid negative = new CairnXid(-2, new byte[] {0}, new byte[0]);
        assertEquals("ca01" + "fffffffe" + "01" + "00" + "00", HexFormat.of().formatHex(XidCodec.encode(negative)));
    }

    @Test
    void everyBitSurvivesARoundTrip() {
        Random r = new Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] g = new byte[1 + r.nextInt(Xid.MAXGTRIDSIZE)];
            byte[] q = new byte[r.nextInt(Xid.MAXBQUALSIZE + 1)];
            r.nextBytes(g);
            r.nextBytes(q);
            int formatId = i % 3 == 0 ? r.nextInt() : i % 3 == 1 ? Integer.MIN_VALUE : 0;
            if (formatId == -1) {
                formatId = 7;
            }
            CairnXid x = new CairnXid(formatId, g, q);
            byte[] enc = XidCodec.encode(x);
            assertEquals(XidCodec.HEADER_SIZE + g.length + q.length, enc.length);
            CairnXid back = XidCodec.decode(enc);
            assertEquals(x, back);
            assertEquals(formatId, back.getFormatId());
            assertArrayEquals(g, back.getGlobalTransactionId());
            assertArrayEquals(q, back.getBranchQualifier());
            assertEquals(x, XidCodec.parse(XidCodec.format(x)));
        }
    }

    @Test
    void aForeignXidImplementationIsCopiedBitForBit() {
        Xid foreign = new Xid() {
            public int getFormatId() {
                return 4660;
            }

            public byte[] getGlobalTransactionId() {
                return b("g");
            }

            public byte[] getBranchQualifier() {
                return b("q");
            }
        };
        CairnXid x = CairnXid.of(foreign);
        assertEquals(new CairnXid(4660, b("g"), b("q")), x);
        assertEquals(x, XidCodec.decode(XidCodec.encode(foreign)));
    }

    @Test
    void globalIdsThatAreNotEncodedXidsDecodeToNull() {
        assertNull(XidCodec.decode(b("gid-commit")));
        assertNull(XidCodec.decode(new byte[0]));
        assertNull(XidCodec.decode(null));
        byte[] ok = XidCodec.encode(new CairnXid(1, b("abc"), b("d")));
        byte[] longer = java.util.Arrays.copyOf(ok, ok.length + 1);
        assertNull(XidCodec.decode(longer), "length must match exactly");
        byte[] shorter = java.util.Arrays.copyOf(ok, ok.length - 1);
        assertNull(XidCodec.decode(shorter));
        byte[] version2 = ok.clone();
        version2[1] = 2;
        assertNull(XidCodec.decode(version2));
        byte[] tooLongGtrid = ok.clone();
        tooLongGtrid[6] = 65;
        assertNull(XidCodec.decode(tooLongGtrid));
        byte[] nullXid = XidCodec.encode(new CairnXid(5, b("a"), b("")));
        nullXid[2] = nullXid[3] = nullXid[4] = nullXid[5] = (byte) 0xff;
        assertNull(XidCodec.decode(nullXid), "format id -1 is the null Xid");
    }

    @Test
    void invalidXidsAreRefusedWithAReason() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CairnXid(-1, b("a"), b("b"))).getMessage()
                .contains("null Xid"));
        assertThrows(IllegalArgumentException.class, () -> new CairnXid(1, new byte[0], b("b")));
        assertThrows(IllegalArgumentException.class, () -> new CairnXid(1, new byte[65], b("b")));
        assertThrows(IllegalArgumentException.class, () -> new CairnXid(1, b("a"), new byte[65]));
        assertThrows(IllegalArgumentException.class, () -> new CairnXid(1, null, b("b")));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> XidCodec.parse("12:zz:00")).getMessage()
                .contains("'12:zz:00' is not an Xid"));
        assertThrows(IllegalArgumentException.class, () -> XidCodec.parse("12:00"));
        assertThrows(IllegalArgumentException.class, () -> XidCodec.parse("x:00:00"));
    }

    @Test
    void textFormAndEquality() {
        CairnXid x = new CairnXid(131077, new byte[] {0, 0, (byte) 0xff, 0x7f}, new byte[] {1});
        assertEquals("131077:0000ff7f:01", x.toString());
        assertEquals(x, XidCodec.parse("131077:0000FF7F:01"));
        assertEquals("42:ab:", new CairnXid(42, new byte[] {(byte) 0xab}, new byte[0]).toString());
        assertNotEquals(x, new CairnXid(131078, new byte[] {0, 0, (byte) 0xff, 0x7f}, new byte[] {1}));
        assertNotEquals(x, new CairnXid(131077, new byte[] {0, 0, (byte) 0xff, 0x7f}, new byte[] {2}));
        byte[] g = x.getGlobalTransactionId();
        g[0] = 9;
        assertEquals("131077:0000ff7f:01", x.toString(), "getters return copies");
    }
}
