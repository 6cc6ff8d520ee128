package org.cairndb.log;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.cairndb.io.FileIO;

/**
 * Catastrophic recovery's first step: gathers log segments from several places (the environment's
 * own {@code log/}, its archive, restored backups) into {@code log/}. When more than one place holds
 * the same segment, the copy whose valid records reach furthest wins (a copy archived when the
 * segment was finished beats one taken while it was being written, and a damaged copy loses to a
 * whole one); on a tie the one already in {@code log/} stays. A copy of another environment, or one
 * with an unreadable header, never wins. Copies are written under a temporary name, forced and
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

    private record Candidate(Path path, long validEnd, long modified) {
    }

    /** What an assembly changed in {@code log/}, to keep or to take back. */
    public static final class Assembly {
        private final FileIO io;
        private final Path logDir;
        private final List<String> notes = new ArrayList<>();
        private final List<Path> added = new ArrayList<>();
        private final List<Path> keptAside = new ArrayList<>();

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
                io.rename(aside, aside.resolveSibling(name.substring(0, name.length() - ASIDE.length())));
            }
            io.syncDirectory(logDir);
            added.clear();
            keptAside.clear();
        }
    }

    private static final String ASIDE = ".before-assembly";

    /**
     * Assembles segments from {@code sources} into {@code logDir}. {@code environmentId}, if not
     * null, is the only environment accepted. A segment left aside by an interrupted earlier
     * assembly is put back first.
     */
    public static Assembly assemble(FileIO io, Path logDir, List<Path> sources, UUID environmentId) throws IOException {
        Assembly assembly = new Assembly(io, logDir);
        for (String name : io.list(logDir)) {
            if (name.endsWith(ASIDE)) {
                io.rename(logDir.resolve(name), logDir.resolve(name.substring(0, name.length() - ASIDE.length())));
            }
        }
        Map<Long, List<Candidate>> bySegment = new TreeMap<>();
        List<Path> dirs = new ArrayList<>();
        dirs.add(logDir);
        for (Path s : sources) {
            if (!s.toAbsolutePath().normalize().equals(logDir.toAbsolutePath().normalize()) && Files.isDirectory(s)) {
                dirs.add(s);
            }
        }
        for (Path dir : dirs) {
            for (long seg : SegmentFiles.list(io, dir)) {
                Path p = dir.resolve(SegmentFiles.name(seg));
                Candidate c = evaluate(io, p, seg, environmentId);
                if (c != null) {
                    bySegment.computeIfAbsent(seg, k -> new ArrayList<>()).add(c);
                }
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
                Path aside = logDir.resolve(SegmentFiles.name(e.getKey()) + ASIDE);
                org.cairndb.archive.SegmentCopier.copyReplacing(io, target, aside, null);
                assembly.keptAside.add(aside);
            } else {
                assembly.added.add(target);
            }
            org.cairndb.archive.SegmentCopier.copyReplacing(io, best.path(), target, null);
            if (mine != null) {
                assembly.notes.add(SegmentFiles.name(e.getKey()) + ": took the copy from " + best.path().getParent()
                        + " (valid to offset " + best.validEnd() + ") over the one in log/ (valid to offset " + mine.validEnd()
                        + ")");
            } else {
                taken.add(new Taken(e.getKey(), best.path().getParent(), best.validEnd()));
            }
        }
        noteRuns(taken, assembly.notes);
        return assembly;
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
                        + (j - i + 1) + " segments): took the copies from " + first.from());
            }
            i = j + 1;
        }
    }

    /** How far a copy's valid records reach; null if its header is unusable or of another environment. */
    private static Candidate evaluate(FileIO io, Path path, long segment, UUID environmentId) throws IOException {
        try (SegmentReader r = SegmentReader.open(io, path, segment)) {
            if (r.header() == null || (environmentId != null && !environmentId.equals(r.header().environmentId()))) {
                return null;
            }
            while (r.next() == SegmentReader.Stop.RECORD) {
                // walk to the end of the valid records
            }
            return new Candidate(path, r.offset(), Files.getLastModifiedTime(path).toMillis());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
