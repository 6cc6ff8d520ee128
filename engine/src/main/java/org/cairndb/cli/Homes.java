package org.cairndb.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.io.FileIO;
import org.cairndb.util.RealPaths;

/** Checks a home before a command uses it, so that a typo never silently creates an environment. */
final class Homes {

    /**
     * The file layer every command opens environments with (and reads files with, see {@link #io()});
     * tests put one here that refuses writes (read-only media), that stops a procedure at a chosen
     * write (a process killed part way) or that fails a chosen read.
     */
    static volatile FileIO fileIOForTests;

    private Homes() {
    }

    /**
     * The file layer of the commands that read files without opening an environment (verify,
     * printlog, verifybackup, archive -l and its listings): {@link #fileIOForTests} if a test put
     * one there (to fail a read), else the plain one.
     */
    static FileIO io() {
        FileIO io = fileIOForTests;
        return io != null ? io : org.cairndb.io.NioFileIO.INSTANCE;
    }

    /** Where {@link #config()} takes its settings from, as an error about one of them names it. */
    static final String OVERRIDES_SOURCE = "-D option (CAIRN_JAVA_OPTS)";

    /**
     * The configuration every command opens an environment with: the JVM's {@code -Dcairn.*}
     * system properties that are configuration keys ({@code CAIRN_JAVA_OPTS=-Dcairn.cache.size=2g})
     * win over the home's {@code cairn.properties}, which may not be editable (a backup on
     * read-only media). Other {@code cairn.*} properties (the launcher's own) are not settings.
     */
    static EnvironmentConfig config() {
        java.util.Properties given = new java.util.Properties();
        for (String key : System.getProperties().stringPropertyNames()) {
            if (EnvironmentConfig.PROPERTY_KEYS.containsKey(key)) {
                given.setProperty(key, System.getProperty(key));
            } else if (inAConfigurationFamily(key)) {
                // cairn.cache.sise=4g: in cairn.properties it is refused; here it would be ignored,
                // and the open would go on without the setting the admin believes given.
                throw new CommandFailedException(ExitCodes.USAGE, OVERRIDES_SOURCE + ": " + key + " is no configuration"
                        + " key (the keys are " + new java.util.TreeSet<>(EnvironmentConfig.PROPERTY_KEYS.keySet()) + ")");
            }
        }
        try {
            EnvironmentConfig config = new EnvironmentConfig().overrides(given, OVERRIDES_SOURCE);
            FileIO io = fileIOForTests;
            return io == null ? config : config.fileIO(io);
        } catch (IllegalArgumentException e) {
            throw new CommandFailedException(ExitCodes.USAGE, e.getMessage());
        }
    }

    /**
     * Whether {@code key} shares its first part with a configuration key ({@code cairn.cache.} with
     * {@code cairn.cache.size}, {@code cairn.durability} itself): such a -D option can only be a
     * setting, mistyped. Other {@code cairn.*} properties (the launcher's {@code cairn.bench.home},
     * {@code cairn.debug}, the tests' seeds) are not settings.
     */
    private static boolean inAConfigurationFamily(String key) {
        if (!key.startsWith("cairn.")) {
            return false;
        }
        String family = familyOf(key);
        return EnvironmentConfig.PROPERTY_KEYS.keySet().stream().anyMatch(k -> familyOf(k).equals(family));
    }

    private static String familyOf(String key) {
        int dot = key.indexOf('.', "cairn.".length());
        return dot < 0 ? key : key.substring(0, dot);
    }

    /** Fails with a one-line reason unless {@code home} is an existing Cairn environment. */
    static Path requireEnvironment(Path home) {
        requireDirectory(home);
        EnvironmentHome h = EnvironmentHome.detect(home); // a flat backup (files side by side) is one too
        // An environment's data/ or log/ looks flat too; the commands that only read files (verify,
        // printlog, archive -l/-s) would take it as a home and succeed on it, open or not.
        String part = h.flat() ? EnvironmentHome.partOfAnEnvironment(home) : null;
        if (part != null) {
            throw new CommandFailedException(part);
        }
        if (!h.flat() && !Files.isDirectory(h.logDir()) && !Files.isDirectory(h.dataDir())) {
            throw new CommandFailedException(home + " is not a Cairn environment (it has no log/ or data/ directory)");
        }
        try {
            String mixed = EnvironmentHome.mixedLayout(h);
            if (mixed != null) {
                throw new CommandFailedException(mixed);
            }
        } catch (IOException e) {
            throw new CommandFailedException("cannot list " + home + ": " + Errors.oneLine(e));
        }
        return home;
    }

    /** Fails unless {@code home} is an existing directory (empty, or an environment). */
    static Path requireDirectory(Path home) {
        if (!Files.exists(home)) {
            throw new CommandFailedException("environment home " + home + " does not exist");
        }
        if (!Files.isDirectory(home)) {
            throw new CommandFailedException("environment home " + home + " is not a directory");
        }
        return home;
    }

    /**
     * Fails unless {@code home} is an environment or a directory one can be created in (empty but
     * for the lock and properties files), without writing anything: {@code load} checks this before
     * it reads its input, which it must do before the environment is created.
     */
    static Path requireEnvironmentOrEmpty(Path home) {
        requireDirectory(home);
        EnvironmentHome h = EnvironmentHome.detect(home);
        if (h.flat() || Files.isDirectory(h.logDir()) || Files.isDirectory(h.dataDir())) {
            return home;
        }
        List<String> others;
        try {
            others = EnvironmentHome.foreignEntries(home);
        } catch (IOException e) {
            throw new CommandFailedException("cannot list " + home + ": " + e.getMessage());
        }
        if (!others.isEmpty()) {
            throw new CommandFailedException(home + " is not a Cairn environment: it has no log/ or data/ directory but"
                    + " holds " + others + "; give an empty directory to create an environment there");
        }
        return home;
    }

    /**
     * Fails unless {@code file}, which a command is about to create or overwrite, lies outside the
     * environment's own files: anything under {@code data/} or {@code log/}, and in the home itself
     * the lock, configuration and manifest files, data files and segments (a flat backup holds them
     * there). {@code db_dump -f} names the output, and a user thinking of the database file would
     * otherwise overwrite it. Paths are compared by real path, so a symbolic link does not hide them.
     */
    static void requireOutsideEnvironmentFiles(Path home, Path file, String what) {
        if (isStream(file)) {
            return; // a pipe or a device (/dev/stdout, a shell's >(gzip > f)) cannot overwrite a file of the environment
        }
        try {
            EnvironmentHome layout = EnvironmentHome.detect(home);
            Path f = RealPaths.of(file);
            Path h = RealPaths.of(layout.home());
            String name = f.getFileName() == null ? "" : f.getFileName().toString();
            boolean inside = f.startsWith(RealPaths.of(h.resolve("data"))) || f.startsWith(RealPaths.of(h.resolve("log")))
                    || (h.equals(f.getParent()) && (name.equals(EnvironmentHome.LOCK_FILE)
                            || name.equals(EnvironmentConfig.PROPERTIES_FILE)
                            || name.equals(org.cairndb.backup.BackupManifest.FILE_NAME)
                            || EnvironmentHome.databaseName(name) != null
                            || org.cairndb.log.SegmentFiles.number(name) > 0));
            if (inside) {
                throw new CommandFailedException("cannot write the " + what + " " + file + ": it would overwrite or sit"
                        + " among the environment's own files in " + layout.home() + "; give a file elsewhere");
            }
        } catch (IOException e) {
            throw new CommandFailedException("cannot check the " + what + " " + file + ": " + Errors.oneLine(e));
        }
    }

    /**
     * Whether {@code file} exists and is neither a regular file nor a directory, following links: a
     * named pipe, a terminal or another device, such as {@code /dev/stdin} or the {@code /dev/fd/63} of
     * a shell's process substitution. Such a file is read or written as a stream: its real path may
     * name no file ({@code pipe:[1234]}) and it cannot be positioned.
     */
    static boolean isStream(Path file) {
        return Files.exists(file) && !Files.isRegularFile(file) && !Files.isDirectory(file);
    }

    /** Opens (running normal recovery) an environment that must already exist. */
    static Environment openExisting(Path home) {
        requireEnvironment(home);
        return Environment.open(home, config().allowCreate(false));
    }

    /**
     * Opens an environment that must already exist only to look at it: recovery runs in memory and
     * nothing in the directory is created, changed or deleted, so it works on read-only media too
     * (see {@link EnvironmentConfig#inspectOnly}).
     */
    static Environment openToInspect(Path home) {
        requireEnvironment(home);
        return Environment.open(home, inspectConfig());
    }

    /** The configuration of an open only to look. */
    static EnvironmentConfig inspectConfig() {
        return config().allowCreate(false).inspectOnly(true).checkpointerEnabled(false);
    }

    /**
     * Opens an environment that must already exist, for writing but without a checkpoint (see
     * {@link EnvironmentConfig#noCheckpoints}): where recovery starts stays where a look saw it.
     */
    static Environment openWithoutCheckpoints(Path home) {
        requireEnvironment(home);
        return Environment.open(home, config().allowCreate(false).noCheckpoints(true)
                .checkpointerEnabled(false));
    }

    /** Opens an environment, creating one if {@code home} is an empty directory. */
    static Environment openOrCreateIn(Path home) {
        requireDirectory(home);
        return Environment.open(home, config());
    }
}
