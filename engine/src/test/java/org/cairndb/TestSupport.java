package org.cairndb;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/** Small helpers shared by the engine's API tests. */
public final class TestSupport {

    /**
     * Runs each task on a thread of its own, for {@code CompletableFuture.supplyAsync(task,
     * OWN_THREAD)}: tests use such tasks to block (on a lock, a full disk, a close), and without an
     * executor they ran in the common pool, which on a 2-core machine has one thread on Java 25: the
     * second blocking task of a test queued behind the first and never started (Java 17 gave every
     * task its own thread when the pool was that small).
     */
    public static final java.util.concurrent.Executor OWN_THREAD = task -> {
        Thread t = new Thread(task, "test-task");
        t.setDaemon(true);
        t.start();
    };

    private TestSupport() {
    }

    public static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String s(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /** A configuration for tests: small cache, no background checkpoints, short lock timeout. */
    public static EnvironmentConfig config() {
        return new EnvironmentConfig().cacheSize(16L << 20).checkpointerEnabled(false)
                .lockTimeout(Duration.ofSeconds(2)).pageReuseDelay(Duration.ZERO).logSegmentSize(1L << 20);
    }

    public static Environment open(Path dir) {
        return Environment.open(dir, config());
    }

    /** Copies a directory tree as a plain file copy would, leaving out an environment's lock file. */
    public static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else if (!p.getFileName().toString().equals("cairn.lock")) {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    /** Deletes a directory tree if it exists (as losing the disk that held it would). */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Waits (at most 20 seconds) until {@code condition} holds; fails naming {@code what} otherwise. */
    public static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    /** Wakes continuous archiving until every segment finished so far is archived without an error. */
    public static void awaitArchived(Environment env) throws InterruptedException {
        long finished = env.internals().log().currentSegment() - 1;
        awaitTrue(() -> {
            env.internals().archiver().wake();
            org.cairndb.ArchiveStatus s = env.internals().archiveStatus();
            return s.lastArchivedSegment() >= finished && s.lastError() == null;
        }, "every finished segment (up to " + finished + ") archived");
    }

    /** Forces checkpoints, one after another, on {@code pool} for as long as {@code running} holds. */
    public static java.util.concurrent.Future<?> checkpointWhile(java.util.concurrent.ExecutorService pool, Environment env,
            java.util.concurrent.atomic.AtomicBoolean running) {
        return pool.submit(() -> {
            while (running.get()) {
                env.checkpoint(true);
            }
            return null;
        });
    }

    /**
     * Waits for {@code writers}, then clears {@code running} (also when a writer failed) and waits
     * for {@code others}; each wait at most {@code seconds}. A failure in any task is thrown.
     */
    public static void finish(java.util.List<java.util.concurrent.Future<?>> writers,
            java.util.concurrent.atomic.AtomicBoolean running, java.util.List<java.util.concurrent.Future<?>> others,
            long seconds) throws Exception {
        try {
            for (java.util.concurrent.Future<?> f : writers) {
                f.get(seconds, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            running.set(false);
        }
        for (java.util.concurrent.Future<?> f : others) {
            f.get(seconds, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
