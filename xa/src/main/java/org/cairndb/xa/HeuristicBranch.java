package org.cairndb.xa;

import java.time.Instant;

/**
 * A branch that an administrator committed or rolled back without its transaction manager. It is
 * remembered, across restarts, until {@link CairnXAResource#forget} or
 * {@link InDoubtBranches#forget}, so that the transaction manager's decision, when it comes, is
 * answered with XA_HEURCOM or XA_HEURRB.
 *
 * @param xid       the branch's Xid; null if it was not prepared through XA
 * @param globalId  the engine's global id, in hex
 * @param txnId     the engine's transaction id
 * @param committed true if it was committed, false if rolled back
 * @param decidedAt when the administrator decided
 */
public record HeuristicBranch(CairnXid xid, String globalId, long txnId, boolean committed, Instant decidedAt) {

    @Override
    public String toString() {
        return "branch " + (xid != null ? xid.toString() : "0x" + globalId) + " heuristically "
                + (committed ? "committed" : "rolled back") + " at " + decidedAt;
    }
}
