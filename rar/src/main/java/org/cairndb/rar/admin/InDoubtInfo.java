package org.cairndb.rar.admin;

import java.util.List;
import javax.management.ConstructorParameters;

/** A prepared (in-doubt) XA branch. An MXBean type: a CompositeData for JMX clients without Cairn classes. */
public final class InDoubtInfo {

    private final String xid;
    private final String globalId;
    private final long txnId;
    private final String preparedAt;
    private final long ageSeconds;
    private final int keysWritten;
    private final int locksHeld;
    private final List<String> databases;
    private final List<String> blocking;

    @ConstructorParameters({"xid", "globalId", "txnId", "preparedAt", "ageSeconds", "keysWritten", "locksHeld", "databases", "blocking"})
    public InDoubtInfo(String xid, String globalId, long txnId, String preparedAt, long ageSeconds, int keysWritten, int locksHeld, List<String> databases, List<String> blocking) {
        this.xid = xid;
        this.globalId = globalId;
        this.txnId = txnId;
        this.preparedAt = preparedAt;
        this.ageSeconds = ageSeconds;
        this.keysWritten = keysWritten;
        this.locksHeld = locksHeld;
        this.databases = databases == null ? List.of() : List.copyOf(databases);
        this.blocking = blocking == null ? List.of() : List.copyOf(blocking);
    }

    /** Its Xid as formatId:gtridHex:bqualHex, or null if not prepared through XA. */
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

    /** When it was prepared (ISO-8601). */
    public String getPreparedAt() {
        return preparedAt;
    }

    /** How long it has been in doubt. */
    public long getAgeSeconds() {
        return ageSeconds;
    }

    /** Keys it writes. */
    public int getKeysWritten() {
        return keysWritten;
    }

    /** Locks it holds. */
    public int getLocksHeld() {
        return locksHeld;
    }

    /** Databases it writes to. */
    public List<String> getDatabases() {
        return databases;
    }

    /** Transactions waiting for its locks. */
    public List<String> getBlocking() {
        return blocking;
    }

    @Override
    public String toString() {
        return "InDoubtInfo[xid=" + xid + ", globalId=" + globalId + ", txnId=" + txnId + ", preparedAt=" + preparedAt + ", ageSeconds=" + ageSeconds + ", keysWritten=" + keysWritten + ", locksHeld=" + locksHeld + ", databases=" + databases + ", blocking=" + blocking + "]";
    }
}
