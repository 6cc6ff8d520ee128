package org.cairndb.tools;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.cairndb.StorageException;
import org.cairndb.backup.BackupManifest;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;
import org.cairndb.io.StorageFile;
import org.cairndb.log.LogScanner;
import org.cairndb.log.Lsn;
import org.cairndb.log.SegmentFiles;
import org.cairndb.storage.DataFile;
import org.cairndb.storage.DataFileHeader;

/**
 * Checks a backup (or a failover copy) against its {@code backup.manifest} without opening it as an
 * environment, so that a backup can be checked on the backup host, read-only, before it is needed
 * ({@code cairn verifybackup}). In this order:
 *
 * <ol>
 * <li>the manifest is there (a backup writes it last: without one the backup is incomplete) and
 * readable;</li>
 * <li>every file it lists exists, has the listed size and the listed SHA-256;</li>
 * <li>no data file or log segment is there that the manifest does not list;</li>
 * <li>the log: from the first segment present, every segment's header (its number, the manifest's
 * environment), the chain (each segment starts where the previous one's records end), every
 * record's CRC-32C; the segment where recovery of the backup starts is there; the log reaches the
 * manifest's end LSN. A torn record at the very end (the last segment was copied while it was
 * being written) is normal: recovery cuts it off;</li>
 * <li>each data file has a valid header of the manifest's environment.</li>
 * </ol>
 *
 * Problems are listed in that order, so the first one names the first bad file. The layout may be
 * flat (data files and segments side by side, the default of {@code cairn hotbackup}) or split
 * ({@code data/} and {@code log/}).
 */
public final class BackupVerifier {

    /** One thing wrong, naming the file. */
    public record Problem(Path file, String message) {
        @Override
        public String toString() {
            return file + ": " + message;
        }
    }

    /** What the log scan found. */
    public record LogSummary(long firstSegment, long lastSegment, long records, String endLsn, String tail) {
    }

    /**
     * The outcome.
     *
     * @param manifest     the manifest read (null if there was none or it was unreadable)
     * @param filesChecked files whose size and checksum were compared
     * @param bytesChecked their total size
     * @param log          the log scan (null if it could not run)
     * @param problems     everything wrong, the first bad file first
     * @param notes        things worth knowing that are not problems
     */
    public record Report(Path directory, BackupManifest manifest, int filesChecked, long bytesChecked, LogSummary log,
            List<Problem> problems, List<String> notes) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final Path dir;
    private final FileIO io;
    private final List<Problem> problems = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public BackupVerifier(Path dir) {
        this(NioFileIO.INSTANCE, dir);
    }

    public BackupVerifier(FileIO io, Path dir) {
        this.io = org.cairndb.io.NamingFileIO.of(io); // a failing read names its file
        this.dir = dir.toAbsolutePath().normalize();
    }

    /**
     * Whether the directory holds anything a backup or an environment leaves: a lock file (all that a
     * backup stopped before its first copy leaves), a data file or a log segment, side by side or in
     * data/ and log/.
     */
    private boolean holdsCairnFiles() throws IOException {
        if (Files.exists(dir.resolve(EnvironmentHome.LOCK_FILE))) {
            return true;
        }
        for (Path d : List.of(dir, dir.resolve("data"), dir.resolve("log"))) {
            if (!Files.isDirectory(d)) {
                continue;
            }
            if (!SegmentFiles.list(io, d).isEmpty()) {
                return true;
            }
            try (Stream<Path> s = Files.list(d)) {
                if (s.anyMatch(p -> EnvironmentHome.databaseName(p.getFileName().toString()) != null)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Verifies the backup. A BackupVerifier is for one call. */
    public Report verify() throws IOException {
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException("backup directory " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a directory");
        }
        BackupManifest manifest;
        try {
            manifest = BackupManifest.read(dir);
        } catch (IOException e) {
            problems.add(new Problem(dir.resolve(BackupManifest.FILE_NAME), "cannot be read: " + e.getMessage()));
            return report(null, 0, 0, null);
        }
        if (manifest == null) {
            // An interrupted backup, the environment itself given by mistake, or something else
            // entirely: telling an admin to take "the backup" again fits only the first.
            problems.add(new Problem(dir.resolve(BackupManifest.FILE_NAME), holdsCairnFiles()
                    ? "missing: " + dir + " is not a complete backup (a backup writes its manifest last, so one that"
                            + " was interrupted has none); take the backup again; or, if " + dir + " is an environment"
                            + " rather than a backup, check it with cairn verify -h " + dir
                    : "missing: " + dir + " holds no backup (no " + BackupManifest.FILE_NAME + ", data file or log"
                            + " segment); give the directory a backup was taken into"));
            return report(null, 0, 0, null);
        }
        UUID envId;
        try {
            envId = UUID.fromString(manifest.environmentId());
        } catch (RuntimeException e) {
            problems.add(new Problem(dir.resolve(BackupManifest.FILE_NAME), "names no valid environment id ("
                    + manifest.environmentId() + ")"));
            return report(manifest, 0, 0, null);
        }
        // A manifest is JSON that may have been edited by hand: a list or an entry left out must be
        // reported against the manifest, not end the check with a NullPointerException.
        if (manifest.files() == null) {
            problems.add(new Problem(dir.resolve(BackupManifest.FILE_NAME), "lists no files (its \"files\" list is"
                    + " missing): the manifest was damaged or edited, and what the backup holds cannot be checked;"
                    + " take the backup again"));
            return report(manifest, 0, 0, null);
        }
        int checked = 0;
        long bytes = 0;
        Set<String> listed = new HashSet<>();
        for (BackupManifest.FileEntry f : manifest.files()) {
            if (f == null) {
                problems.add(new Problem(dir.resolve(BackupManifest.FILE_NAME), "holds an empty entry in its \"files\""
                        + " list: the manifest was damaged or edited; take the backup again"));
                continue;
            }
            listed.add(f.path());
            Path p = resolveListed(f.path());
            if (p == null) {
                continue;
            }
            if (!Files.isRegularFile(p)) {
                problems.add(new Problem(p, "listed in the manifest but missing"));
                continue;
            }
            long size = Files.size(p);
            if (size != f.size()) {
                problems.add(new Problem(p, "is " + size + " bytes long, but the manifest says " + f.size()
                        + " (truncated, or changed after the backup)"));
                continue;
            }
            String sha = BackupManifest.sha256(io, p);
            if (!sha.equalsIgnoreCase(f.sha256())) {
                problems.add(new Problem(p, "SHA-256 " + sha + " differs from the manifest's " + f.sha256()
                        + ": the file was damaged or changed after the backup"));
                continue;
            }
            checked++;
            bytes += size;
        }
        for (String f : backupFiles()) {
            if (!listed.contains(f)) {
                problems.add(new Problem(dir.resolve(f), "is not listed in the manifest: it is not part of this"
                        + " backup (take it out, or take the backup again)"));
            }
        }
        EnvironmentHome home = EnvironmentHome.detect(dir);
        LogSummary log = verifyLog(home, manifest, envId);
        verifyDataFiles(home, envId);
        String copier = problems.isEmpty() ? null : org.cairndb.env.EnvironmentImpl.copyingInto(dir);
        if (copier != null) {
            // An update stopped half-way (killed, a full disk): its files disagree with the manifest
            // of the update before, and the remedy is to finish it, not to take files out.
            problems.add(0, new Problem(home.lockFile(), "names " + copier + ", which was copying files in and"
                    + " stopped before it finished: the problems below are files it changed after the manifest was"
                    + " written; run the same update again (cairn hotbackup -u, or cairn failover), which finishes it,"
                    + " unless the update stopped on damage in this copy (it said so): then take a new copy"));
        }
        return report(manifest, checked, bytes, log);
    }

    private Report report(BackupManifest m, int checked, long bytes, LogSummary log) {
        return new Report(dir, m, checked, bytes, log, List.copyOf(problems), List.copyOf(notes));
    }

    /** The listed path inside the backup, or null (a problem is recorded) if it points outside it. */
    private Path resolveListed(String relative) {
        Path p;
        try {
            p = dir.resolve(relative).normalize();
        } catch (RuntimeException e) {
            problems.add(new Problem(dir.resolve(BackupManifest.FILE_NAME), "lists an invalid path '" + relative + "'"));
            return null;
        }
        if (!p.startsWith(dir) || p.equals(dir)) {
            problems.add(new Problem(dir.resolve(BackupManifest.FILE_NAME), "lists '" + relative
                    + "', which is outside the backup directory"));
            return null;
        }
        return p;
    }

    private LogSummary verifyLog(EnvironmentHome home, BackupManifest manifest, UUID envId) throws IOException {
        Path logDir = home.logDir();
        List<Long> segments = Files.isDirectory(logDir) ? SegmentFiles.list(io, logDir) : List.of();
        long start;
        long end;
        try {
            start = Lsn.parse(manifest.startLsn());
            end = Lsn.parse(manifest.endLsn());
        } catch (RuntimeException e) {
            problems.add(new Problem(dir.resolve(BackupManifest.FILE_NAME), "holds an unreadable LSN: " + e.getMessage()));
            return null;
        }
        if (segments.isEmpty()) {
            problems.add(new Problem(logDir, "holds no log segment; recovery of this backup needs the log from LSN "
                    + manifest.startLsn()));
            return null;
        }
        long needed = Lsn.segment(start);
        if (segments.get(0) > needed) {
            problems.add(new Problem(logDir.resolve(SegmentFiles.name(needed)), "is missing: recovery of this backup"
                    + " starts in it (LSN " + manifest.startLsn() + ")"));
        }
        long[] records = new long[1];
        LogScanner.Result r;
        try {
            // Every record's checksum, a piece at a time for a large one: the memory of a piece, not of a transaction.
            r = new LogScanner(io, logDir).readingLargeRecordsInPieces().scan(Lsn.NULL, envId, frame -> records[0]++);
        } catch (StorageException e) {
            Path file = e.file() != null ? e.file() : logDir;
            String prefix = file + ": ";
            String msg = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
            // The scanner's advice is for an environment; for a backup the remedy is another copy of the file.
            String problem = LogScanner.withoutAdvice(msg);
            if (!problem.equals(msg)) {
                msg = problem + "; the backup is damaged: restore this file from another copy, or take a new backup";
            }
            problems.add(new Problem(file, msg));
            return null;
        }
        if (r == null) {
            return null;
        }
        for (long seg : r.unusedSegments()) {
            notes.add(SegmentFiles.name(seg) + " was created but never begun (recovery removes it)");
        }
        String tail = null;
        if (r.tail() != null) {
            tail = "the last segment ends with an incomplete record at " + Lsn.toString(r.tail().lsn()) + " ("
                    + r.tail().problem() + "): it was copied while being written; recovery cuts it off";
            notes.add(tail);
        }
        if (r.endLsn() < end) {
            Path last = logDir.resolve(SegmentFiles.name(r.lastSegment()));
            problems.add(new Problem(last, "the log ends at LSN " + Lsn.toString(r.endLsn()) + ", before LSN "
                    + manifest.endLsn() + " that the backup copied it to: segments are missing or incomplete"));
        }
        return new LogSummary(segments.get(0), r.lastSegment(), records[0], Lsn.toString(r.endLsn()), tail);
    }

    private void verifyDataFiles(EnvironmentHome home, UUID envId) throws IOException {
        Path dataDir = home.dataDir();
        if (!Files.isDirectory(dataDir)) {
            return;
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(dataDir)) {
            files = s.filter(p -> EnvironmentHome.databaseName(p.getFileName().toString()) != null).sorted().toList();
        }
        for (Path p : files) {
            try (StorageFile f = io.open(p, false, false)) {
                DataFileHeader h = DataFile.readHeader(f, p);
                if (!envId.equals(h.environmentId())) {
                    problems.add(new Problem(p, "belongs to environment " + h.environmentId() + ", but this is a backup of "
                            + envId));
                }
            } catch (StorageException e) {
                String prefix = p + ": ";
                String msg = e.getMessage().startsWith(prefix) ? e.getMessage().substring(prefix.length()) : e.getMessage();
                problems.add(new Problem(p, msg));
            }
        }
    }

    /**
     * The data files and segments in the backup, relative and with '/' separators, as a manifest
     * lists them: in the directory itself, or in its {@code data/} and {@code log/}.
     */
    private List<String> backupFiles() throws IOException {
        List<String> out = new ArrayList<>();
        for (String sub : new String[] {"", "data", "log"}) {
            Path d = sub.isEmpty() ? dir : dir.resolve(sub);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> s = Files.list(d)) {
                for (Path p : (Iterable<Path>) s.sorted()::iterator) {
                    String name = p.getFileName().toString();
                    if (Files.isRegularFile(p) && (EnvironmentHome.databaseName(name) != null || SegmentFiles.number(name) > 0)) {
                        out.add(sub.isEmpty() ? name : sub + "/" + name);
                    }
                }
            }
        }
        return out;
    }
}
