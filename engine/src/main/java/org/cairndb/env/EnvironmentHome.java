package org.cairndb.env;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.cairndb.log.SegmentFiles;
import org.cairndb.storage.DataFile;

/**
 * The layout of an environment's home directory. Every path is relative to the home, so a whole
 * environment can be copied or restored elsewhere.
 *
 * <pre>
 * &lt;home&gt;/
 *   cairn.properties    configuration (optional)
 *   cairn.lock          held by the process that has the environment open
 *   data/&lt;name&gt;.cdb    one file per database
 *   log/log.0000000001  log segments
 *   archive/            default target of continuous log archiving
 * </pre>
 *
 * A <em>flat</em> home holds the data files and log segments side by side, with no {@code data/} or
 * {@code log/} directory: the default layout of a hot backup, as with Berkeley DB's
 * {@code db_hotbackup}. It opens like any other.
 */
public record EnvironmentHome(Path home, boolean flat) {

    public static final String LOCK_FILE = "cairn.lock";

    public EnvironmentHome {
        home = home.toAbsolutePath().normalize();
    }

    public EnvironmentHome(Path home) {
        this(home, false);
    }

    /** The layout of an existing directory: flat when it has no data/ or log/ but holds data files or segments. */
    public static EnvironmentHome detect(Path home) {
        Path h = home.toAbsolutePath().normalize();
        if (Files.isDirectory(h.resolve("data")) || Files.isDirectory(h.resolve("log")) || !Files.isDirectory(h)) {
            return new EnvironmentHome(h, false);
        }
        try (Stream<Path> s = Files.list(h)) {
            boolean flat = s.map(p -> p.getFileName().toString())
                    .anyMatch(n -> SegmentFiles.number(n) > 0 || databaseName(n) != null);
            return new EnvironmentHome(h, flat);
        } catch (IOException e) {
            return new EnvironmentHome(h, false);
        }
    }

    public Path dataDir() {
        return flat ? home : home.resolve("data");
    }

    public Path logDir() {
        return flat ? home : home.resolve("log");
    }

    public Path archiveDir() {
        return home.resolve("archive");
    }

    public Path lockFile() {
        return home.resolve(LOCK_FILE);
    }

    public Path dataFile(String dbName) {
        return dataDir().resolve(dbName + DataFile.SUFFIX);
    }

    /**
     * Up to five names (sorted) in directory {@code home} other than the two files a new
     * environment may find there already (its {@code cairn.properties} and lock file): what keeps
     * a directory from becoming an environment.
     */
    public static List<String> foreignEntries(Path home) throws IOException {
        try (Stream<Path> s = Files.list(home)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals(org.cairndb.EnvironmentConfig.PROPERTIES_FILE) && !n.equals(LOCK_FILE))
                    .sorted().limit(5).toList();
        }
    }

    /**
     * Why {@code dir} is no home, if it is the {@code data/} or {@code log/} directory of an
     * environment (so named, beside its sibling): given as the home by mistake, it looks like a flat
     * backup (data files, or segments, side by side), and taken as one it would be reported as
     * missing its log, or listed and verified as a tiny environment. Null if it is not such a part.
     */
    public static String partOfAnEnvironment(Path dir) {
        Path h = dir.toAbsolutePath().normalize();
        Path parent = h.getParent();
        Path name = h.getFileName();
        if (parent == null || name == null) {
            return null;
        }
        String sibling = switch (name.toString()) {
            case "data" -> "log";
            case "log" -> "data";
            default -> null;
        };
        if (sibling == null || !Files.isDirectory(parent.resolve(sibling))) {
            return null;
        }
        return h + " is the " + name + "/ directory of the environment in " + parent
                + ", not an environment itself: give " + parent + " as the home";
    }

    /**
     * Why {@code home} cannot be used, if it holds {@code data/} or {@code log/} and also data files
     * or log segments at its top level: a flat backup copied over an environment (or an
     * environment's directories copied into a flat backup). Only {@code data/} and {@code log/}
     * would be read, so a restore of the copied files would silently restore nothing (and a
     * catastrophic recovery report success). Null if the layout is one or the other.
     */
    public static String mixedLayout(EnvironmentHome home) throws IOException {
        if (home.flat() || !(Files.isDirectory(home.dataDir()) || Files.isDirectory(home.logDir()))) {
            return null;
        }
        List<String> loose;
        try (Stream<Path> s = Files.list(home.home())) {
            loose = s.map(p -> p.getFileName().toString())
                    .filter(n -> SegmentFiles.number(n) > 0 || databaseName(n) != null)
                    .sorted().toList();
        }
        if (loose.isEmpty()) {
            return null;
        }
        return home.home() + " holds data/ and log/ and also " + loose.size() + " data file(s) or log segment(s)"
                + " at its top level (" + String.join(", ", loose.subList(0, Math.min(3, loose.size())))
                + (loose.size() > 3 ? ", ..." : "") + "), as when a flat backup is copied over an environment;"
                + " only data/ and log/ would be used. Restore a flat backup into an empty directory (or move its"
                + " data files into data/ and its segments into log/), or move the loose files away";
    }

    /** The database name of a data file name, or null if it is not one. */
    public static String databaseName(String fileName) {
        return fileName.endsWith(DataFile.SUFFIX) && fileName.length() > DataFile.SUFFIX.length()
                ? fileName.substring(0, fileName.length() - DataFile.SUFFIX.length()) : null;
    }
}
