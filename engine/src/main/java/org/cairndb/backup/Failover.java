package org.cairndb.backup;

import java.io.IOException;
import java.nio.file.Path;
import org.cairndb.env.EnvironmentImpl;

/**
 * Hot failover, as Berkeley DB's reference describes it: a copy of the environment on another
 * disk, kept current and ready to open.
 *
 * <ol>
 * <li>The first update copies the data files (a hot backup in the split layout). A directory that
 * holds a hot backup of the environment already is updated in its own layout, flat ones too.</li>
 * <li>Every update then moves the log segments the environment no longer needs into the copy,</li>
 * <li>copies the segments still in use (again, since they grew),</li>
 * <li>and runs catastrophic recovery on the copy.</li>
 * </ol>
 *
 * Updates can be repeated as often as wanted. The copy can be opened as an environment whenever
 * no update is changing it (an update holds the copy's environment lock while it copies, so an
 * open meanwhile is refused, naming the update, and can be retried; segments arrive whole, copied
 * under a temporary name and renamed, and recovery changes the data files copy-on-write, so even a
 * crash half-way leaves a copy that opens). It then holds every transaction committed before the
 * last completed update began; prepared transactions stay prepared there. Once an application has
 * opened the copy and written to it, the copy has a history of its own and is not updated again.
 */
public final class Failover {

    private Failover() {
    }

    /**
     * Refuses a failover directory {@link #update} would refuse, without the environment: see
     * {@link HotBackup#checkTarget(org.cairndb.env.EnvironmentHome, Path, Path, boolean, boolean)}.
     */
    public static void checkTarget(org.cairndb.env.EnvironmentHome home, Path archiveDirectory, Path dir)
            throws IOException {
        HotBackup.checkTarget(home, archiveDirectory, dir, HotBackup.readForUpdate(dir) != null, true);
    }

    /** Brings the failover copy in {@code dir} up to date (creating it on the first call). */
    public static BackupResult update(EnvironmentImpl env, Path dir, BackupOptions options) throws IOException {
        boolean exists = HotBackup.readForUpdate(dir) != null;
        BackupOptions o = options.withUpdate(exists).withSplitLayout(true).withRecover(true);
        return HotBackup.runForFailover(env, dir, o);
    }
}
