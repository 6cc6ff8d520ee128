package org.cairndb.env;

import java.nio.file.Path;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;

/**
 * Run in a child JVM by {@link InspectOnlyLockTest}: opens an environment for writing
 * ({@code write}) or only to inspect it ({@code inspect}), says "OPEN", and keeps it open until its
 * standard input ends or gets a line; a refused open says "REFUSED" and the reason.
 */
public final class EnvironmentHolder {

    private EnvironmentHolder() {
    }

    public static void main(String[] args) throws Exception {
        EnvironmentConfig config = new EnvironmentConfig().allowCreate(false).inspectOnly(args[1].equals("inspect"));
        Environment env;
        try {
            env = Environment.open(Path.of(args[0]), config);
        } catch (RuntimeException e) {
            System.out.println("REFUSED " + e.getMessage());
            return;
        }
        try (env) {
            System.out.println("OPEN");
            System.out.flush();
            System.in.read();
        }
    }
}
