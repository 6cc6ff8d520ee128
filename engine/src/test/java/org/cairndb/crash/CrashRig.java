package org.cairndb.crash;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cairndb.Durability;
import org.cairndb.EnvironmentConfig;
import org.cairndb.io.FileIO;

/** Configuration and file helpers shared by the crash tests. */
final class CrashRig {

    private CrashRig() {
    }

    /**
     * A configuration that makes crashes interesting: small log segments (many segment switches),
     * a small cache and a low checkpoint volume (checkpoints in the background and under memory
     * pressure), immediate page reuse (copy-on-write mistakes would show), short lock waits.
     */
    static EnvironmentConfig config(FileIO io, Durability durability) {
        return new EnvironmentConfig().fileIO(io).durability(durability).logSegmentSize(128 << 10)
                .logBufferSize(64 << 10).cacheSize(4 << 20).checkpointKBytes(256).lockTimeout(Duration.ofSeconds(2))
                .pageReuseDelay(Duration.ZERO);
    }

    static boolean isLogSegment(Path p) {
        String n = p.getFileName().toString();
        return n.matches("log\\.\\d{10}");
    }

    static boolean isDataFile(Path p) {
        return p.getFileName().toString().endsWith(".cdb");
    }

    /** Log segments of {@code home}, oldest first. */
    static List<Path> segments(Path home) throws IOException {
        List<Path> list = new ArrayList<>();
        try (var s = Files.list(home.resolve("log"))) {
            s.filter(CrashRig::isLogSegment).sorted().forEach(list::add);
        }
        return list;
    }

    /** SHA-256 of every file in the environment's data/ and log/ directories, by relative path. */
    static Map<String, String> fingerprint(Path home) throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (String sub : new String[] {"data", "log"}) {
            Path d = home.resolve(sub);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (var s = Files.list(d)) {
                for (Path p : s.sorted().toList()) {
                    if (Files.isRegularFile(p)) {
                        m.put(sub + "/" + p.getFileName(), sha256(Files.readAllBytes(p)));
                    }
                }
            }
        }
        return m;
    }

    static String sha256(byte[] data) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Copies an environment that failed a check to {@code target/crash-failures/<name>} (where a
     * developer can inspect it after the temporary directory is gone) and returns that path.
     */
    static Path preserve(Path home, String name) {
        Path dest = Path.of("target", "crash-failures", name).toAbsolutePath();
        try {
            Files.createDirectories(dest);
            try (var walk = Files.walk(home)) {
                for (Path p : walk.toList()) {
                    Path to = dest.resolve(home.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(p, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            return Path.of("(could not copy: " + e + ")");
        }
        return dest;
    }

    /** Whether any exception in the chain of {@code t} has a message containing {@code text}. */
    static boolean chainMentions(Throwable t, String text) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains(text)) {
                return true;
            }
        }
        return false;
    }

    static String describe(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (sb.length() > 0) {
                sb.append(" <- ");
            }
            sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
        }
        return sb.toString();
    }
}
