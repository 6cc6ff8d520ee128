package org.cairndb.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code cairn.lock}'s text (docs/file-format.md, "The home directory"), UTF-8 lines separated by a
 * newline: "process &lt;pid&gt; on
 * &lt;host&gt; since &lt;time&gt;", for an update followed by "(failover update of &lt;dir&gt;)" or
 * "(hot backup to &lt;dir&gt;)"; while a backup or update copies in, a second line "files are being
 * copied in: ...".
 */
record DocumentedLockFile(long pid, String host, String since, String purpose, String copyingLine) {

    private static final Pattern HOLDER = Pattern.compile(
            "process (\\d+) on (\\S+) since (\\S+)(?: \\((failover update of .+|hot backup to .+)\\))?");

    static DocumentedLockFile read(Path file) throws IOException {
        // Lines separated (not ended) by "\n": the holder's line, then perhaps the copying mark.
        List<String> lines = List.of(new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n", -1));
        if (lines.size() > 2) {
            throw new AssertionError(file + ": " + lines.size() + " lines, at most 2 documented: " + lines);
        }
        Matcher m = HOLDER.matcher(lines.get(0));
        if (!m.matches()) {
            throw new AssertionError(file + ": first line '" + lines.get(0) + "' is not 'process <pid> on <host> since <time>'");
        }
        java.time.Instant.parse(m.group(3)); // ISO-8601, UTC
        String copying = lines.size() > 1 ? lines.get(1) : null;
        if (copying != null && !copying.startsWith("files are being copied in: ")) {
            throw new AssertionError(file + ": second line '" + copying + "' is not 'files are being copied in: ...'");
        }
        return new DocumentedLockFile(Long.parseLong(m.group(1)), m.group(2), m.group(3), m.group(4), copying);
    }
}
