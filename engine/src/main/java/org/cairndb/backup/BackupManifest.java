package org.cairndb.backup;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.cairndb.io.FileIO;

/**
 * {@code backup.manifest}: what a backup (or failover copy) holds, written last, as JSON. A backup
 * without a manifest is incomplete. {@code cairn verifybackup} checks every file against it.
 *
 * <pre>{@code
 * {
 *   "format": "cairn-backup", "version": 1, "cairnVersion": "0.1.0",
 *   "environmentId": "…", "source": "/var/lib/app/store", "layout": "flat" | "split",
 *   "startedAt": "2026-11-22T03:00:00Z", "finishedAt": "…",
 *   "startLsn": "3/64",      // recovery of this backup needs the log from here
 *   "endLsn": "5/1048576",   // the copied log reaches here
 *   "recovered": true,       // catastrophic recovery ran on the copy
 *   "lastCommit": {"txnId": 4711, "committedAt": "…"},  // the last commit the recovered copy holds
 *                            // (absent: not recovered, or not known)
 *   "preparedTransactions": [ {"txnId": 17, "globalId": "hex", "preparedAt": "…"} ],
 *   "files": [ {"path": "data/accounts.cdb", "size": 123, "sha256": "hex"}, … ]
 * }
 * }</pre>
 */
public record BackupManifest(String format, int version, String cairnVersion, String environmentId, String source,
        String layout, String startedAt, String finishedAt, String startLsn, String endLsn, boolean recovered,
        // Absent, not null, when there is none, as the class comment and docs/file-format.md say.
        @JsonInclude(JsonInclude.Include.NON_NULL) LastCommit lastCommit, List<Prepared> preparedTransactions,
        List<FileEntry> files) {

    public static final String FILE_NAME = "backup.manifest";
    public static final String FORMAT = "cairn-backup";

    /** One file of the backup, its path relative to the backup directory. */
    public record FileEntry(String path, long size, String sha256) {
    }

    /**
     * The last transaction the copy holds, as its recovery found it: here so that
     * {@code verifybackup} names it without opening the copy.
     */
    public record LastCommit(long txnId, String committedAt) {
    }

    /** A transaction that was prepared (in doubt) when the backup began. */
    public record Prepared(long txnId, String globalId, String preparedAt) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * Writes the manifest into {@code dir} through {@code io}, as every other file of a backup is
     * written: to a temporary file, forced, then renamed and the directory synced, so that a
     * manifest under its name is always whole. It is written last and says the backup is complete,
     * so when that fails (a full disk, an I/O error) the temporary file is removed again and the
     * error names the manifest; a manifest already there (an update's) is left as it was.
     */
    public void write(FileIO io, Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        try {
            org.cairndb.archive.SegmentCopier.writeWhole(io, file, JSON.writeValueAsBytes(this));
        } catch (IOException e) {
            throw new IOException("cannot write the backup manifest " + file + ": " + e.getMessage(), e);
        }
    }

    /** Reads {@code dir/backup.manifest}, or null if there is none; a manifest that is not valid JSON is an error. */
    public static BackupManifest read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        BackupManifest m;
        try (InputStream in = Files.newInputStream(file)) {
            m = JSON.readValue(in, BackupManifest.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new IOException(file + " is not a readable backup manifest: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw org.cairndb.io.NamingFileIO.named(file, "cannot read it", e); // a failing disk names no file itself
        }
        if (!FORMAT.equals(m.format())) {
            throw new IOException(file + " is not a Cairn backup manifest (format " + m.format() + ")");
        }
        return m;
    }

    /** Size and SHA-256 of every file under {@code dir} that belongs in a manifest (data files, segments, cairn.properties). */
    public static List<FileEntry> describeFiles(Path dir) throws IOException {
        List<FileEntry> files = new ArrayList<>();
        List<Path> paths;
        try (Stream<Path> s = Files.walk(dir)) {
            paths = s.filter(Files::isRegularFile).filter(p -> belongs(dir.relativize(p))).sorted().toList();
        }
        for (Path p : paths) {
            files.add(new FileEntry(dir.relativize(p).toString().replace('\\', '/'), Files.size(p), sha256(p)));
        }
        return files;
    }

    private static boolean belongs(Path relative) {
        String name = relative.getFileName().toString();
        boolean nested = relative.getNameCount() > 1;
        String parent = nested ? relative.getName(0).toString() : "";
        if (relative.getNameCount() > 2 || (nested && !parent.equals("data") && !parent.equals("log"))) {
            return false;
        }
        return name.endsWith(".cdb") || org.cairndb.log.SegmentFiles.number(name) > 0
                || (!nested && name.equals(org.cairndb.EnvironmentConfig.PROPERTIES_FILE));
    }

    public static String sha256(Path file) throws IOException {
        return sha256(org.cairndb.io.NioFileIO.INSTANCE, file);
    }

    /** The SHA-256 of {@code file}, read through {@code io}; a failed read names the file. */
    public static String sha256(org.cairndb.io.FileIO io, Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        try (org.cairndb.io.StorageFile f = org.cairndb.io.NamingFileIO.of(io).open(file, false, false)) {
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 20);
            for (long pos = 0; ; ) {
                buf.clear();
                int n = f.read(buf, pos);
                if (n <= 0) {
                    break;
                }
                md.update(buf.array(), 0, n);
                pos += n;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
