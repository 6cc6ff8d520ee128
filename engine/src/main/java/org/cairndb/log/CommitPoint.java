package org.cairndb.log;

/**
 * A commit named by its transaction, its commit time and where it lies in the log: what a version
 * names as the last commit it holds, what a checkpoint records in the data files' headers (offsets
 * 376, 384 and 392, see {@link org.cairndb.storage.DataFileHeader}), and what recovery reports.
 *
 * <p>The position is the end LSN of the COMMIT record; a NOT_DURABLE commit, which writes no record,
 * lies where the log ended when it committed, so at the same position as the logged commit before
 * it. Zero in any field means unknown: files written before the fields existed hold zeros, and a
 * checkpoint in the middle of recovery's replay writes zeros, since its version ends at no
 * particular commit.
 *
 * @param txnId  the transaction id (0: unknown)
 * @param millis its commit time, milliseconds since the epoch (0: unknown)
 * @param lsn    where it lies in the log (0: unknown)
 */
public record CommitPoint(long txnId, long millis, long lsn) {

    /** No commit known. */
    public static final CommitPoint UNKNOWN = new CommitPoint(0, 0, 0);

    /** Whether a commit is named (its time is always recorded when it is). */
    public boolean isKnown() {
        return millis != 0;
    }

    /** Whether its position in the log is recorded too (checkpoints before that field existed left it out). */
    public boolean knowsLsn() {
        return lsn != 0;
    }

    /**
     * The later of two commits, either of which may be unknown: by position in the log when both
     * know theirs (times follow the clock, which may have been set back between two runs), else by
     * time. On a tie the first wins.
     */
    public static CommitPoint later(CommitPoint a, CommitPoint b) {
        if (!b.isKnown()) {
            return a;
        }
        if (!a.isKnown()) {
            return b;
        }
        if (a.knowsLsn() && b.knowsLsn()) {
            return b.lsn > a.lsn ? b : a;
        }
        return b.millis > a.millis ? b : a;
    }
}
