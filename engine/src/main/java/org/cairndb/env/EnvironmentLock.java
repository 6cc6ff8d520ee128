package org.cairndb.env;

import java.io.Closeable;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.cairndb.EnvironmentLockedException;
import org.cairndb.io.FileIO;
import org.cairndb.io.StorageFile;

/**
 * The lock that keeps a second process (or a second open in this one) from opening an environment
 * for writing. It is an operating-system lock on {@code cairn.lock}, released automatically when
 * the holder dies, so a crash never leaves a stale lock. The holder writes its process id, host
 * and start time into the file so that a refused opener can say who holds it.
 *
 * <p>An open only to inspect ({@link #acquireToInspect}) writes nothing, so it takes a
 * <em>shared</em> lock on the file opened for reading (which read-only media allow): it is refused
 * while a writer holds the exclusive lock, and a writer is refused while it looks. Several
 * processes may look at once.
 */
final class EnvironmentLock implements Closeable {

    /** What to do about an environment another process has open for writing. */
    private static final String CLOSE_IT_THERE = "close it there first (only one process may open an environment)";

    private final StorageFile file;
    private final FileLock lock;

    /** {@code file} and {@code lock} are null when an inspecting open found no lock file (see {@link #acquireToInspect}). */
    private EnvironmentLock(StorageFile file, FileLock lock, java.nio.file.Path key) {
        this.file = file;
        this.lock = lock;
        this.key = key;
    }

    /**
     * Homes this JVM has open. Checked before the lock file is touched: closing any channel on a
     * locked file releases the process's lock on it, so a refused second open in this JVM must not
     * open the file at all.
     */
    private static final java.util.Map<java.nio.file.Path, String> HELD = new java.util.concurrent.ConcurrentHashMap<>();

    private final java.nio.file.Path key;

    /**
     * The line a hot backup or failover update adds to the lock file of the directory it copies into
     * (after the holder's line). It stays there when the process dies, until an open takes the lock
     * over: with no {@code backup.manifest} beside it, it says that the copy stopped before all its
     * files were there (see {@link #refuseUnfinishedCopy}).
     */
    static final String COPYING = "files are being copied in: a copy without backup.manifest under this line is unfinished";

    /**
     * The holder's line of {@code home}'s lock file when it carries {@link #COPYING} (a backup or
     * update was copying files in, and nothing has opened the copy since), else null. Read without
     * taking the lock, for tools that only look.
     */
    static String copyingHolder(EnvironmentHome home) {
        try {
            return copyingHolder(java.nio.file.Files.readString(home.lockFile(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            return null;
        }
    }

    /** The holder's line of lock file contents {@code content} that carry {@link #COPYING}, else null. */
    private static String copyingHolder(String content) {
        int mark = content.indexOf("\n" + COPYING);
        return mark < 0 ? null : content.substring(0, mark).trim();
    }

    /** The lock of an open: refused while another process holds it, or when the home is an unfinished copy. */
    static EnvironmentLock acquire(FileIO io, EnvironmentHome home) throws IOException {
        return acquire(io, home, null, true, false);
    }

    /**
     * The lock of a directory a hot backup or failover update copies into: a refused opener is told
     * {@code purpose}, and the file keeps saying that files were being copied in if the process dies.
     */
    static EnvironmentLock acquireForCopying(FileIO io, EnvironmentHome home, String purpose) throws IOException {
        return acquire(io, home, purpose, false, false);
    }

    /**
     * The lock of the recovery of a copy whose files are all there (its manifest comes after the
     * recovery). The lock file keeps the copier's {@link #COPYING} line: the copy is not finished
     * until its manifest is written, and should the recovery fail, the line is what tells
     * verifybackup (and an open) that the copy stopped half-way, not that its files were damaged.
     */
    static EnvironmentLock acquireToRecoverCopy(FileIO io, EnvironmentHome home) throws IOException {
        return acquire(io, home, null, false, true);
    }

    /** The lock taken once a copy's manifest is written, which rewrites the file without the {@link #COPYING} line. */
    static EnvironmentLock acquireToFinishCopy(FileIO io, EnvironmentHome home) throws IOException {
        return acquire(io, home, null, false, false);
    }

    private static EnvironmentLock acquire(FileIO io, EnvironmentHome home, String purpose, boolean refuseUnfinishedCopy,
            boolean keepCopyingLine) throws IOException {
        java.nio.file.Path key = holdInThisProcess(home, purpose);
        try {
            return lockFile(io, home, key, purpose, refuseUnfinishedCopy, keepCopyingLine);
        } catch (IOException | RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
    }

    /**
     * Refuses to open a directory that a hot backup or failover update was copying into when its
     * process died, before all the files were there: its lock file still carries {@link #COPYING}
     * and it has no {@code backup.manifest}. Opened (even with catastrophic recovery), it would
     * recover to wherever the copied log happened to stop, silently without commits that were
     * acknowledged before the backup began. An update that stopped leaves the manifest of the
     * previous one, and a copy holding that is whole: it opens.
     */
    private static void refuseUnfinishedCopy(StorageFile f, EnvironmentHome home) throws IOException {
        String copier = copyingHolder(read(f));
        if (copier == null || java.nio.file.Files.exists(home.home().resolve(org.cairndb.backup.BackupManifest.FILE_NAME))) {
            return;
        }
        throw new org.cairndb.CairnException(home.home() + " is an unfinished copy: " + copier
                + " was copying files into it and stopped before they were all there (no "
                + org.cairndb.backup.BackupManifest.FILE_NAME + "), so it would recover without commits it must hold;"
                + " take the backup again into an empty directory (remove or move this one away first)");
    }

    /**
     * The lock of an open that only looks ({@code EnvironmentConfig.inspectOnly}) and so must create,
     * change or delete nothing: a shared lock on an existing {@code cairn.lock}, opened for reading.
     *
     * <p>Without a {@code cairn.lock} it takes no lock at all, rather than create the file: a look
     * leaves the directory as it found it, and it may be read-only media. No process can have the
     * environment open then, since every writer creates the file and keeps it. A writer starting
     * during the look is not kept out, but it is not at risk either: this open writes nothing, so at
     * worst the look itself reads a state that changes under it (run it again). In a directory no one
     * may write into, nothing can start writing anyway: no writer could create the lock file it needs.
     */
    static EnvironmentLock acquireToInspect(FileIO io, EnvironmentHome home) throws IOException {
        java.nio.file.Path key = holdInThisProcess(home, null);
        try {
            if (!io.exists(home.lockFile())) {
                return new EnvironmentLock(null, null, key);
            }
            StorageFile f;
            try {
                f = io.open(home.lockFile(), false, false);
            } catch (IOException e) {
                throw new IOException("cannot open " + home.lockFile() + " for reading to see whether another process has"
                        + " the environment open: " + e.getMessage(), e);
            }
            FileLock l = tryLock(f, true);
            if (l == null) {
                String holder = readHolder(f);
                f.close();
                throw new EnvironmentLockedException("environment " + home.home() + " is in use by " + holder,
                        CLOSE_IT_THERE);
            }
            EnvironmentLock lock = new EnvironmentLock(f, l, key);
            try {
                refuseUnfinishedCopy(f, home);
            } catch (IOException | RuntimeException e) {
                lock.close();
                throw e;
            }
            return lock;
        } catch (IOException | RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
    }

    /** The lock on {@code f}, or null if another holds it; on an error {@code f} is closed. */
    private static FileLock tryLock(StorageFile f, boolean shared) throws IOException {
        try {
            return shared ? f.tryLockShared() : f.tryLock();
        } catch (OverlappingFileLockException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** Claims {@code home} for this JVM, or refuses: a second open here must not even touch the lock file. */
    private static java.nio.file.Path holdInThisProcess(EnvironmentHome home, String purpose) {
        // The real path: the same home reached through a symbolic link passed a check by the path as
        // given, went on to open the lock file, and its refusal closed that channel, dropping the
        // first open's lock (another process could then open the environment alongside it).
        java.nio.file.Path key;
        try {
            key = org.cairndb.util.RealPaths.of(home.home());
        } catch (IOException e) {
            key = home.home(); // unreadable: the open fails on the directory itself, naming it
        }
        String holder = HELD.putIfAbsent(key, purpose == null ? "" : purpose);
        if (holder != null) {
            throw new EnvironmentLockedException("environment " + home.home() + " is in use by process "
                    + ManagementFactory.getRuntimeMXBean().getPid() + (holder.isEmpty()
                            ? " (this process, which has it open already)" : " (this process: " + holder + ")"),
                    holder.isEmpty() ? "close it there first, or share that Environment" : "wait until that ends");
        }
        return key;
    }

    private static EnvironmentLock lockFile(FileIO io, EnvironmentHome home, java.nio.file.Path key, String purpose,
            boolean refuseUnfinishedCopy, boolean keepCopyingLine) throws IOException {
        StorageFile f = io.open(home.lockFile(), true, true);
        FileLock l = tryLock(f, false);
        if (l == null) {
            String holder = inspectedOnly(f) ? null : readHolder(f);
            f.close();
            throw holder == null
                    ? new EnvironmentLockedException("environment " + home.home() + " is in use by another process that"
                            + " opened it read-only to inspect it (cairn stat, dump, archive or bench --check)",
                            "wait until it has finished")
                    : new EnvironmentLockedException("environment " + home.home() + " is in use by " + holder,
                            CLOSE_IT_THERE);
        }
        try {
            return claim(io, home, f, l, key, purpose, refuseUnfinishedCopy, keepCopyingLine);
        } catch (IOException | RuntimeException e) {
            // Given back at once: the channel kept the lock on the home (against every other
            // process) and its descriptor until a garbage collection happened to close it.
            try {
                l.release();
                f.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * Under the lock {@code l} on {@code f}: refuses an unfinished copy, else writes the holder's line
     * (or, with {@code keepCopyingLine}, leaves a file that carries {@link #COPYING} as it is).
     */
    private static EnvironmentLock claim(FileIO io, EnvironmentHome home, StorageFile f, FileLock l, java.nio.file.Path key,
            String purpose, boolean refuseUnfinishedCopy, boolean keepCopyingLine) throws IOException {
        if (refuseUnfinishedCopy) {
            refuseUnfinishedCopy(f, home);
        }
        if (keepCopyingLine && copyingHolder(read(f)) != null) {
            return new EnvironmentLock(f, l, key);
        }
        String me = "process " + ManagementFactory.getRuntimeMXBean().getPid() + " on " + hostName() + " since "
                + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + (purpose == null ? "" : " (" + purpose + ")");
        boolean copying = purpose != null && !refuseUnfinishedCopy;
        if (copying) {
            me += "\n" + COPYING;
        }
        byte[] bytes = me.getBytes(StandardCharsets.UTF_8);
        f.truncate(0);
        f.write(ByteBuffer.wrap(bytes), 0);
        if (copying) {
            // The copied files are forced as they are written: the line that calls them unfinished
            // must reach the disk before any of them does, or a power loss could keep the files and
            // lose the line.
            f.force(true);
            io.syncDirectory(home.home());
        }
        return new EnvironmentLock(f, l, key);
    }

    /**
     * Whether the lock {@code f} could not take is held only shared, by processes inspecting the
     * environment: they write nothing into the file, which still names its last writer.
     */
    private static boolean inspectedOnly(StorageFile f) {
        try {
            FileLock probe = f.tryLockShared();
            if (probe == null) {
                return false;
            }
            probe.release();
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** The holder's line of the lock file (a copy's lock has a second line, {@link #COPYING}). */
    private static String readHolder(StorageFile f) {
        try {
            String s = read(f);
            int nl = s.indexOf('\n');
            s = (nl < 0 ? s : s.substring(0, nl)).trim();
            return s.isEmpty() ? "another process" : s;
        } catch (IOException e) {
            return "another process";
        }
    }

    private static String read(StorageFile f) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(1024);
        f.read(b, 0);
        return new String(b.array(), 0, b.position(), StandardCharsets.UTF_8);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this host";
        }
    }

    /** Set by the first {@link #close}. */
    private boolean closed;

    /**
     * Releases the lock; a second call does nothing. It used to forget the home's claim in this JVM
     * again, and if the home had been opened anew in between, that dropped the new open's claim: a
     * later second open went on to the lock file and, refused, closed its channel, which drops the
     * process's lock on the file.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (lock != null && lock.isValid()) {
                lock.release();
            }
        } finally {
            try {
                if (file != null) {
                    file.close();
                }
            } finally {
                HELD.remove(key);
            }
        }
    }
}
