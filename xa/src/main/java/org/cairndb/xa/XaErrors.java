package org.cairndb.xa;

import javax.transaction.xa.XAException;
import org.cairndb.DeadlockException;
import org.cairndb.EnvironmentFailureException;
import org.cairndb.LockTimeoutException;
import org.cairndb.TransactionException;
import org.cairndb.TransactionTimeoutException;
import org.cairndb.WriteConflictException;

/**
 * Maps engine failures onto XA error codes, and builds {@link XAException}s that always carry a code
 * and a message naming the branch and the reason.
 *
 * <table>
 * <caption>Engine failure → XA code</caption>
 * <tr><th>engine</th><th>XA</th><th>why</th></tr>
 * <tr><td>{@link DeadlockException}</td><td>XA_RBDEADLOCK</td><td>the branch was a deadlock victim</td></tr>
 * <tr><td>{@link LockTimeoutException}</td><td>XA_RBTIMEOUT</td><td>the branch's work took too long waiting for a lock</td></tr>
 * <tr><td>{@link TransactionTimeoutException}, XA transaction timeout</td><td>XA_RBTIMEOUT</td><td>the branch outlived its timeout</td></tr>
 * <tr><td>{@link WriteConflictException}</td><td>XA_RBINTEGRITY</td><td>committing would break the isolation level (lost update, serialization anomaly)</td></tr>
 * <tr><td>other {@link TransactionException} (e.g. the size limit)</td><td>XA_RBOTHER</td><td>rolled back for a reason XA has no code for</td></tr>
 * <tr><td>end(TMFAIL), or rolled back for an unknown reason</td><td>XA_RBROLLBACK</td><td></td></tr>
 * <tr><td>{@link EnvironmentFailureException}, environment closed</td><td>XAER_RMFAIL</td><td>the environment is unusable until reopened (recovery)</td></tr>
 * <tr><td>any other engine error</td><td>XAER_RMERR</td><td></td></tr>
 * </table>
 */
public final class XaErrors {

    private XaErrors() {
    }

    /** An XAException with {@code code} and a message starting with the code's name. */
    public static XAException error(int code, String message) {
        XAException e = new XAException(name(code) + ": " + message);
        e.errorCode = code;
        return e;
    }

    public static XAException error(int code, String message, Throwable cause) {
        XAException e = error(code, message);
        e.initCause(cause);
        return e;
    }

    /** The XA_RB* code for an engine exception that rolled a transaction back. */
    public static int rollbackCode(TransactionException e) {
        if (e instanceof DeadlockException) {
            return XAException.XA_RBDEADLOCK;
        }
        if (e instanceof LockTimeoutException || e instanceof TransactionTimeoutException) {
            return XAException.XA_RBTIMEOUT;
        }
        if (e instanceof WriteConflictException) {
            return XAException.XA_RBINTEGRITY;
        }
        return XAException.XA_RBOTHER;
    }

    /** The XAException for an engine failure during {@code what} (e.g. "prepare of branch ..."). */
    public static XAException fromEngine(RuntimeException e, String what) {
        if (e instanceof TransactionException t) {
            return error(rollbackCode(t), what + " failed; the branch was rolled back: " + e.getMessage(), e);
        }
        if (e instanceof EnvironmentFailureException) {
            return error(XAException.XAER_RMFAIL, what + " failed: the environment must be reopened (recovery): "
                    + e.getMessage(), e);
        }
        if (e instanceof IllegalStateException && String.valueOf(e.getMessage()).contains("is closed")) {
            return error(XAException.XAER_RMFAIL, what + " failed: " + e.getMessage(), e);
        }
        return error(XAException.XAER_RMERR, what + " failed: " + e, e);
    }

    /** The constant's name in {@link XAException} ({@code XAER_NOTA}, {@code XA_RBTIMEOUT}, ...). */
    public static String name(int code) {
        return switch (code) {
            case XAException.XA_RBROLLBACK -> "XA_RBROLLBACK";
            case XAException.XA_RBCOMMFAIL -> "XA_RBCOMMFAIL";
            case XAException.XA_RBDEADLOCK -> "XA_RBDEADLOCK";
            case XAException.XA_RBINTEGRITY -> "XA_RBINTEGRITY";
            case XAException.XA_RBOTHER -> "XA_RBOTHER";
            case XAException.XA_RBPROTO -> "XA_RBPROTO";
            case XAException.XA_RBTIMEOUT -> "XA_RBTIMEOUT";
            case XAException.XA_RBTRANSIENT -> "XA_RBTRANSIENT";
            case XAException.XA_NOMIGRATE -> "XA_NOMIGRATE";
            case XAException.XA_HEURHAZ -> "XA_HEURHAZ";
            case XAException.XA_HEURCOM -> "XA_HEURCOM";
            case XAException.XA_HEURRB -> "XA_HEURRB";
            case XAException.XA_HEURMIX -> "XA_HEURMIX";
            case XAException.XA_RETRY -> "XA_RETRY";
            case XAException.XA_RDONLY -> "XA_RDONLY";
            case XAException.XAER_ASYNC -> "XAER_ASYNC";
            case XAException.XAER_RMERR -> "XAER_RMERR";
            case XAException.XAER_NOTA -> "XAER_NOTA";
            case XAException.XAER_INVAL -> "XAER_INVAL";
            case XAException.XAER_PROTO -> "XAER_PROTO";
            case XAException.XAER_RMFAIL -> "XAER_RMFAIL";
            case XAException.XAER_DUPID -> "XAER_DUPID";
            case XAException.XAER_OUTSIDE -> "XAER_OUTSIDE";
            default -> "XA error " + code;
        };
    }
}
