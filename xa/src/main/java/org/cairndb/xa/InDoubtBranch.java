package org.cairndb.xa;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A prepared (in-doubt) branch, as an administrator sees it: waiting for its transaction manager's
 * decision, holding its locks.
 *
 * @param xid         the branch's Xid; null if the prepared transaction was not prepared through XA
 * @param globalId    the engine's global id, in hex
 * @param txnId       the engine's transaction id
 * @param preparedAt  when it was prepared
 * @param age         how long it has been in doubt
 * @param keysWritten keys it writes
 * @param locksHeld   locks it holds
 * @param databases   databases it writes to
 * @param blocking    transactions waiting for its locks
 */
public record InDoubtBranch(CairnXid xid, String globalId, long txnId, Instant preparedAt, Duration age,
        int keysWritten, int locksHeld, List<String> databases, List<Waiter> blocking) {

    public InDoubtBranch {
        databases = List.copyOf(databases);
        blocking = List.copyOf(blocking);
    }

    /**
     * A transaction waiting for a lock the in-doubt branch holds.
     *
     * @param txnId the waiting engine transaction
     * @param xid   its XA branch, if it is one that is not yet prepared; otherwise null
     */
    public record Waiter(long txnId, CairnXid xid) {
        @Override
        public String toString() {
            return "transaction " + txnId + (xid == null ? "" : " (XA branch " + xid + ")");
        }
    }

    @Override
    public String toString() {
        return "in-doubt branch " + (xid != null ? xid.toString() : "0x" + globalId) + " (transaction " + txnId
                + ", prepared " + preparedAt + ", " + age.toSeconds() + " s ago, " + keysWritten + " keys written, "
                + locksHeld + " locks held in " + databases + (blocking.isEmpty() ? "" : ", blocking " + blocking) + ")";
    }
}
