package org.cairndb.env;

import java.nio.file.Path;
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
 */
public record EnvironmentHome(Path home) {

    public static final String LOCK_FILE = "cairn.lock";

    public EnvironmentHome {
        home = home.toAbsolutePath().normalize();
    }

    public Path dataDir() {
        return home.resolve("data");
    }

    public Path logDir() {
        return home.resolve("log");
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

    /** The database name of a data file name, or null if it is not one. */
    public static String databaseName(String fileName) {
        return fileName.endsWith(DataFile.SUFFIX) && fileName.length() > DataFile.SUFFIX.length()
                ? fileName.substring(0, fileName.length() - DataFile.SUFFIX.length()) : null;
    }
}
