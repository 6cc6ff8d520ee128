package org.cairndb.rar.admin;

import java.util.List;

/**
 * Administration of one Cairn environment, registered as {@code org.cairndb:type=Environment,name=<env>}
 * on the platform MBean server. Long operations (hot backup, backup update, failover update, verify)
 * send JMX notifications when they start, as they progress and when they end; their types are the
 * constants of {@link EnvironmentAdmin}. Failures reach the caller as exceptions of JDK types whose
 * message names the problem (a JMX console needs no Cairn classes).
 */
@Description("A Cairn environment: checkpoints, log archival, hot backup and failover, verification,"
        + " statistics and the XA in-doubt list")
public interface CairnEnvironmentMXBean {

    // ---- attributes ----

    @Description("Name of the environment (the name= key of this MBean)")
    String getName();

    @Description("Absolute home directory of the environment")
    String getHome();

    @Description("The environment's id (cairn stat's \"Environment id\"): its backups and failover copy carry it, and an"
            + " update of a copy of another environment is refused naming both ids")
    String getEnvironmentId();

    @Description("STARTING (recovering), OPEN, FAILED or CLOSED")
    String getState();

    @Description("What recovery did when the environment was opened")
    String getRecoveryReport();

    @Description("Transactions committed since the environment was opened")
    long getCommits();

    @Description("Transactions rolled back since the environment was opened")
    long getAborts();

    @Description("Write conflicts and serialization failures since the environment was opened")
    long getConflicts();

    @Description("Transactions begun and not yet ended")
    int getActiveTransactions();

    @Description("Prepared (in-doubt) transactions")
    int getPreparedTransactions();

    @Description("Key locks held")
    int getLocksHeld();

    @Description("Bytes of log segments in the log directory")
    long getLogSize();

    @Description("Number of log segments in the log directory")
    int getLogSegments();

    @Description("Number of the log segment being written")
    long getCurrentLogSegment();

    @Description("Where the next log record goes (segment/offset)")
    String getLogEndLsn();

    @Description("How far the log is forced to disk (segment/offset); behind LogEndLsn while commits that were not"
            + " forced (WRITE_NO_SYNC, NO_SYNC) wait for the next force")
    String getLogDurableLsn();

    @Description("Log bytes appended since the environment was opened")
    long getLogBytesWritten();

    @Description("Forces (fsyncs) of the log since the environment was opened")
    long getLogForces();

    @Description("LSN of the last CHECKPOINT record (segment/offset)")
    String getLastCheckpointLsn();

    @Description("Time of the last checkpoint (ISO-8601), or none")
    String getLastCheckpointTime();

    @Description("Checkpoints since the environment was opened")
    long getCheckpoints();

    @Description("Where recovery would start now (segment/offset)")
    String getRecoveryStartLsn();

    @Description("The last hot backup or backup update through this MBean: when, where, what it copied")
    String getLastBackup();

    @Description("The last failover update: when, what it copied, or why it failed; none if none since the adapter"
            + " started")
    String getLastFailoverUpdate();

    @Description("The failover directory, or an empty string when failover is not configured")
    String getFailoverDirectory();

    @Description("The directory backup and failover targets must lie in")
    String getBackupRoot();

    @Description("MB per second that hot backups and failover updates copy at most (the BackupMaxRate property); 0: no limit")
    long getBackupMaxRate();

    @Description("Continuous log archiving: enabled, directory, last archived segment, lag, failures, last error")
    ArchiveInfo getArchiveStatus();

    @Description("Hot backups and failover updates copying right now")
    int getRunningBackups();

    @Description("Fraction of lookups of checkpointed pages served from the cache (1.0 when there were none; pages changed since the last checkpoint are always in memory and not counted)")
    double getCacheHitRatio();

    @Description("Lookups of checkpointed pages served from the cache (pages changed since the last checkpoint are always in memory and not counted)")
    long getCacheHits();

    @Description("Lookups of checkpointed pages that read the disk")
    long getCacheMisses();

    @Description("Page cache size in bytes")
    long getCacheCapacity();

    @Description("Bytes of pages in the page cache")
    long getCacheUsed();

    @Description("Bytes of pages waiting for a checkpoint")
    long getDirtyBytes();

    @Description("Names of the databases")
    List<String> getDatabases();

    @Description("Prepared (in-doubt) XA branches, oldest first, with the locks they hold and whom they block")
    List<InDoubtInfo> getInDoubtBranches();

    @Description("Branches an administrator completed heuristically and that are not forgotten yet")
    List<HeuristicInfo> getHeuristicBranches();

    // ---- operations ----

    @Description("Write the committed state to the data files so that recovery starts later in the log")
    CheckpointInfo checkpoint(
            @Description("Checkpoint even if nothing changed since the last checkpoint") boolean force);

    @Description("Log segments no longer needed by recovery, prepared transactions, backups or archiving"
            + " (db_archive): absolute paths")
    List<String> listArchivableLogs();

    @Description("Every log segment (db_archive -l): absolute paths")
    List<String> listAllLogs();

    @Description("Every log segment with its size and the reasons it is still needed")
    List<LogSegmentInfo> describeLogs();

    @Description("Every data file (db_archive -s): absolute paths")
    List<String> listDataFiles();

    @Description("Remove the log segments nothing needs any more (db_archive -d); returns the removed files")
    List<String> removeArchivableLogs();

    @Description("Make this environment the one whose continuous archiving writes into its archive directory,"
            + " after it replaced the original it was copied from (a failover copy, a restored backup) while the"
            + " original's home still exists (cairn archive --take-over); returns what changed")
    String takeOverArchive();

    @Description("Take a hot backup into an empty or new directory inside the backup root, while writers run;"
            + " the copy is recovered and holds every commit acknowledged before the backup began")
    BackupInfo hotBackup(
            @Description("Target directory: relative to the backup root, or absolute inside it") String directory,
            @Description("Checkpoint first, so that the backup needs less log") boolean checkpointFirst);

    @Description("Bring an existing hot backup forward with the new log segments only, and recover it")
    BackupInfo updateBackup(
            @Description("Directory of an earlier hot backup: relative to the backup root, or absolute inside it")
            String directory);

    @Description("Bring the configured failover copy up to date (creating it on the first call)")
    BackupInfo updateFailover();

    @Description("Check every data file and log segment the way db_verify does; returns what it found")
    VerifyInfo verify();

    @Description("Commit an in-doubt branch by an administrator's decision (remembered until forget)")
    String heuristicCommit(
            @Description("The branch as InDoubtBranches shows it: its Xid"
                    + " (formatId:gtridHex:bqualHex), or its GlobalId in hex (0x in front optional)") String xid);

    @Description("Roll back an in-doubt branch by an administrator's decision (remembered until forget)")
    String heuristicRollback(
            @Description("The branch as InDoubtBranches shows it: its Xid"
                    + " (formatId:gtridHex:bqualHex), or its GlobalId in hex (0x in front optional)") String xid);

    @Description("Forget a heuristic decision once the transaction manager knows of it; returns true if it was"
            + " forgotten, false if there was no heuristic decision on that branch (nothing changed)")
    boolean forget(
            @Description("The branch as InDoubtBranches shows it: its Xid"
                    + " (formatId:gtridHex:bqualHex), or its GlobalId in hex (0x in front optional)") String xid);
}
