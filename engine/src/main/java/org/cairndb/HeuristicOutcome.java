package org.cairndb;

import java.time.Instant;

/**
 * A prepared transaction an admin completed without its transaction manager (a heuristic
 * decision). The environment remembers it, across restarts, until {@link Environment#forgetHeuristic}
 * so that the transaction manager's own later decision can be answered with the right heuristic
 * outcome.
 *
 * @param globalId  the transaction's global id
 * @param txnId     the engine's transaction id
 * @param committed true if it was committed, false if rolled back
 * @param decidedAt when the admin decided
 */
public record HeuristicOutcome(byte[] globalId, long txnId, boolean committed, Instant decidedAt) {

    public HeuristicOutcome {
        globalId = globalId.clone();
    }

    @Override
    public byte[] globalId() {
        return globalId.clone();
    }
}
