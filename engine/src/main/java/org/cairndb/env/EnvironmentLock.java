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
 */
final class EnvironmentLock implements Closeable {

    private final StorageFile file;
    private final FileLock lock;

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
        java.nio.file.Path key = home.home();
        String holder = HELD.putIfAbsent(key, purpose == null ? "" : purpose);
        if (holder != null) {
            throw new EnvironmentLockedException("environment " + home.home() + " is in use by process "
                    + ManagementFactory.getRuntimeMXBean().getPid() + (holder.isEmpty()
                            ? " (this process, which has it open already); close it there first, or share that Environment"
                            : " (this process: " + holder + "); wait until that ends"));
        }
        try {
            return lockFile(io, home, key, purpose);
        } catch (IOException | RuntimeException e) {
            HELD.remove(key);
            throw e;
        }
    }

    private static EnvironmentLock lockFile(FileIO io, EnvironmentHome home, java.nio.file.Path key, String purpose)
            throws IOException {
        StorageFile f = io.open(home.lockFile(), true, true);
        FileLock l;
        try {
            l = f.tryLock();
        } catch (OverlappingFileLockException e) {
            l = null;
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
        if (l == null) {
            String holder = readHolder(f);
            f.close();
            throw new EnvironmentLockedException("environment " + home.home() + " is in use by " + holder
                    + "; close it there first (only one process may open an environment)");
        }
        String me = "process " + ManagementFactory.getRuntimeMXBean().getPid() + " on " + hostName() + " since "
                + Instant.now() + (purpose == null ? "" : " (" + purpose + ")");
        byte[] bytes = me.getBytes(StandardCharsets.UTF_8);
        f.truncate(0);
        f.write(ByteBuffer.wrap(bytes), 0);
        return new EnvironmentLock(f, l, key);
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

    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            try {
                file.close();
            } finally {
                HELD.remove(key);
            }
        }
    }
}
