package org.cairndb.xa;

import java.io.Serializable;
import java.util.Arrays;
import javax.transaction.xa.Xid;

/**
 * An immutable {@link Xid}: format id, global transaction id and branch qualifier, compared bit for
 * bit. {@link CairnXAResource#recover} returns these; every other method accepts any {@code Xid}
 * implementation and copies it into one of these on entry.
 */
public final class CairnXid implements Xid, Serializable {
    private static final long serialVersionUID = 1L;

    private final int formatId;
    private final byte[] gtrid;
    private final byte[] bqual;

    /**
     * @throws IllegalArgumentException if {@code formatId} is -1 (the null Xid), the global
     *         transaction id is not 1 to 64 bytes or the branch qualifier is more than 64 bytes
     */
    public CairnXid(int formatId, byte[] gtrid, byte[] bqual) {
        if (formatId == -1) {
            throw new IllegalArgumentException("format id -1 denotes the null Xid, which names no transaction branch");
        }
        if (gtrid == null || gtrid.length < 1 || gtrid.length > MAXGTRIDSIZE) {
            throw new IllegalArgumentException("a global transaction id must have 1 to " + MAXGTRIDSIZE + " bytes, not "
                    + (gtrid == null ? "none" : gtrid.length));
        }
        if (bqual == null || bqual.length > MAXBQUALSIZE) {
            throw new IllegalArgumentException("a branch qualifier must have 0 to " + MAXBQUALSIZE + " bytes, not "
                    + (bqual == null ? "none" : bqual.length));
        }
        this.formatId = formatId;
        this.gtrid = gtrid.clone();
        this.bqual = bqual.clone();
    }

    /** A copy of any Xid; the same object if it already is a {@code CairnXid}. */
    public static CairnXid of(Xid xid) {
        if (xid instanceof CairnXid c) {
            return c;
        }
        if (xid == null) {
            throw new IllegalArgumentException("the Xid is null");
        }
        return new CairnXid(xid.getFormatId(), xid.getGlobalTransactionId(), xid.getBranchQualifier());
    }

    @Override
    public int getFormatId() {
        return formatId;
    }

    @Override
    public byte[] getGlobalTransactionId() {
        return gtrid.clone();
    }

    @Override
    public byte[] getBranchQualifier() {
        return bqual.clone();
    }

    int gtridLength() {
        return gtrid.length;
    }

    int bqualLength() {
        return bqual.length;
    }

    byte[] gtridRef() {
        return gtrid;
    }

    byte[] bqualRef() {
        return bqual;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CairnXid x && x.formatId == formatId && Arrays.equals(x.gtrid, gtrid)
                && Arrays.equals(x.bqual, bqual);
    }

    @Override
    public int hashCode() {
        return (formatId * 31 + Arrays.hashCode(gtrid)) * 31 + Arrays.hashCode(bqual);
    }

    /** The text form {@code formatId:gtridHex:bqualHex}, which {@link XidCodec#parse} reads back. */
    @Override
    public String toString() {
        return XidCodec.format(this);
    }
}
