package org.cairndb.recovery;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The helper threads of a recovery: daemons, so that a failed recovery leaves none behind that keeps the JVM up. */
final class RecoveryThreads {

    private RecoveryThreads() {
    }

    /** A single daemon thread called {@code name}, running what is submitted in order. */
    static ExecutorService single(String name) {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
