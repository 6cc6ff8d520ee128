package org.cairndb.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.env.EnvironmentHome;

/** Checks a home before a command uses it, so that a typo never silently creates an environment. */
final class Homes {

    private Homes() {
    }

    /** Fails with a one-line reason unless {@code home} is an existing Cairn environment. */
    static Path requireEnvironment(Path home) {
        requireDirectory(home);
        EnvironmentHome h = EnvironmentHome.detect(home); // a flat backup (files side by side) is one too
        if (!h.flat() && !Files.isDirectory(h.logDir()) && !Files.isDirectory(h.dataDir())) {
            throw new CommandFailedException(home + " is not a Cairn environment (it has no log/ or data/ directory)");
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

    /** Opens (running normal recovery) an environment that must already exist. */
    static Environment openExisting(Path home) {
        requireEnvironment(home);
        return Environment.open(home, new EnvironmentConfig().allowCreate(false));
    }

    /** Opens an environment, creating one if {@code home} is an empty directory. */
    static Environment openOrCreateIn(Path home) {
        requireDirectory(home);
        return Environment.open(home, new EnvironmentConfig());
    }
}
