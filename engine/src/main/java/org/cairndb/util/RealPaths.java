package org.cairndb.util;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths compared as the file system resolves them, so that a symbolic link cannot hide where a file lies. */
public final class RealPaths {

    private RealPaths() {
    }

    /**
     * {@code p} with every symbolic link resolved: the real path of its nearest existing ancestor,
     * followed by the part that does not exist yet (a backup target or output file about to be made).
     */
    public static Path of(Path p) throws IOException {
        Path abs = p.toAbsolutePath().normalize();
        Path existing = nearestExisting(abs);
        return existing == null ? abs : existing.toRealPath().resolve(existing.relativize(abs));
    }

    /** {@code p} itself if it exists, else its nearest ancestor that does; null if none does. */
    public static Path nearestExisting(Path p) {
        Path existing = p;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing;
    }
}
