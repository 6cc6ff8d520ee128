package org.cairndb.format;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * {@code backup.manifest} (docs/file-format.md, "Backups"): a JSON object whose keys the document
 * lists. Reading a key the document does not name, or missing one it says is always there, fails.
 */
record DocumentedManifest(String format, int version, String cairnVersion, UUID environmentId, String source,
        String layout, Instant startedAt, Instant finishedAt, long startLsn, long endLsn, boolean recovered,
        LastCommit lastCommit, List<Prepared> preparedTransactions, List<FileEntry> files) {

    record LastCommit(long txnId, Instant committedAt) {
    }

    record Prepared(long txnId, byte[] globalId, Instant preparedAt) {
    }

    record FileEntry(String path, long size, byte[] sha256) {
    }

    static final List<String> KEYS = List.of("format", "version", "cairnVersion", "environmentId", "source", "layout",
            "startedAt", "finishedAt", "startLsn", "endLsn", "recovered", "lastCommit", "preparedTransactions", "files");

    static DocumentedManifest read(Path file) throws IOException {
        JsonNode m = new ObjectMapper().readTree(Files.readAllBytes(file));
        m.fieldNames().forEachRemaining(k -> {
            if (!KEYS.contains(k)) {
                throw new AssertionError(file + ": undocumented key '" + k + "'");
            }
        });
        JsonNode last = m.get("lastCommit");
        if (last != null && last.isNull()) {
            throw new AssertionError(file + ": 'lastCommit' is null; without one it is absent");
        }
        List<Prepared> prepared = new ArrayList<>();
        for (JsonNode p : required(m, "preparedTransactions", file)) {
            prepared.add(new Prepared(required(p, "txnId", file).asLong(), hex(required(p, "globalId", file)),
                    Instant.parse(required(p, "preparedAt", file).asText())));
        }
        List<FileEntry> files = new ArrayList<>();
        for (JsonNode f : required(m, "files", file)) {
            files.add(new FileEntry(required(f, "path", file).asText(), required(f, "size", file).asLong(),
                    hex(required(f, "sha256", file))));
        }
        return new DocumentedManifest(text(m, "format", file), required(m, "version", file).asInt(),
                text(m, "cairnVersion", file), UUID.fromString(text(m, "environmentId", file)), text(m, "source", file),
                text(m, "layout", file), Instant.parse(text(m, "startedAt", file)), Instant.parse(text(m, "finishedAt", file)),
                lsn(text(m, "startLsn", file)), lsn(text(m, "endLsn", file)), required(m, "recovered", file).asBoolean(),
                last == null ? null : new LastCommit(required(last, "txnId", file).asLong(),
                        Instant.parse(required(last, "committedAt", file).asText())),
                prepared, files);
    }

    /** An LSN printed as {@code segment/offset} in decimal. */
    static long lsn(String s) {
        int slash = s.indexOf('/');
        return Lsn.of(Long.parseLong(s.substring(0, slash)), Long.parseLong(s.substring(slash + 1)));
    }

    private static byte[] hex(JsonNode n) {
        return HexFormat.of().parseHex(n.asText());
    }

    private static String text(JsonNode n, String key, Path file) {
        return required(n, key, file).asText();
    }

    private static JsonNode required(JsonNode n, String key, Path file) {
        JsonNode v = n.get(key);
        if (v == null) {
            throw new AssertionError(file + ": no '" + key + "' in " + n);
        }
        return v;
    }
}
