package org.cairndb.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.ArchiveStatus;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.EnvironmentLockedException;
import org.cairndb.archive.ArchiveOwner;
import org.cairndb.archive.EnvironmentIdentity;
import org.cairndb.archive.LogArchive;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.io.StorageFile;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.cairndb.storage.DataFile;
import org.cairndb.storage.DataFileHeader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code cairn archive}, like {@code db_archive}. */
@Command(name = "archive", sortOptions = false,
        description = {"List the files of the environment for archival, like db_archive. Without options: the log"
                + " segments no longer needed (by recovery, a prepared transaction, a running backup or continuous"
                + " archiving), which may be moved to backup media and removed.",
                "",
                "-l and -s only list files: they take no lock and work beside a running application, like"
                        + " verify. The other forms ask the engine, so they open the environment: a listing only to"
                        + " inspect it (recovery runs in memory and nothing is written), -d for writing but without a"
                        + " checkpoint; while an application has it open, the listing is worked out from the data"
                        + " files' checkpoints instead (with a note), and -d is refused: remove segments through the"
                        + " application (the adapter's MBean, or cairn.log.autoremove)."})
final class ArchiveCommand extends CairnCommand {

    @Mixin
    HomeOption home;

    @Option(names = "-a", description = "Print absolute paths (by default they are relative to HOME: log/log.0000000003).")
    boolean absolute;

    @Option(names = "-d", description = "Remove the log segments no longer needed, and print each one removed.")
    boolean remove;

    @Option(names = "-l", description = "List all log segments.")
    boolean allLogs;

    @Option(names = "-s", description = "List all data files.")
    boolean dataFiles;

    @Option(names = "-v", description = "Also say why each segment still needed is kept.")
    boolean verbose;

    @Option(names = "--take-over", arity = "0..1", paramLabel = "DIR", fallbackValue = "",
            description = {"Make HOME the environment whose continuous archiving writes into its archive directory"
                    + " (DIR, by default cairn.archive.dir of HOME/cairn.properties), after a copy of the original"
                    + " (a failover copy, a restored backup) has replaced it while the original's home still exists."
                    + " An archive refuses segments from any home but the one that writes there, so that a copy cannot"
                    + " put a second history under the original's names. Needs no lock: an application that has HOME"
                    + " open resumes archiving at its next attempt (within a minute)."})
    String takeOver;

    /** One segment and why it is kept (empty: not needed). */
    private record Segment(long number, Path path, List<String> reasons) {
    }

    @Override
    public Integer call() throws IOException {
        if (remove && (allLogs || dataFiles)) {
            throw new CommandFailedException(ExitCodes.USAGE, "-d removes the segments no longer needed; it cannot be"
                    + " combined with -l or -s (see cairn archive --help)");
        }
        Path h = Homes.requireEnvironment(home.home).toAbsolutePath().normalize();
        EnvironmentHome layout = EnvironmentHome.detect(h);
        if (takeOver != null) {
            return takeOver(h);
        }
        if ((allLogs || dataFiles) && !verbose) {
            if (dataFiles) {
                print(h, listDataFiles(layout));
            }
            if (allLogs) {
                print(h, listSegments(layout));
            }
            out().flush();
            return ExitCodes.OK;
        }
        Environment env;
        try {
            // A listing only looks (read-only media too); -d removes segments, so it opens the
            // environment for writing, but without a checkpoint: where recovery starts stays where the
            // listing before it saw it, and -d removes exactly what that listing named.
            env = remove ? Homes.openWithoutCheckpoints(h) : Homes.openToInspect(h);
        } catch (EnvironmentLockedException e) {
            if (remove) {
                throw new CommandFailedException(e.getMessage() + "; -d needs the environment itself: remove segments"
                        + " through the application (the adapter's MBean, or cairn.log.autoremove) or stop it first");
            }
            // The listing goes on without the environment: say who holds it, not to close it there.
            note(e.situation() + "; worked the list out from the data files' checkpoints instead (a backup running in"
                    + " that process may still need some of the segments listed)");
            list(h, layout, offlineStatus(h, layout), null, null);
            return ExitCodes.OK;
        }
        try (env) {
            // No checkpoint moves the recovery start, so the listing is what a following 'cairn
            // archive -d' removes (it must not find segments unneeded that were never listed, and so
            // never copied).
            if (remove && env.internals().archiver() != null) {
                // Finish continuous archiving first (it would within a second): what is archived may be removed.
                env.internals().archiver().archiveFinished();
            }
            LogArchive archive = env.internals().logArchive();
            List<Segment> segments = new ArrayList<>();
            for (LogArchive.SegmentStatus s : archive.segments()) {
                segments.add(new Segment(s.segment(), s.path(), s.reasons()));
            }
            if (remove) {
                for (Path p : archive.removeArchivable()) {
                    out().println("removed " + shown(h, p));
                }
                if (verbose) {
                    segments = new ArrayList<>();
                    for (LogArchive.SegmentStatus s : archive.segments()) {
                        segments.add(new Segment(s.segment(), s.path(), s.reasons()));
                    }
                    explain(h, segments, env.internals().archiveStatus(), null);
                }
                out().flush();
                return ExitCodes.OK;
            }
            list(h, layout, segments, env.internals().archiveStatus(), verbose ? archiveRefusal(env, h) : null);
        }
        return ExitCodes.OK;
    }

    private int takeOver(Path h) throws IOException {
        if (remove || allLogs || dataFiles || verbose || absolute) {
            throw new CommandFailedException(ExitCodes.USAGE, "--take-over cannot be combined with other options"
                    + " (see cairn archive --help)");
        }
        Path dir;
        if (!takeOver.isEmpty()) {
            dir = Path.of(takeOver).toAbsolutePath().normalize();
        } else {
            EnvironmentConfig config = Homes.config().withPropertiesFrom(h);
            if (!config.archiveEnabled()) {
                throw new CommandFailedException(ExitCodes.USAGE, "continuous archiving is not on in " + h
                        + "/cairn.properties (cairn.archive.enabled): name the archive directory: --take-over DIR");
            }
            dir = config.archiveDirectory(h);
        }
        if (!Files.isDirectory(dir)) {
            // A typo would otherwise be created and claimed, and the command say it worked.
            throw new CommandFailedException("archive directory " + dir + (Files.exists(dir) ? " is not a directory"
                    : " does not exist") + ": there is no archive to take over there; check the path (continuous"
                    + " archiving creates its directory when it first archives)");
        }
        org.cairndb.io.FileIO io = Homes.config().fileIO();
        java.util.UUID id = EnvironmentIdentity.of(io, h);
        if (id == null) {
            throw new CommandFailedException(h + " holds no log segment or data file that names its environment:"
                    + " nothing to take the archive over for");
        }
        ArchiveOwner.Claim before = ArchiveOwner.takeOver(io, dir, id, h, "cairn archive --take-over");
        out().println(ArchiveOwner.describeTakeOver(dir, h, before));
        out().flush();
        return ExitCodes.OK;
    }

    /**
     * A look archives nothing, so it never meets the refusal that this home's archiving would meet
     * (a copy beside its original, see ArchiveOwner): asked here, without writing, so that -v says so
     * instead of "0 failures" alone. Null when archiving is off or would go on.
     */
    static String archiveRefusal(Environment env, Path h) {
        if (env.internals().archiver() == null) {
            return null;
        }
        Path dir = env.internals().archiveDirectory();
        try {
            return Files.isDirectory(dir)
                    ? ArchiveOwner.refusal(Homes.io(), dir, env.internals().environmentId(), h) : null;
        } catch (IOException e) {
            return null; // what archiving itself would find is not this listing's concern
        }
    }

    private void list(Path h, EnvironmentHome layout, List<Segment> segments, ArchiveStatus archiving, String refusal)
            throws IOException {
        if (dataFiles) {
            print(h, listDataFiles(layout));
        }
        if (allLogs) {
            print(h, segments.stream().map(Segment::path).toList());
        }
        if (!dataFiles && !allLogs) {
            print(h, segments.stream().filter(s -> s.reasons().isEmpty()).map(Segment::path).toList());
        }
        if (verbose) {
            explain(h, segments, archiving, refusal);
        }
        out().flush();
    }

    private void explain(Path h, List<Segment> segments, ArchiveStatus archiving, String refusal) {
        for (Segment s : segments) {
            if (!s.reasons().isEmpty()) {
                out().println("kept " + shown(h, s.path()) + ": " + String.join("; ", s.reasons()));
            }
        }
        if (archiving != null && archiving.enabled()) {
            // 0 is no segment: logs start at 1
            String archived = archiving.lastArchivedSegment() > 0
                    ? "segments up to " + archiving.lastArchivedSegment() + " archived" : "no segment archived yet";
            out().println("continuous archiving to " + archiving.directory() + ": " + archived + ", "
                    + archiving.lagSegments() + " waiting, "
                    + archiving.failures() + " failures" + (archiving.lastError() != null ? ", last error: "
                    + archiving.lastError() : "") + (refusal != null ? "; its archiving (when opened for writing) is"
                    + " refused there: " + refusal : ""));
        }
    }

    private void print(Path h, List<Path> paths) {
        for (Path p : paths) {
            out().println(shown(h, p));
        }
    }

    private String shown(Path h, Path p) {
        Path abs = p.toAbsolutePath().normalize();
        return absolute ? abs.toString() : h.relativize(abs).toString();
    }

    /**
     * The data files, by name. A running application may remove a database at any time: a file that
     * vanishes while the directory is read is simply not listed (the file layer's listing skips an
     * entry gone before it is looked at, and the check here one gone since), and never fails the
     * listing; one removed after it is the reader's to skip (see docs/cli.md, cairn archive).
     */
    static List<Path> listDataFiles(EnvironmentHome layout) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String name : Homes.io().list(layout.dataDir())) {
            Path p = layout.dataDir().resolve(name);
            if (EnvironmentHome.databaseName(name) != null && Files.isRegularFile(p)) {
                out.add(p);
            }
        }
        return out;
    }

    static List<Path> listSegments(EnvironmentHome layout) throws IOException {
        if (!Files.isDirectory(layout.logDir())) {
            return List.of();
        }
        List<Path> out = new ArrayList<>();
        for (long seg : SegmentFiles.list(Homes.io(), layout.logDir())) {
            out.add(layout.logDir().resolve(SegmentFiles.name(seg)));
        }
        return out;
    }

    /**
     * Which segments are needed, worked out from the files alone while another process has the
     * environment open: recovery needs the log from the oldest checkpoint LSN in the data files'
     * headers (a checkpoint keeps that at or before every PREPARE still in doubt), the newest
     * segment is being written, and with continuous archiving on a finished segment is needed until
     * the archive holds an identical copy. What the other process alone knows (a backup it is
     * running) is not seen.
     */
    private static List<Segment> offlineStatus(Path h, EnvironmentHome layout) throws IOException {
        long start = Long.MAX_VALUE;
        Path startFile = null;
        for (Path p : listDataFiles(layout)) {
            try (StorageFile f = Homes.io().open(p, false, false)) {
                if (DataFile.isUnfinishedCreation(f)) {
                    continue;
                }
                DataFileHeader header = DataFile.readHeader(f, p);
                if (header.checkpointLsn() < start) {
                    start = header.checkpointLsn();
                    startFile = p;
                }
            } catch (java.nio.file.NoSuchFileException removed) {
                // Its database was removed since the listing (the application runs beside this): a
                // recovery needs the log only from the files that are there; it failed the command.
            }
        }
        EnvironmentConfig config = Homes.config().withPropertiesFrom(h);
        Path archiveDir = config.archiveDirectory(h);
        List<Path> segments = listSegments(layout);
        List<Segment> out = new ArrayList<>();
        for (int i = 0; i < segments.size(); i++) {
            Path p = segments.get(i);
            long seg = SegmentFiles.number(p.getFileName().toString());
            List<String> reasons = new ArrayList<>();
            if (i == segments.size() - 1) {
                reasons.add("it is being written (the newest segment)");
            } else if (startFile == null) {
                reasons.add("no data file says where recovery starts");
            } else if (seg >= Lsn.segment(start)) {
                reasons.add("recovery needs it: " + h.relativize(startFile) + " was last checkpointed with the log from LSN "
                        + Lsn.toString(start));
            }
            if (config.archiveEnabled() && i < segments.size() - 1) {
                // An identical copy, as the engine's own archiving requires: a copy of the same size
                // proves nothing, every finished segment having its preallocated size. Beside an
                // original whose archive it cannot write (a restored backup or failover copy opened
                // for writing), this home's new segments take the names of the original's archived
                // ones, and were listed as no longer needed although no archive held them.
                Path copy = archiveDir.resolve(p.getFileName());
                boolean archived;
                try {
                    archived = Files.isRegularFile(copy) && Files.size(copy) == Files.size(p)
                            && org.cairndb.archive.SegmentCopier.identical(Homes.io(), p, copy);
                } catch (java.nio.file.NoSuchFileException vanished) {
                    if (!Files.exists(p)) {
                        // Removed by the application since the listing (it removes only archived
                        // segments nothing needs): nothing to list. It failed the command.
                        continue;
                    }
                    archived = false;
                }
                if (!archived) {
                    reasons.add("continuous archiving has not copied it to " + archiveDir + " yet");
                }
            }
            out.add(new Segment(seg, p, List.copyOf(reasons)));
        }
        return out;
    }
}
