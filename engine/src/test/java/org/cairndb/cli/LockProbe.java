package org.cairndb.cli;

import java.nio.file.Path;
import org.cairndb.Environment;
import org.cairndb.EnvironmentLockedException;

/** Run in a child JVM by {@link EnvironmentLockAcrossProcessesTest}: tries to open an environment, says what happened. */
public final class LockProbe {

    private LockProbe() {
    }

    public static void main(String[] args) {
        try (Environment env = Environment.open(Path.of(args[0]))) {
            System.out.println("OPENED " + env.databaseNames().size());
        } catch (EnvironmentLockedException e) {
            System.out.println("LOCKED");
        }
    }
}
