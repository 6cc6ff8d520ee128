package org.cairndb.tools;

import org.cairndb.util.Counted;

/**
 * Where a verification stands ({@link Verifier#progress}): the phase ("data files", then "log"),
 * the files of that phase checked so far, the bytes read in it, and the time since the start.
 */
public record VerifyProgress(String phase, int files, long bytes, long elapsedMillis) {

    public double megabytesPerSecond() {
        return elapsedMillis == 0 ? 0 : bytes / 1e6 / (elapsedMillis / 1000.0);
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "%s: %s checked, %.1f MB, %.1f MB/s", phase, Counted.of(files, "file"),
                bytes / 1e6, megabytesPerSecond());
    }
}
