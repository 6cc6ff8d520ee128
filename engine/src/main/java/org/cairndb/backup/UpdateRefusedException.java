package org.cairndb.backup;

import org.cairndb.CairnException;

/**
 * An update of a backup or failover copy refused before it changed anything in the copy (a segment
 * it needs is neither in the environment's log nor in its archive): the copy is as the previous
 * update left it, and running the update again is refused the same way. Callers that add advice
 * for an update stopped half-way ("run it again") must not add it to this one.
 */
public final class UpdateRefusedException extends CairnException {
    private static final long serialVersionUID = 1L;

    public UpdateRefusedException(String message) {
        super(message);
    }
}
