package org.cairndb.xa;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import javax.transaction.xa.Xid;

/**
 * How an {@link Xid} is stored as the engine's global id (the bytes of the PREPARE record and of a
 * heuristic outcome), and its text form for people and tools.
 *
 * <h2>Binary form (version 1)</h2>
 * <pre>
 * offset  size  field
 *      0     1  marker 0xCA ("Cairn XA")
 *      1     1  encoding version, 1
 *      2     4  formatId, signed 32-bit, big-endian
 *      6     1  gtrid length G, 1..64
 *      7     1  bqual length B, 0..64
 *      8     G  gtrid bytes, as given
 *    8+G     B  bqual bytes, as given
 * </pre>
 * The total length is exactly {@code 8 + G + B} (at most 136 bytes). Every bit of the three parts is
 * kept, so an Xid read back after a crash equals the one the transaction manager logged. A global
 * id that does not have exactly this shape (for example one given to
 * {@link org.cairndb.Transaction#prepare} by a program that does not use XA) is not an Xid:
 * {@link #decode} returns null for it and XA recovery leaves it alone.
 *
 * <h2>Text form</h2>
 * {@code formatId:gtridHex:bqualHex}, the format id in decimal and the two byte strings in lower-case
 * hex, for example {@code 131077:0000ffff7f000001:01}; the branch qualifier may be empty
 * ({@code 42:ab:}).
 */
public final class XidCodec {

    /** First byte of an encoded Xid. */
    public static final int MARKER = 0xCA;
    /** Second byte: the version of this encoding. */
    public static final int VERSION = 1;
    /** Bytes before the gtrid. */
    public static final int HEADER_SIZE = 8;

    private static final HexFormat HEX = HexFormat.of();

    private XidCodec() {
    }

    /** The engine global id for {@code xid}. */
    public static byte[] encode(Xid xid) {
        CairnXid x = CairnXid.of(xid);
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + x.gtridLength() + x.bqualLength());
        b.put((byte) MARKER).put((byte) VERSION).putInt(x.getFormatId());
        b.put((byte) x.gtridLength()).put((byte) x.bqualLength());
        b.put(x.gtridRef()).put(x.bqualRef());
        return b.array();
    }

    /** The Xid encoded in {@code globalId}, or null if it is not an encoded Xid. */
    public static CairnXid decode(byte[] globalId) {
        if (globalId == null || globalId.length < HEADER_SIZE + 1 || (globalId[0] & 0xff) != MARKER
                || globalId[1] != VERSION) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(globalId);
        b.position(2);
        int formatId = b.getInt();
        int g = b.get() & 0xff;
        int q = b.get() & 0xff;
        if (g < 1 || g > Xid.MAXGTRIDSIZE || q > Xid.MAXBQUALSIZE || globalId.length != HEADER_SIZE + g + q
                || formatId == -1) {
            return null;
        }
        byte[] gtrid = new byte[g];
        byte[] bqual = new byte[q];
        b.get(gtrid).get(bqual);
        return new CairnXid(formatId, gtrid, bqual);
    }

    /** {@code formatId:gtridHex:bqualHex}. */
    public static String format(Xid xid) {
        CairnXid x = CairnXid.of(xid);
        return x.getFormatId() + ":" + HEX.formatHex(x.gtridRef()) + ":" + HEX.formatHex(x.bqualRef());
    }

    /**
     * Reads the text form back.
     *
     * @throws IllegalArgumentException naming what is wrong with {@code text}
     */
    public static CairnXid parse(String text) {
        String[] parts = text.trim().split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("'" + text + "' is not an Xid: expected formatId:gtridHex:bqualHex");
        }
        try {
            return new CairnXid(Integer.parseInt(parts[0]), HEX.parseHex(parts[1]), HEX.parseHex(parts[2]));
        } catch (IllegalArgumentException e) { // NumberFormatException too
            throw new IllegalArgumentException("'" + text + "' is not an Xid: " + e.getMessage(), e);
        }
    }

    /** Lower-case hex of a global id, as the engine's messages print it. */
    static String hex(byte[] globalId) {
        return HEX.formatHex(globalId);
    }
}
