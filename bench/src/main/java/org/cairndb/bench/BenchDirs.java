package org.cairndb.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fresh, throw-away store directories. They live in {@code bench/target/bench-data} (beside
 * benchmarks.jar), or under {@code -Dbench.dir=...}: on the project's disk, not in a tmpfs /tmp,
 * because forcing the log to a real disk is what durable benchmarks measure.
 */
public final class BenchDirs {

    private BenchDirs() {
    }

    public static Path root() {
        String configured = System.getProperty("bench.dir");
        if (configured != null) {
            return Path.of(configured).toAbsolutePath();
        }
        try {
            Path code = Path.of(BenchDirs.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // .../bench/target/benchmarks.jar or .../bench/target/classes: both sit in target/.
            return code.getParent().resolve("bench-data");
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("target", "bench-data").toAbsolutePath();
        }
    }

    /** A new empty directory named after what runs in it. */
    public static Path fresh(String what) {
        try {
            Files.createDirectories(root());
            return Files.createTempDirectory(root(), what + "-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the directory tree {@code from} into the existing empty directory {@code to}. */
    public static void copyTree(Path from, Path to) {
        try (java.util.stream.Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a directory tree; a missing one is fine. */
    public static void delete(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return FileVisitResult.CONTINUE;
                    }
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Total bytes of the regular files under {@code dir}. */
    public static long size(Path dir) {
        AtomicLong total = new AtomicLong();
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    total.addAndGet(attrs.size());
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    return FileVisitResult.CONTINUE; // a log file removed while we walk
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return total.get();
    }
}
