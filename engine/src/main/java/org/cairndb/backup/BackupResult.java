package org.cairndb.backup;

import org.cairndb.RecoveryReport;

/**
 * What a backup or failover update did.
 *
 * @param manifest       the manifest written into the target
 * @param filesCopied    files copied (unchanged ones are not counted)
 * @param bytesCopied    bytes copied
 * @param durationMillis time taken, recovery included
 * @param recovery       the report of the recovery run on the copy, or null with --no-recover
 */
public record BackupResult(BackupManifest manifest, int filesCopied, long bytesCopied, long durationMillis,
        RecoveryReport recovery) {
}
