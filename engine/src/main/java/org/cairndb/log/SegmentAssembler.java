package org.cairndb.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.cairndb.io.FileIO;
import org.cairndb.io.StorageFile;

/**
 * Catastrophic recovery's first step: gathers log segments from several places (the environment's
 * own {@code log/}, its archive, restored backups) into {@code log/}. When more than one place holds
 * the same segment, the copy whose valid records reach furthest wins (a copy archived when the
 * segment was finished beats one taken while it was being written, and a damaged copy loses to a
 * whole one); on a tie the one already in {@code log/} stays. A copy of another environment, or one
 * with an unreadable header, never wins. Copies are written under a temporary name, forced and
 * renamed, so an interrupted assembly leaves {@code log/} as it was or with whole segments.
 */
public final class SegmentAssembler {

    private SegmentAssembler() {
    }

    private record Candidate(Path path, long validEnd, long modified) {
    }

    /**
     * Assembles segments from {@code sources} into {@code logDir}. Returns one note per segment
     * taken from elsewhere. {@code environmentId}, if not null, is the only environment accepted.
     */
    public static List<String> assemble(FileIO io, Path logDir, List<Path> sources, UUID environmentId) throws IOException {
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
        List<String> notes = new ArrayList<>();
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
            copy(io, best.path(), target);
            Candidate mine = e.getValue().stream().filter(c -> c.path().equals(target)).findFirst().orElse(null);
            notes.add(SegmentFiles.name(e.getKey()) + ": took the copy from " + best.path().getParent() + " (valid to offset "
                    + best.validEnd() + ")" + (mine == null ? "" : " over the one in log/ (valid to offset " + mine.validEnd() + ")"));
        }
        return notes;
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

    private static void copy(FileIO io, Path from, Path to) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".assemble.tmp");
        try (StorageFile in = io.open(from, false, false); StorageFile out = io.open(tmp, true, true)) {
            out.truncate(0);
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long pos = 0;
            while (true) {
                buf.clear();
                int n = in.read(buf, pos);
                if (n <= 0) {
                    break;
                }
                buf.flip();
                out.write(buf, pos);
                pos += n;
            }
            out.force(true);
        }
        io.rename(tmp, to);
        io.syncDirectory(to.getParent());
    }
}
