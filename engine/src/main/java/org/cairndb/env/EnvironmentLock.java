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

    static EnvironmentLock acquire(FileIO io, EnvironmentHome home) throws IOException {
        return acquire(io, home, null);
    }

    /** With {@code purpose}, a refused opener is told what holds the lock (say, a failover update). */
    static EnvironmentLock acquire(FileIO io, EnvironmentHome home, String purpose) throws IOException {
        java.nio.file.Path key = holdInThisProcess(home, purpose);
        try {
            return lockFile(io, home, key, purpose);
        } catch (IOException | RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
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
                throw new EnvironmentLockedException("environment " + home.home() + " is in use by " + holder
                        + "; close it there first (only one process may open an environment)");
            }
            return new EnvironmentLock(f, l, key);
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
                            ? " (this process, which has it open already); close it there first, or share that Environment"
                            : " (this process: " + holder + "); wait until that ends"));
        }
        return key;
    }

    private static EnvironmentLock lockFile(FileIO io, EnvironmentHome home, java.nio.file.Path key, String purpose)
            throws IOException {
        StorageFile f = io.open(home.lockFile(), true, true);
        FileLock l = tryLock(f, false);
        if (l == null) {
            String holder = inspectedOnly(f) ? null : readHolder(f);
            f.close();
            throw new EnvironmentLockedException(holder == null
                    ? "environment " + home.home() + " is in use by another process that opened it read-only to inspect it"
                            + " (cairn stat, dump, archive or bench --check); wait until it has finished"
                    : "environment " + home.home() + " is in use by " + holder
                            + "; close it there first (only one process may open an environment)");
        }
        String me = "process " + ManagementFactory.getRuntimeMXBean().getPid() + " on " + hostName() + " since "
                + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + (purpose == null ? "" : " (" + purpose + ")");
        byte[] bytes = me.getBytes(StandardCharsets.UTF_8);
        f.truncate(0);
        f.write(ByteBuffer.wrap(bytes), 0);
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

    private static String readHolder(StorageFile f) {
        try {
            ByteBuffer b = ByteBuffer.allocate(512);
            f.read(b, 0);
            String s = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).trim();
            return s.isEmpty() ? "another process" : s;
        } catch (IOException e) {
            return "another process";
        }
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
