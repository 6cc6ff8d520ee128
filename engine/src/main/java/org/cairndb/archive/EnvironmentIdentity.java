package org.cairndb.archive;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.io.FileIO;
import org.cairndb.io.StorageFile;
import org.cairndb.log.SegmentFiles;
import org.cairndb.log.SegmentReader;
import org.cairndb.storage.DataFile;

/**
 * Which environment a home holds, read from its files without opening it (so also while another
 * process has it open): the environment id in the header of a log segment or, failing that, of a
 * data file. Every segment and data file of an environment carries the id it was created with, and
 * copies keep it.
 */
public final class EnvironmentIdentity {

    private EnvironmentIdentity() {
    }

    /** The environment id of the home {@code home} (either layout), or null if no file there says. */
    public static UUID of(FileIO io, Path home) {
        if (!Files.isDirectory(home)) {
            return null;
        }
        EnvironmentHome layout = EnvironmentHome.detect(home);
        UUID fromLog = ofLog(io, layout.logDir());
        if (fromLog != null) {
            return fromLog;
        }
        try {
            for (String name : io.list(layout.dataDir())) {
                if (EnvironmentHome.databaseName(name) == null) {
                    continue;
                }
                Path p = layout.dataDir().resolve(name);
                try (StorageFile f = io.open(p, false, false)) {
                    if (!DataFile.isBlank(f)) {
                        return DataFile.readHeader(f, p).environmentId();
                    }
                } catch (IOException | RuntimeException e) {
                    // damaged: try the next one
                }
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }

    /**
     * The environment id in the header of the first segment in {@code logDir} that has a readable
     * one (a damaged header is passed over: the scan that reads the segment names it), or null.
     */
    public static UUID ofLog(FileIO io, Path logDir) {
        try {
            for (long seg : SegmentFiles.list(io, logDir)) {
                UUID id = segmentOwner(io, logDir, seg);
                if (id != null) {
                    return id;
                }
            }
        } catch (IOException e) {
            // no listing: no answer
        }
        return null;
    }

    /** Whether {@code home} still holds the environment {@code id}. */
    public static boolean stillHolds(FileIO io, Path home, UUID id) {
        return id.equals(of(io, home));
    }

    /** The environment id in the header of segment {@code seg} in {@code dir}, or null if it has no readable header. */
    static UUID segmentOwner(FileIO io, Path dir, long seg) {
        try (SegmentReader r = SegmentReader.open(io, dir.resolve(SegmentFiles.name(seg)), seg)) {
            return r.header() != null ? r.header().environmentId() : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
