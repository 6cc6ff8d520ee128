package org.cairndb.env;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.cairndb.Environment;
import org.cairndb.EnvironmentLockedException;
import org.cairndb.TestSupport;
import org.cairndb.io.NioFileIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The environment lock within one JVM: released once, whoever closes it how often. */
class EnvironmentLockTest {

    @TempDir
    Path dir;

    /**
     * A lock closed a second time after the home was locked anew used to drop the new lock's claim
     * in this JVM: the next second open then went on to the lock file and, refused, closed its
     * channel, which drops the process's lock on the file (another process could then open it).
     */
    @Test
    void closingALockTwiceLeavesALaterLockOfTheSameHomeAlone() throws Exception {
        EnvironmentHome home = new EnvironmentHome(dir);
        EnvironmentLock first = EnvironmentLock.acquire(NioFileIO.INSTANCE, home);
        first.close();
        try (EnvironmentLock second = EnvironmentLock.acquire(NioFileIO.INSTANCE, home)) {
            first.close();
            EnvironmentLockedException e = assertThrows(EnvironmentLockedException.class,
                    () -> EnvironmentLock.acquire(NioFileIO.INSTANCE, home));
            assertTrue(e.getMessage().contains("(this process, which has it open already)"),
                    "refused before the lock file was touched: " + e.getMessage());
        }
    }

    /** Closes racing each other (and a checkpoint) all return, and the environment opens again. */
    @Test
    void concurrentClosesAllReturnAndTheEnvironmentOpensAgain() throws Exception {
        for (int round = 0; round < 5; round++) {
            Environment env = TestSupport.open(dir);
            env.openDatabase("d").put(null, TestSupport.b("k" + round), TestSupport.b("v"));
            CyclicBarrier start = new CyclicBarrier(3);
            List<CompletableFuture<Void>> closes = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                closes.add(CompletableFuture.runAsync(() -> {
                    try {
                        start.await(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                    env.close();
                }, org.cairndb.TestSupport.OWN_THREAD));
            }
            for (CompletableFuture<Void> c : closes) {
                c.get(60, TimeUnit.SECONDS);
            }
            try (Environment again = TestSupport.open(dir)) {
                assertTrue(again.openDatabase("d").count() == round + 1, "round " + round);
            }
        }
    }
}
