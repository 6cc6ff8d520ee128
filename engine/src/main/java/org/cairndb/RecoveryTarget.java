package org.cairndb;

import java.time.Instant;
import org.cairndb.log.Lsn;

/**
 * Where point-in-time recovery stops: at a time, at a log position, or at a transaction. With
 * {@code inclusive}, the transaction committed exactly at the target (at that time, at that LSN,
 * or that transaction itself) is kept; otherwise recovery stops just before it.
 */
public final class RecoveryTarget {

    /** What the target names. */
    public enum Kind {
        TIME, LSN, TRANSACTION
    }

    private final Kind kind;
    private final long value;
    private final boolean inclusive;

    private RecoveryTarget(Kind kind, long value, boolean inclusive) {
        this.kind = kind;
        this.value = value;
        this.inclusive = inclusive;
    }

    /** Stop at the last transaction committed at or before (inclusive) or before (exclusive) {@code time}. */
    public static RecoveryTarget time(Instant time, boolean inclusive) {
        if (time == null) {
            throw new IllegalArgumentException("the recovery target's time must not be null");
        }
        // Commit times are whole milliseconds. A target between two of them keeps the commits before
        // it either way: inclusive "at or before" rounds it down, exclusive "before" rounds it up.
        long millis = time.toEpochMilli();
        if (!inclusive && time.getNano() % 1_000_000 != 0) {
            millis++;
        }
        return new RecoveryTarget(Kind.TIME, millis, inclusive);
    }

    /** Stop at log position {@code lsn} ({@code segment/offset}): the record there is kept only if inclusive. */
    public static RecoveryTarget lsn(long lsn, boolean inclusive) {
        return new RecoveryTarget(Kind.LSN, lsn, inclusive);
    }

    /** Stop at the commit of transaction {@code txnId}: kept only if inclusive. */
    public static RecoveryTarget transaction(long txnId, boolean inclusive) {
        return new RecoveryTarget(Kind.TRANSACTION, txnId, inclusive);
    }

    public Kind kind() {
        return kind;
    }

    /** Milliseconds since the epoch, an LSN, or a transaction id, by kind. */
    public long value() {
        return value;
    }

    public boolean inclusive() {
        return inclusive;
    }

    @Override
    public String toString() {
        String what = switch (kind) {
            case TIME -> "time " + Instant.ofEpochMilli(value);
            case LSN -> "LSN " + Lsn.toString(value);
            case TRANSACTION -> "transaction " + value;
        };
        return what + (inclusive ? " (inclusive)" : " (exclusive)");
    }
}
