package org.cairndb;

import java.time.Instant;
import java.util.List;
import org.cairndb.util.Counted;

/**
 * What recovery did when the environment was opened. {@link #toString()} gives the text the
 * server log and {@code cairn recover -v} show.
 *
 * @param startLsn           where replay started ({@code segment/offset})
 * @param endLsn             where the valid log ends
 * @param segmentsScanned    log segments read
 * @param recordsScanned     log records read
 * @param transactionsRedone committed transactions replayed
 * @param transactionsRolledBack prepared transactions whose logged outcome was a rollback
 * @param preparedRestored   prepared (in-doubt) transactions restored with their locks
 * @param truncatedTail      what was cut off the end of the log (null if nothing)
 * @param lastCommitTxnId    id of the last committed transaction: the last one replayed, or when
 *                           none was, the last one the data files' checkpoint holds (0 if unknown)
 * @param lastCommitTime     its commit time (null if unknown)
 * @param lastCommitReplayed whether recovery replayed it (false: the data files held it already)
 * @param databases          databases open after recovery
 * @param durationMillis     time taken
 * @param notes              anything else worth telling the admin
 */
public record RecoveryReport(String startLsn, String endLsn, int segmentsScanned, long recordsScanned,
        long transactionsRedone, long transactionsRolledBack, int preparedRestored, String truncatedTail,
        long lastCommitTxnId, Instant lastCommitTime, boolean lastCommitReplayed, int databases, long durationMillis,
        List<String> notes) {

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append("recovery replayed the log from ").append(startLsn).append(" to ").append(endLsn).append(" (")
                .append(Counted.of(segmentsScanned, "segment")).append(", ").append(Counted.of(recordsScanned, "record"))
                .append(") in ").append(durationMillis).append(" ms: ")
                .append(Counted.of(transactionsRedone, "transaction")).append(" redone, ")
                .append(transactionsRolledBack).append(" rolled back, ").append(preparedRestored)
                .append(" prepared restored; ").append(Counted.of(databases, "database"));
        if (lastCommitTime != null) {
            sb.append("; last commit: transaction ").append(lastCommitTxnId).append(" at ").append(lastCommitTime);
            if (!lastCommitReplayed) {
                sb.append(" (in the data files' checkpoint)");
            }
        }
        if (truncatedTail != null) {
            sb.append("; ").append(truncatedTail);
        }
        for (String n : notes) {
            sb.append("; ").append(n);
        }
        return sb.toString();
    }
}
