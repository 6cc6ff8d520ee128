package org.cairndb.rar.admin;

import javax.management.ConstructorParameters;

/** A branch an administrator completed heuristically. An MXBean type: a CompositeData for JMX clients without Cairn classes. */
public final class HeuristicInfo {

    private final String xid;
    private final String globalId;
    private final long txnId;
    private final boolean committed;
    private final String decidedAt;

    @ConstructorParameters({"xid", "globalId", "txnId", "committed", "decidedAt"})
    public HeuristicInfo(String xid, String globalId, long txnId, boolean committed, String decidedAt) {
        this.xid = xid;
        this.globalId = globalId;
        this.txnId = txnId;
        this.committed = committed;
        this.decidedAt = decidedAt;
    }

    /** Its Xid, or null. */
    public String getXid() {
        return xid;
    }

    /** Its global id in hex. */
    public String getGlobalId() {
        return globalId;
    }

    /** The engine transaction id. */
    public long getTxnId() {
        return txnId;
    }

    /** True if committed, false if rolled back. */
    public boolean isCommitted() {
        return committed;
    }

    /** When (ISO-8601). */
    public String getDecidedAt() {
        return decidedAt;
    }

    @Override
    public String toString() {
        return "HeuristicInfo[xid=" + xid + ", globalId=" + globalId + ", txnId=" + txnId + ", committed=" + committed + ", decidedAt=" + decidedAt + "]";
    }
}
