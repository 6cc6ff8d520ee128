package org.cairndb.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.cairndb.ArchiveStatus;
import org.cairndb.Environment;
import org.cairndb.EnvironmentStats;
import org.cairndb.env.DatabaseImpl;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.cairndb.storage.DataFile;
import org.cairndb.storage.DataFileHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn stat}, like {@code db_stat}. */
@Command(name = "stat", sortOptions = false,
        description = {"Print statistics, like db_stat: the environment's (log, checkpoints, cache) and each"
                + " database's (records, file size, pages). Values come first, then what they mean.",
                "The environment is opened only to inspect it (recovery runs in memory and nothing in its directory"
                        + " is written, so read-only media work too), so it must not be open for writing elsewhere;"
                        + " counters \"since open\" describe this short-lived process. For a running server, read the"
                        + " adapter's MBean instead."})
final class StatCommand extends CairnCommand {

    @Mixin
    HomeOption home;

    @Option(names = "-d", paramLabel = "DB", description = "Only this database's statistics.")
    String database;

    @Override
    public Integer call() throws IOException {
        if (database != null) {
            DatabaseNameArgument.requireValid(database);
        }
        try (Environment env = Homes.openToInspect(home.home)) {
            if (database != null) {
                env.openDatabase(database, false); // names the existing databases if it is not one
                printDatabase(env, env.internals().catalog().byName(database));
            } else {
                printEnvironment(env);
                for (DatabaseImpl db : env.internals().catalog().all()) {
                    out().println();
                    printDatabase(env, db);
                }
            }
        }
        out().flush();
        return ExitCodes.OK;
    }

    private void printEnvironment(Environment env) throws IOException {
        EnvironmentStats s = env.stats();
        Path logDir = env.internals().home().logDir();
        List<Long> segments = SegmentFiles.list(env.internals().io(), logDir);
        long logBytes = 0;
        for (long seg : segments) {
            logBytes += Files.size(logDir.resolve(SegmentFiles.name(seg)));
        }
        out().println("Environment " + env.home());
        row(env.internals().environmentId(), "Environment id");
        row(s.databases(), "Databases");
        row(segments.size(), "Log segments on disk");
        row(logBytes, "Bytes of log on disk");
        row(s.logSegment(), "Current log segment");
        row(s.logEndLsn(), "End of the log (LSN)");
        row(s.logDurableLsn(), "Log forced up to (LSN)");
        // Before this process has checkpointed, the engine's counters know no checkpoint; the data file
        // headers do: each names when it was last checkpointed and where its recovery starts.
        long lastMillis = 0;
        for (DatabaseImpl db : env.internals().catalog().all()) {
            lastMillis = Math.max(lastMillis, db.file().header().checkpointMillis());
        }
        long recoveryStart = org.cairndb.recovery.RecoveryManager.startLsn(env.internals().catalog());
        boolean checkpointedHere = s.checkpoints() > 0;
        row(checkpointedHere ? s.lastCheckpointLsn() : "-", "Last CHECKPOINT record written since open (LSN)");
        row(checkpointedHere || recoveryStart == Lsn.NULL ? s.recoveryStartLsn() : Lsn.toString(recoveryStart),
                "Recovery would start at (LSN)");
        row(checkpointedHere || lastMillis == 0 ? Instant.ofEpochMilli(s.lastCheckpointMillis())
                : Instant.ofEpochMilli(lastMillis), "Last checkpoint");
        row(s.activeTransactions(), "Active transactions");
        row(s.preparedTransactions(), "Prepared (in-doubt) transactions");
        row(s.locksHeld(), "Locks held");
        row(s.commits(), "Transactions committed since open");
        row(s.aborts(), "Transactions rolled back since open");
        row(s.conflicts(), "Write conflicts since open");
        row(s.checkpoints(), "Checkpoints since open");
        row(s.logBytesWritten(), "Log bytes written since open");
        row(s.logForces(), "Log forces since open");
        row(s.cacheCapacity(), "Cache size (bytes)");
        row(s.cacheUsed(), "Cache bytes in use");
        row(s.dirtyBytes(), "Dirty bytes waiting for a checkpoint");
        row(s.cacheHits(), "Cache hits since open");
        row(s.cacheMisses(), "Cache misses since open");
        row(String.format("%.1f%%", 100 * s.cacheHitRatio()), "Cache hit ratio");
        printArchiving(env, s.archive());
        row(env.recoveryReport(), "Recovery at this open");
    }

    /**
     * Continuous archiving, as this home's own files and its archive directory show it: a look
     * archives nothing, so the failures counted are this process's (none), and where the home's
     * archiving would be refused (an archive another home writes into) is asked without writing.
     */
    private void printArchiving(Environment env, ArchiveStatus a) {
        if (!a.enabled()) {
            row("off", "Continuous archiving (cairn.archive.enabled)");
            return;
        }
        row("on, to " + a.directory(), "Continuous archiving (cairn.archive.enabled)");
        row(a.lastArchivedSegment() > 0 ? SegmentFiles.name(a.lastArchivedSegment()) : "-",
                "Last segment archived, with every one before it");
        row(a.lagSegments() >= 0 ? a.lagSegments() : "-", "Finished segments not archived yet");
        row(a.failures(), "Archiving failures since open");
        if (a.lastError() != null) {
            row(a.lastError(), "Last archiving error");
        }
        String refusal = ArchiveCommand.archiveRefusal(env, env.home());
        if (refusal != null) {
            row(refusal, "Archiving refused when opened for writing");
        }
    }

    private void printDatabase(Environment env, DatabaseImpl db) throws IOException {
        DataFile f = db.file();
        DataFileHeader h = f.header();
        long[] space = f.spaceUsage();
        out().println("Database " + db.name() + " (" + f.path() + ")");
        row(db.id(), "Database id");
        row(env.openDatabase(db.name(), false).count(), "Records");
        row(h.pageSize(), "Page size");
        // A database whose creation only the log holds (a crash cut it short) has no file yet: looking
        // replays it into memory, and the next writing open creates the file.
        row(Files.exists(f.path()) ? Files.size(f.path()) : "-", "File size (bytes)");
        row(space[0], "Pages in the file");
        row(space[1], "Pages in use or waiting to be reused");
        row(space[0] - space[1], "Free pages");
        row(space[2], "Freed extents waiting for reuse");
        row(h.generation(), "Checkpoint generation of the file");
        row(Lsn.toString(h.checkpointLsn()), "Recovery of the file starts at (LSN)");
        row(Instant.ofEpochMilli(h.checkpointMillis()), "Last checkpoint of the file");
    }

    private void row(Object value, String meaning) {
        out().println(value + "\t" + meaning);
    }
}
