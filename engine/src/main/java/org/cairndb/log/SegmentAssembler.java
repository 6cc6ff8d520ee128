package org.cairndb.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.cairndb.StorageException;
import org.cairndb.io.FileIO;
import org.cairndb.util.Counted;

/**
 * Catastrophic recovery's first step: gathers log segments from several places (the environment's
 * own {@code log/}, its archive, restored backups) into {@code log/}. When more than one place holds
 * the same segment, the copies must agree wherever they all hold valid records: they are then
 * copies of one history taken at different moments, and the copy whose valid records reach
 * furthest wins (a copy archived when the segment was finished beats one taken while it was being
 * written, and a damaged or torn copy loses to a whole one); on a tie the one already in
 * {@code log/} stays. Copies whose headers or valid records differ are two histories (after a
 * point-in-time recovery the log goes on from the cut with new records, while an archive or an
 * older backup still holds the log from before it, often longer): choosing by length would bring
 * back what the recovery undid and lose what was committed since, so the assembly is refused,
 * naming both copies and the offset where they part, before anything is copied. Bytes after a
 * copy's valid end (zeros, a torn write) are not compared. The copies of a segment are read side by
 * side, once each, comparing records as they are validated (a record larger than a piece, 1 MiB,
 * is checked and compared a piece at a time, and so read twice). A copy of another environment, or one
 * with an unreadable header, never wins; but when every copy of a segment has a damaged header
 * over records, one is taken into {@code log/} all the same, so that recovery refuses it by name
 * rather than end the log before it. Copies are written under a temporary name, forced and
 * renamed, so an interrupted assembly leaves {@code log/} as it was or with whole segments.
 *
 * <p>An assembly can be taken back: a segment it replaces is kept aside under
 * {@code <name>.before-assembly} until {@link Assembly#commit()}, and {@link Assembly#rollback()}
 * puts {@code log/} back as it was. Recovery rolls back when it refuses to go on, so that a
 * refused catastrophic recovery changes nothing.
 */
public final class SegmentAssembler {

    private SegmentAssembler() {
    }

    private record Candidate(Path path, long validEnd) {
    }

    /** What an assembly changed in {@code log/}, to keep or to take back. */
    public static final class Assembly {
        private final FileIO io;
        private final Path logDir;
        private final List<String> notes = new ArrayList<>();
        private final List<Path> added = new ArrayList<>();
        private final List<Path> keptAside = new ArrayList<>();
        /** Where each segment copied into log/ came from, by its path in log/ (absolute, normalized). */
        private final Map<Path, Path> sources = new java.util.HashMap<>();
        /** The notes of copies left out (another environment's, an unreadable header), by segment. */
        private final Map<Long, List<String>> ignored = new TreeMap<>();

        private Assembly(FileIO io, Path logDir) {
            this.io = io;
            this.logDir = logDir;
        }

        /** One note per segment taken from elsewhere. */
        public List<String> notes() {
            return notes;
        }

        /** Keeps the assembly: drops the segments it replaced. */
        public void commit() throws IOException {
            for (Path p : keptAside) {
                io.delete(p);
            }
            keptAside.clear();
            added.clear();
        }

        /** Puts {@code log/} back as it was before the assembly. */
        public void rollback() throws IOException {
            for (Path p : added) {
                io.delete(p);
            }
            for (Path aside : keptAside) {
                String name = aside.getFileName().toString();
                io.rename(aside, aside.resolveSibling(name.substring(0, name.length() - KEPT_ASIDE_SUFFIX.length())));
            }
            io.syncDirectory(logDir);
            added.clear();
            keptAside.clear();
        }

        /** Records that {@code target} in log/ is a copy of {@code source}. */
        private void copied(Path target, Path source) {
            sources.put(target.toAbsolutePath().normalize(), source);
        }

        /**
         * {@code e}, thrown by the recovery of this assembly, naming the copy a segment was gathered
         * from instead of the segment's copy in log/, once {@link #rollback()} has taken that copy
         * out again: the message named a file that was no longer there, and never the damaged one (a
         * bad segment in a {@code --logs} directory or the archive), so the admin could not tell
         * which copy to replace or move away. Null when {@code e} names no segment this assembly
         * copied.
         */
        public StorageException namingSource(StorageException e) {
            Path inLog = e.file();
            Path source = inLog == null ? null : sources.get(inLog.toAbsolutePath().normalize());
            if (source == null) {
                return withIgnoredCopies(e);
            }
            return restated(e, source, " (the copy this catastrophic recovery gathered into " + logDir + " from there,"
                    + " and took out again: " + logDir + " is as it was)");
        }

        /**
         * {@code e} naming a segment of log/ that the assembly found copies of but left out (of
         * another environment, or with an unreadable header), with the notes saying so: "log segment
         * log.0000000030 is missing" alone, while a --logs directory visibly held a log.0000000030,
         * left the admin guessing; the notes that said why it was left out went only into the report
         * of a recovery that succeeded. Null when no copy of that segment was left out.
         */
        private StorageException withIgnoredCopies(StorageException e) {
            if (e.file() == null || !e.file().toAbsolutePath().normalize().getParent().equals(
                    logDir.toAbsolutePath().normalize())) {
                return null;
            }
            List<String> why = ignored.get(SegmentFiles.number(e.file().getFileName().toString()));
            if (why == null || why.isEmpty()) {
                return null;
            }
            return restated(e, e.file(), " (this catastrophic recovery found and " + String.join("; and ", why) + ")");
        }

        /**
         * {@code e} again, about {@code file}: its own words, without the prefix that named its file
         * (and offset), followed by {@code more}; {@code e} is kept as suppressed.
         */
        private static StorageException restated(StorageException e, Path file, String more) {
            String message = e.getMessage();
            String rest = message.startsWith(e.file() + ": ") ? message.substring(e.file().toString().length() + 2) : message;
            StorageException named;
            if (e instanceof org.cairndb.CorruptionException c) {
                String corrupt = "corrupt at offset " + c.offset() + ": ";
                named = new org.cairndb.CorruptionException(file, c.offset(),
                        (rest.startsWith(corrupt) ? rest.substring(corrupt.length()) : rest) + more);
            } else {
                named = new StorageException(file, rest + more, e.getCause());
            }
            named.addSuppressed(e);
            return named;
        }
    }

    /** What a segment kept aside by an assembly is named: its own name followed by this. */
    public static final String KEPT_ASIDE_SUFFIX = ".before-assembly";

    /**
     * Assembles segments from {@code sources} into {@code logDir}. {@code environmentId}, if not
     * null, is the only environment accepted. A segment left aside by an interrupted earlier
     * assembly is put back first. (A normal open of the environment since then has deleted it
     * instead: the log went on in the segment that replaced it.)
     *
     * <p>The replay starts at {@code startLsn} (the data files' checkpoint; {@link Lsn#NULL} for
     * none, when every segment is gathered). Segments before its segment are never read: they are
     * neither copied into {@code log/} nor compared (a restore from a long archive copied every
     * archived segment, doubling the disk it needed for nothing), and one note says how many were
     * left where they are.
     */
    public static Assembly assemble(FileIO io, Path logDir, List<Path> sources, UUID environmentId, long startLsn)
            throws IOException {
        Assembly assembly = new Assembly(io, logDir);
        for (String name : io.list(logDir)) {
            if (name.endsWith(KEPT_ASIDE_SUFFIX)) {
                io.rename(logDir.resolve(name), logDir.resolve(name.substring(0, name.length() - KEPT_ASIDE_SUFFIX.length())));
            }
        }
        // Every segment's copies are read and compared before anything is copied, so that a refusal
        // leaves log/ as it was.
        Map<Long, List<Candidate>> bySegment = new TreeMap<>();
        Map<Long, Path> damagedOnly = new TreeMap<>();
        Map<Long, List<Path>> copies = copiesBySegment(io, logDir, sources);
        noteBeforeStart(copies, logDir, startLsn, assembly.notes);
        if (startLsn != Lsn.NULL) {
            copies.keySet().removeIf(segment -> segment < Lsn.segment(startLsn));
        }
        for (Map.Entry<Long, List<Path>> e : copies.entrySet()) {
            List<Path> damaged = new ArrayList<>();
            List<String> left = new ArrayList<>();
            List<Candidate> usable = evaluate(io, e.getKey(), e.getValue(), environmentId, left, damaged);
            assembly.notes.addAll(left);
            if (!left.isEmpty()) {
                assembly.ignored.put(e.getKey(), left);
            }
            if (!usable.isEmpty()) {
                bySegment.put(e.getKey(), usable);
            } else if (!damaged.isEmpty()) {
                damagedOnly.put(e.getKey(), damaged.get(0));
            }
        }
        List<Taken> taken = new ArrayList<>();
        for (Map.Entry<Long, List<Candidate>> e : bySegment.entrySet()) {
            Candidate best = null;
            for (Candidate c : e.getValue()) {
                if (best == null || c.validEnd() > best.validEnd()) {
                    best = c;
                }
            }
            Path target = logDir.resolve(SegmentFiles.name(e.getKey()));
            if (best.path().equals(target)) {
                continue;
            }
            Candidate mine = e.getValue().stream().filter(c -> c.path().equals(target)).findFirst().orElse(null);
            if (mine != null) {
                Path aside = logDir.resolve(SegmentFiles.name(e.getKey()) + KEPT_ASIDE_SUFFIX);
                org.cairndb.archive.SegmentCopier.copyReplacing(io, target, aside, null);
                assembly.keptAside.add(aside);
            } else {
                assembly.added.add(target);
            }
            org.cairndb.archive.SegmentCopier.copyReplacing(io, best.path(), target, null);
            assembly.copied(target, best.path());
            if (mine != null) {
                assembly.notes.add(SegmentFiles.name(e.getKey()) + ": took the copy from " + best.path().getParent()
                        + " (valid to offset " + best.validEnd() + ") over the one in " + logDir + " (valid to offset " + mine.validEnd()
                        + ")");
            } else {
                taken.add(new Taken(e.getKey(), best.path().getParent(), best.validEnd()));
            }
        }
        // A segment whose every copy has a damaged header but holds records: left out, the log would
        // end before it (or have a gap) and recovery would drop its commits without a word. In log/,
        // recovery refuses it by name where it needs it (as it refuses such a segment in a normal
        // open), and one before the recovery start is never read.
        for (Map.Entry<Long, Path> e : damagedOnly.entrySet()) {
            Path target = logDir.resolve(SegmentFiles.name(e.getKey()));
            if (e.getValue().equals(target)) {
                continue;
            }
            assembly.added.add(target);
            org.cairndb.archive.SegmentCopier.copyReplacing(io, e.getValue(), target, null);
            assembly.copied(target, e.getValue());
            assembly.notes.add(SegmentFiles.name(e.getKey()) + ": the only copy, from " + e.getValue().getParent()
                    + ", has a damaged header but holds records; taken into log/, where recovery stops at it if it needs it");
        }
        noteRuns(taken, assembly.notes);
        return assembly;
    }

    /** One note for the segments before {@code startLsn} that only other directories hold: they stay there. */
    private static void noteBeforeStart(Map<Long, List<Path>> copies, Path logDir, long startLsn, List<String> notes) {
        if (startLsn == Lsn.NULL) {
            return;
        }
        long first = -1;
        long last = -1;
        int count = 0;
        for (Map.Entry<Long, List<Path>> e : copies.entrySet()) {
            if (e.getKey() >= Lsn.segment(startLsn)) {
                break;
            }
            if (!e.getValue().get(0).getParent().equals(logDir)) { // log/'s own copy is listed first
                first = first < 0 ? e.getKey() : first;
                last = e.getKey();
                count++;
            }
        }
        if (count > 0) {
            notes.add(Counted.of(count, "segment") + " from " + SegmentFiles.name(first)
                    + (count > 1 ? " to " + SegmentFiles.name(last) + " lie" : " lies") + " before where the data files' replay"
                    + " starts (" + Lsn.toString(startLsn) + "): not needed, left where they are");
        }
    }

    /** A segment that {@code log/} lacked, copied from {@code from}. */
    private record Taken(long segment, Path from, long validEnd) {
    }

    /**
     * One note per run of consecutive segments taken from the same place, so that a restore with a
     * thousand archived segments reports a line, not a thousand.
     */
    private static void noteRuns(List<Taken> taken, List<String> notes) {
        int i = 0;
        while (i < taken.size()) {
            int j = i;
            while (j + 1 < taken.size() && taken.get(j + 1).segment() == taken.get(j).segment() + 1
                    && taken.get(j + 1).from().equals(taken.get(i).from())) {
                j++;
            }
            Taken first = taken.get(i);
            if (j == i) {
                notes.add(SegmentFiles.name(first.segment()) + ": took the copy from " + first.from() + " (valid to offset "
                        + first.validEnd() + ")");
            } else {
                notes.add(SegmentFiles.name(first.segment()) + " to " + SegmentFiles.name(taken.get(j).segment()) + " ("
                        + Counted.of(j - i + 1, "segment") + "): took the copies from " + first.from());
            }
            i = j + 1;
        }
    }

    /**
     * Every copy of every segment in {@code logDir} (first, so that it keeps a tie) and the other
     * directories, each directory once.
     */
    private static Map<Long, List<Path>> copiesBySegment(FileIO io, Path logDir, List<Path> sources) throws IOException {
        Map<Path, Path> dirs = new LinkedHashMap<>(); // by where they are, as given
        dirs.put(logDir.toAbsolutePath().normalize(), logDir);
        for (Path s : sources) {
            if (Files.isDirectory(s)) {
                dirs.putIfAbsent(s.toAbsolutePath().normalize(), s);
            }
        }
        Map<Long, List<Path>> copies = new TreeMap<>();
        for (Path dir : dirs.values()) {
            for (long seg : SegmentFiles.list(io, dir)) {
                copies.computeIfAbsent(seg, k -> new ArrayList<>()).add(dir.resolve(SegmentFiles.name(seg)));
            }
        }
        return copies;
    }

    /** A copy of a segment being read. */
    private record Reading(Path path, SegmentReader reader) {
    }

    /**
     * How far the valid records of each usable copy of {@code segment} reach (a copy whose header
     * is unusable or of another environment is left out). The copies are read side by side, once
     * each, and must agree wherever they both hold valid records: see {@link #readSideBySide}.
     */
    private static List<Candidate> evaluate(FileIO io, long segment, List<Path> paths, UUID environmentId,
            List<String> notes, List<Path> damaged) throws IOException {
        List<Reading> copies = new ArrayList<>();
        try {
            for (Path p : paths) {
                SegmentReader r = open(io, p, segment, environmentId, notes, damaged);
                if (r != null) {
                    copies.add(new Reading(p, r));
                }
            }
            requireSameHeader(copies);
            readSideBySide(copies);
            List<Candidate> out = new ArrayList<>();
            for (Reading c : copies) {
                out.add(new Candidate(c.path(), c.reader().offset()));
            }
            return out;
        } finally {
            for (Reading c : copies) {
                c.reader().close();
            }
        }
    }

    /**
     * A reader of the copy at {@code path}; null, with a note saying why, if its header is unusable
     * or of another environment (a --logs directory given by mistake is named, not silently skipped).
     */
    private static SegmentReader open(FileIO io, Path path, long segment, UUID environmentId, List<String> notes,
            List<Path> damaged) throws IOException {
        SegmentReader r;
        try {
            // Two copies of a segment are read side by side: records beyond a piece are checked and
            // compared a piece at a time, never held whole (a COMMIT may be tens of MiB).
            r = SegmentReader.open(io, path, segment).holdingRecordsUpTo(SegmentReader.PIECE);
        } catch (IllegalArgumentException e) {
            notes.add("ignored " + path + ": its header is unreadable (" + e.getMessage() + ")");
            noteDamaged(io, path, segment, damaged);
            return null;
        }
        if (r.header() == null) {
            r.close();
            noteDamaged(io, path, segment, damaged); // unless created but never begun: nothing in it
            return null;
        }
        if (environmentId != null && !environmentId.equals(r.header().environmentId())) {
            notes.add("ignored " + path + ": it belongs to environment " + r.header().environmentId() + ", not to this one ("
                    + environmentId + ")");
            r.close();
            return null;
        }
        return r;
    }

    /** Adds {@code path} to {@code damaged} if records follow its unusable header (see {@link SegmentReader#neverBegun}). */
    private static void noteDamaged(FileIO io, Path path, long segment, List<Path> damaged) throws IOException {
        if (!SegmentReader.neverBegun(io, path, segment)) {
            damaged.add(path);
        }
    }

    /**
     * Two copies of one segment with different headers were begun at different times: the same
     * segment number started twice, once in each of two histories.
     */
    private static void requireSameHeader(List<Reading> copies) {
        for (int i = 1; i < copies.size(); i++) {
            int at = copies.get(0).reader().header().encode().mismatch(copies.get(i).reader().header().encode());
            if (at >= 0) {
                throw differentHistories(copies.get(0).path(), copies.get(i).path(), at);
            }
        }
    }

    /**
     * Reads the copies record by record in step, until each reaches the end of its valid records.
     * Copies that agree stay at the same offset, and where two of them both read a valid record
     * they must hold the same bytes. Length alone cannot choose between copies that differ there:
     * the longer one may be the log from before a point-in-time recovery, which brings back what
     * the recovery undid and loses what was committed since. Bytes past a copy's valid end (zeros,
     * or a torn write) are never compared: they are not part of its history.
     */
    private static void readSideBySide(List<Reading> copies) throws IOException {
        List<Reading> reading = new ArrayList<>(copies);
        while (!reading.isEmpty()) {
            Reading first = null;
            for (Iterator<Reading> it = reading.iterator(); it.hasNext(); ) {
                Reading c = it.next();
                if (c.reader().next() != SegmentReader.Stop.RECORD) {
                    it.remove(); // its offset is where its valid records end
                } else if (first == null) {
                    first = c;
                } else {
                    long at = first.reader().firstDifference(c.reader());
                    if (at >= 0) {
                        throw differentHistories(first.path(), c.path(), at);
                    }
                }
            }
        }
    }

    private static StorageException differentHistories(Path a, Path b, long offset) {
        return new StorageException(a, "differs from " + b + " from offset " + offset + " on, where both hold valid log"
                + " records: the two copies belong to different histories of the environment (after a point-in-time"
                + " recovery, for instance, an archive or a backup still holds the log from before it), and catastrophic"
                + " recovery does not choose between them; give only the directories of the history wanted (the"
                + " environment's archive directory, cairn.archive.dir, is always read: if it holds the other history,"
                + " move those segments out of it or point cairn.archive.dir elsewhere); the log is unchanged",
                null);
    }
}
