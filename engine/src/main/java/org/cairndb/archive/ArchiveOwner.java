package org.cairndb.archive;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Properties;
import java.util.UUID;
import org.cairndb.io.FileIO;
import org.cairndb.io.StorageFile;
import org.cairndb.util.RealPaths;

/**
 * Which environment home writes into an archive directory: the file {@value #FILE} there.
 *
 * <h2>Why</h2>
 * A hot backup, a failover copy or a plain copy of a home carries the home's {@code cairn.properties}
 * with it. With an absolute {@code cairn.archive.dir}, the copy opened for writing beside the
 * original would archive its own segments into the original's archive, under the very names the
 * original uses next (both logs go on from the same segment). Whichever comes second finds "already
 * exists and differs" and its archiving stops for good: the original's archive would then hold a
 * segment of another history, its continuous archiving and automatic log removal would stall, and a
 * catastrophic recovery from that archive would replay the copy's commits. PostgreSQL lets this
 * happen too (and gives restored clusters new timelines so that at least a point-in-time recovery
 * does not collide); here the archive remembers its writer instead, and a second writer is refused
 * before it copies anything.
 *
 * <h2>Rules</h2>
 * Checked before each archiving pass that has a segment to copy ({@link #claim}):
 * <ol>
 * <li>No owner file: this home claims the directory (writes the file), unless the newest segment
 *     already there belongs to another environment.</li>
 * <li>Owner file of another environment id: refused (two environments, one archive).</li>
 * <li>Same environment, this home: go on.</li>
 * <li>Same environment, another home: refused while that home still holds this environment (the
 *     original is alive: this is a copy), taken over with a note when it no longer does (its
 *     directory is gone or holds something else: a restore after the original was lost). It is also
 *     taken over when the file names another archive directory than this one: it was then copied or
 *     moved here with the directory, and its writer does not write here.</li>
 * </ol>
 * An admin takes an archive over explicitly with {@code cairn archive --take-over} (or
 * {@link #takeOver}): after a failover, while the old primary's home still exists.
 *
 * <h2>Format</h2>
 * Java properties text (ISO-8859-1 with {@code \\u} escapes), written to {@value #FILE}{@code .tmp},
 * forced and renamed into place:
 * <pre>
 * environment=&lt;environment id, a UUID&gt;
 * home=&lt;real path of the home that writes here&gt;
 * archive=&lt;real path of this archive directory when the home claimed it&gt;
 * claimed=&lt;ISO-8601 instant&gt;
 * </pre>
 */
public final class ArchiveOwner {

    public static final String FILE = "archive.owner";

    private static final System.Logger LOG = System.getLogger(ArchiveOwner.class.getName());

    /** What an owner file says. */
    public record Claim(UUID environment, Path home, Path archive, Instant claimed) {
    }

    private ArchiveOwner() {
    }

    /**
     * Makes sure the environment {@code environment} in {@code home} may write into
     * {@code archiveDir}, claiming the directory if no one has (see the class comment); throws,
     * saying whose archive it is and what to do, if it may not.
     */
    public static void claim(FileIO io, Path archiveDir, UUID environment, Path home) throws IOException {
        Decision d = decide(io, archiveDir, environment, home);
        if (d.refusal() != null) {
            throw new ArchiveOwnedException(d.refusal());
        }
        if (d.takeOverBecause() != null) {
            takeOver(io, archiveDir, environment, home, d.takeOverBecause());
        }
    }

    /**
     * What {@link #claim} would refuse, said without claiming or taking anything over (nothing is
     * written): a look at a copy (cairn archive -v) archives nothing, so it never meets the refusal
     * its archiving would. Null when the home may write there (or would take the archive over).
     */
    public static String refusal(FileIO io, Path archiveDir, UUID environment, Path home) throws IOException {
        return decide(io, archiveDir, environment, home).refusal();
    }

    /**
     * The rules of the class comment, decided without writing: a refusal (its message), a claim to
     * write or take over (with the reason for the log), or nothing to do (this home writes here).
     */
    private record Decision(String refusal, String takeOverBecause) {
        static final Decision OURS = new Decision(null, null);
    }

    private static Decision decide(FileIO io, Path archiveDir, UUID environment, Path home) throws IOException {
        Path ownHome = RealPaths.of(home);
        Claim c = read(io, archiveDir);
        try {
            requireSameEnvironment(io, archiveDir, c, environment, ownHome);
        } catch (ArchiveOwnedException e) {
            return new Decision(e.getMessage(), null);
        }
        if (c == null) {
            return new Decision(null, "no home had claimed it");
        } else if (c.home().equals(ownHome)) {
            return Decision.OURS;
        } else if (!c.archive().equals(RealPaths.of(archiveDir))) {
            return new Decision(null, "its owner file names " + c.archive() + " as the archive: it came here with the"
                    + " directory");
        } else if (!EnvironmentIdentity.stillHolds(io, c.home(), environment)) {
            return new Decision(null, c.home() + ", which wrote here, no longer holds this environment");
        }
        // Worded for either side: the copy opened beside its original, or the original after a copy
        // took the archive over.
        return new Decision(archiveDir + " is written by " + c.home() + ", which still holds this environment; this"
                + " home, " + ownHome + ", holds another copy of it (a restored backup, a failover copy, or the original"
                + " after a take-over), and archiving its segments there would put a second history under the names "
                + c.home() + " uses next. Point this home's cairn.archive.dir elsewhere, or, if it replaces " + c.home()
                + " for good, run: cairn archive -h " + ownHome + " --take-over", null);
    }

    /**
     * Makes {@code home} the writer of {@code archiveDir}, whichever home of the same environment was
     * (the admin's explicit take-over, or {@link #claim}'s); returns the claim it replaced, or null.
     * An archive of another environment is still refused.
     */
    public static Claim takeOver(FileIO io, Path archiveDir, UUID environment, Path home, String why) throws IOException {
        Path ownHome = RealPaths.of(home);
        Claim before = read(io, archiveDir);
        requireSameEnvironment(io, archiveDir, before, environment, ownHome);
        write(io, archiveDir, new Claim(environment, ownHome, RealPaths.of(archiveDir), Instant.now()));
        if (before != null && !before.home().equals(ownHome)) {
            LOG.log(System.Logger.Level.WARNING, "continuous archiving: " + ownHome + " took over " + archiveDir
                    + " from " + before.home() + (why != null ? " (" + why + ")" : ""));
        }
        return before;
    }

    /** What a take-over by {@code home} changed, given the claim it replaced ({@link #takeOver}'s result), for the admin. */
    public static String describeTakeOver(Path archiveDir, Path home, Claim before) throws IOException {
        String writes = archiveDir + ": continuous archiving of " + home + " writes here";
        if (before == null) {
            return writes + " (no home had claimed it yet)";
        }
        return before.home().equals(RealPaths.of(home)) ? writes + " (it already did)"
                : writes + " now, no longer that of " + before.home();
    }

    /** Refuses an archive directory that holds (by its owner file, or else by its newest segment) another environment's log. */
    private static void requireSameEnvironment(FileIO io, Path archiveDir, Claim c, UUID environment, Path ownHome)
            throws IOException {
        UUID other;
        String whose;
        if (c != null) {
            other = c.environment();
            whose = archiveDir + " is the archive of another environment (" + other + " in " + c.home() + ")";
        } else {
            other = newestSegmentOwner(io, archiveDir);
            whose = archiveDir + " holds log segments of another environment (" + other + ")";
        }
        if (other != null && !other.equals(environment)) {
            throw new ArchiveOwnedException(whose + ", not of this one (" + environment + " in " + ownHome + "): give"
                    + " each environment its own archive directory (cairn.archive.dir)");
        }
    }

    /** The owner file of {@code archiveDir}, or null if there is none. */
    public static Claim read(FileIO io, Path archiveDir) throws IOException {
        Path file = archiveDir.resolve(FILE);
        if (!io.exists(file)) {
            return null;
        }
        byte[] bytes;
        try (StorageFile f = io.open(file, false, false)) {
            long size = f.size();
            if (size > 64 * 1024) {
                throw new ArchiveOwnedException(file + " is " + size + " bytes long: not an archive owner file");
            }
            ByteBuffer b = ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && f.read(b, b.position()) > 0) {
                // read on
            }
            bytes = b.array();
        }
        Properties p = new Properties();
        p.load(new StringReader(new String(bytes, StandardCharsets.ISO_8859_1)));
        try {
            return new Claim(UUID.fromString(required(p, "environment", file)), Path.of(required(p, "home", file)),
                    Path.of(required(p, "archive", file)), Instant.parse(required(p, "claimed", file)));
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new ArchiveOwnedException(file + " is damaged (" + e.getMessage() + "); if only one environment"
                    + " home archives here, delete the file: that home's archiving writes it again");
        }
    }

    private static String required(Properties p, String key, Path file) {
        String v = p.getProperty(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("no " + key + "=");
        }
        return v.trim();
    }

    private static void write(FileIO io, Path archiveDir, Claim c) throws IOException {
        Properties p = new Properties();
        p.setProperty("environment", c.environment().toString());
        p.setProperty("home", c.home().toString());
        p.setProperty("archive", c.archive().toString());
        p.setProperty("claimed", c.claimed().toString());
        StringWriter text = new StringWriter();
        try {
            p.store(text, "Cairn: the environment home whose continuous archiving writes here."
                    + " See cairn archive --take-over.");
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        SegmentCopier.createOwnerOnlyDirectory(archiveDir);
        SegmentCopier.writeWhole(io, archiveDir.resolve(FILE), text.toString().getBytes(StandardCharsets.ISO_8859_1));
    }

    /** The environment id in the header of the newest segment in {@code archiveDir}, or null. */
    private static UUID newestSegmentOwner(FileIO io, Path archiveDir) throws IOException {
        java.util.List<Long> segments = org.cairndb.log.SegmentFiles.list(io, archiveDir);
        if (segments.isEmpty()) {
            return null;
        }
        return EnvironmentIdentity.segmentOwner(io, archiveDir, segments.get(segments.size() - 1));
    }
}
