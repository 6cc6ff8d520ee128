package org.cairndb;

import java.time.Instant;
import java.util.List;

/**
 * A prepared (in-doubt) transaction, as listed for admins and for XA recovery.
 *
 * @param txnId        the engine's transaction id
 * @param globalId     the global id given to {@link Transaction#prepare} (for XA: the encoded Xid)
 * @param preparedAt   when it was prepared
 * @param keysWritten  keys it writes (and holds locks on)
 * @param locksHeld    locks it holds
 * @param databases    databases it writes to
 * @param blocking     ids of transactions waiting for its locks
 */
public record PreparedTransaction(long txnId, byte[] globalId, Instant preparedAt, int keysWritten, int locksHeld,
        List<String> databases, List<Long> blocking) {

    public PreparedTransaction {
        globalId = globalId.clone();
        databases = List.copyOf(databases);
        blocking = List.copyOf(blocking);
    }

    @Override
    public byte[] globalId() {
        return globalId.clone();
    }
}
