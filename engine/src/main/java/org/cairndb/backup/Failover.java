package org.cairndb.backup;

import java.io.IOException;
import java.nio.file.Path;
import org.cairndb.env.EnvironmentImpl;

/**
 * Hot failover, as Berkeley DB's reference describes it: a copy of the environment on another
 * disk, kept current and ready to open.
 *
 * <ol>
 * <li>The first update copies the data files (a hot backup in the split layout).</li>
 * <li>Every update then moves the log segments the environment no longer needs into the copy,</li>
 * <li>copies the segments still in use (again, since they grew),</li>
 * <li>and runs catastrophic recovery on the copy.</li>
 * </ol>
 *
 * Updates can be repeated as often as wanted. The copy can be opened as an environment at any
 * moment, even during an update: segments arrive whole (copied under a temporary name and renamed)
 * and recovery changes the copy's data files copy-on-write. It then holds every transaction
 * committed before the last completed update began; prepared transactions stay prepared there.
 */
public final class Failover {

    private Failover() {
    }

    /** Brings the failover copy in {@code dir} up to date (creating it on the first call). */
    public static BackupResult update(EnvironmentImpl env, Path dir, BackupOptions options) throws IOException {
        boolean exists = BackupManifest.read(dir) != null;
        BackupOptions o = options.withUpdate(exists).withSplitLayout(true).withRecover(true);
        return HotBackup.runForFailover(env, dir, o);
    }
}
