package org.cairndb;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What a directory tree holds, to tell whether anything touched it: every directory by name, every
 * file by name, size and SHA-256. Two snapshots are equal when the trees hold the same bytes under
 * the same names (times and permissions are left out).
 */
public final class DirectorySnapshot {

    private DirectorySnapshot() {
    }

    /** Relative path to "dir", or to "size sha256" for a file; sorted by path. */
    public static Map<String, String> of(Path root) {
        Map<String, String> entries = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                String name = root.relativize(p).toString().replace('\\', '/');
                entries.put(name.isEmpty() ? "." : name, Files.isDirectory(p) ? "dir" : Files.size(p) + " " + sha256(p));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return entries;
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
