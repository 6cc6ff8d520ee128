package org.cairndb.env;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cairndb.CairnException;
import org.cairndb.EnvironmentConfig;
import org.cairndb.StorageException;
import org.cairndb.io.FileIO;
import org.cairndb.log.SegmentFiles;

/**
 * Checks an environment's home before it is locked and opened, and creates what a new environment
 * needs when that is allowed. Everything that can refuse a home refuses it here, before anything
 * is written: an open that may not create an environment must leave a directory that is none
 * exactly as it found it.
 */
final class HomeCheck {

    private HomeCheck() {
    }

    /**
     * Continuous archiving into the home itself, its log directory or its data directory (or below
     * them; in a flat home, the home itself) is refused before anything opens: the archived copy of a segment would be the segment
     * itself (or a file among the environment's), and removing the log once archived (automatic
     * removal, cairn archive -d) would then remove the only copy.
     */
    static void refuseArchiveAmongOwnFiles(EnvironmentHome home, EnvironmentConfig config) {
        if (!config.archiveEnabled()) {
            return;
        }
        try {
            Path archive = org.cairndb.util.RealPaths.of(config.archiveDirectory(home.home()));
            Path h = org.cairndb.util.RealPaths.of(home.home());
            Path log = org.cairndb.util.RealPaths.of(home.logDir());
            Path data = org.cairndb.util.RealPaths.of(home.dataDir());
            // A flat home (a hot backup opened as is) keeps its files at its top level: a directory
            // below it (its default archive/) is apart from them.
            if (archive.equals(h) || !home.flat() && (archive.startsWith(log) || archive.startsWith(data))) {
                throw new CairnException("cairn.archive.dir " + config.archiveDirectory(home.home()) + " is "
                        + (archive.equals(h) ? "the environment's home" : "inside the environment's "
                        + (archive.startsWith(log) ? "log directory " + home.logDir() : "data directory " + home.dataDir()))
                        + ": an archived segment there is no copy, and removing the log would remove it; choose a"
                        + " directory outside data/ and log/ (by default archive/ in the home)");
            }
        } catch (IOException e) {
            throw new StorageException(home.home(), "cannot check the archive directory: " + e.getMessage(), e);
        }
    }

    /** Checks or creates the home; returns true if the environment is new. */
    static boolean prepare(EnvironmentHome home, EnvironmentConfig config, FileIO io) {
        Path h = home.home();
        refuseArchiveAmongOwnFiles(home, config);
        // An open only to inspect creates nothing, whatever allowCreate says.
        boolean mayCreate = config.allowCreate() && !config.inspectOnly();
        try {
            if (!Files.exists(h)) {
                if (!mayCreate) {
                    throw new CairnException("environment home " + h + " does not exist (and creating it was not allowed)");
                }
                io.createDirectories(h);
            } else if (!Files.isDirectory(h)) {
                throw new CairnException("environment home " + h + " is not a directory");
            }
            if (home.flat()) {
                refusePartOfAnEnvironment(h);
                return false; // a flat backup: data files and segments side by side
            }
            boolean hasLog = Files.isDirectory(home.logDir());
            boolean hasData = Files.isDirectory(home.dataDir());
            String mixed = EnvironmentHome.mixedLayout(home);
            if (mixed != null) {
                throw new CairnException("cannot open the environment: " + mixed);
            }
            if (!hasLog && !hasData) {
                refuseForeignDirectory(h);
                if (!mayCreate) {
                    throw new CairnException(h + " is not a Cairn environment (no log/ or data/ directory)");
                }
            }
            if (!mayCreate) {
                requireSomethingToOpen(home, config, io);
            }
            if (!config.inspectOnly()) {
                io.createDirectories(home.dataDir());
                io.createDirectories(home.logDir());
            }
            return !hasLog && !hasData;
        } catch (IOException e) {
            throw new StorageException(h, "cannot prepare the environment home: " + e.getMessage(), e);
        }
    }

    /** The data/ or log/ directory of an environment is refused as a home (see EnvironmentHome). */
    private static void refusePartOfAnEnvironment(Path h) {
        String reason = EnvironmentHome.partOfAnEnvironment(h);
        if (reason != null) {
            throw new CairnException(reason);
        }
    }

    /** A directory holding other things than an environment's is never turned into one. */
    private static void refuseForeignDirectory(Path h) throws IOException {
        List<String> others = EnvironmentHome.foreignEntries(h);
        if (!others.isEmpty()) {
            throw new CairnException(h + " is not a Cairn environment: it has no log/ or data/ directory but holds "
                    + others + "; give an empty or new directory to create an environment there");
        }
    }

    /**
     * An existing environment has data files or log segments; empty {@code data/} and {@code log/}
     * directories are not one (opening them anyway created a new environment in them). Catastrophic
     * recovery may find its segments elsewhere, in the archive directory and the extra log sources,
     * which it copies into {@code log/} first: then those count too.
     */
    private static void requireSomethingToOpen(EnvironmentHome home, EnvironmentConfig config, FileIO io)
            throws IOException {
        if (hasDataFiles(io, home.dataDir()) || !SegmentFiles.list(io, home.logDir()).isEmpty()) {
            return;
        }
        List<Path> sources = new ArrayList<>();
        if (config.catastrophicRecovery()) {
            sources.add(config.archiveDirectory(home.home()));
            sources.addAll(config.logSources());
            for (Path source : sources) {
                if (!SegmentFiles.list(io, source).isEmpty()) {
                    return;
                }
            }
        }
        throw new CairnException(home.home() + " is not a Cairn environment: it has no data files (data/*.cdb) and no log"
                + " segments (log/log.*)" + (sources.isEmpty() ? "" : ", nor are there any segments in " + sources)
                + "; nothing was created there");
    }

    private static boolean hasDataFiles(FileIO io, Path dataDir) throws IOException {
        for (String name : io.list(dataDir)) {
            if (EnvironmentHome.databaseName(name) != null) {
                return true;
            }
        }
        return false;
    }
}
