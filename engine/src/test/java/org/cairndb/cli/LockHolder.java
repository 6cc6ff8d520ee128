package org.cairndb.cli;

import java.nio.file.Path;
import org.cairndb.Environment;

/**
 * Run in a child JVM by {@link EnvironmentLockHolderTest}: opens an environment, says "OPEN", and
 * keeps it open until its standard input ends.
 */
public final class LockHolder {

    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        try (Environment env = Environment.open(Path.of(args[0]))) {
            System.out.println("OPEN " + ProcessHandle.current().pid());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close our input
            }
        }
    }
}
