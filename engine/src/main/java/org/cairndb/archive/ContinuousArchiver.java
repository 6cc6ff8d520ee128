package org.cairndb.archive;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.function.LongSupplier;
import org.cairndb.ArchiveStatus;
import org.cairndb.env.EnvironmentHome;
import org.cairndb.io.FileIO;
import org.cairndb.log.SegmentFiles;

/**
 * Copies every finished log segment to the archive directory, in order, durably (see
 * {@link SegmentCopier}): the incremental half of Berkeley DB's archival procedure, done as soon as
 * a segment fills rather than by a nightly script. A failed copy is retried with growing pauses
 * (1 s doubling to a minute) and reported in the status and the log. A segment is never removed
 * from the log directory before it is archived.
 */
public final class ContinuousArchiver {

    private static final System.Logger LOG = System.getLogger(ContinuousArchiver.class.getName());
    private static final long MAX_BACKOFF_MILLIS = 60_000;

    private final FileIO io;
    private final Path home;
    private final Path logDir;
    private final Path archiveDir;
    private final LongSupplier currentSegment;
    private final UUID environmentId;
    private final Object signal = new Object();
    private Thread thread;
    private volatile boolean stop;
    private boolean woken;
    /** Set by {@link #lookOnly}: the environment was opened only to inspect it, and nothing is copied. */
    private volatile boolean lookOnly;

    private volatile long lastArchived;
    private volatile long lastArchivedMillis;
    private volatile long failures;
    private volatile String lastError;
    /** What the archive answered when last asked, without writing, whether it takes this home's segments (null: it does). */
    private String refusalAhead;
    private long refusalAskedNanos;
    private boolean refusalAsked;
    private static final long REFUSAL_ASK_NANOS = 10_000_000_000L;

    /**
     * Archives the segments of environment {@code environmentId} in {@code home}; before each pass
     * that has something to copy, {@link ArchiveOwner} checks that this home may write into
     * {@code archiveDir}.
     */
    public ContinuousArchiver(FileIO io, EnvironmentHome home, Path archiveDir, LongSupplier currentSegment,
            UUID environmentId) {
        this.io = io;
        this.home = home.home();
        this.logDir = home.logDir();
        this.archiveDir = archiveDir;
        this.currentSegment = currentSegment;
        this.environmentId = environmentId;
    }

    public Path directory() {
        return archiveDir;
    }

    public void start() {
        thread = new Thread(this::run, "cairn-archiver " + home.getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /** Asks for a pass now (a segment was just finished, or an admin is waiting). */
    public void wake() {
        synchronized (signal) {
            woken = true;
            signal.notifyAll();
        }
    }

    /**
     * For an environment opened only to inspect it, which writes nothing (into the archive directory
     * neither): copies nothing, now or later, and counts as archived the finished segments, oldest
     * first, of which the archive holds an identical copy already, as a pass would find them.
     */
    public synchronized void lookOnly() throws IOException {
        lookOnly = true;
        long current = currentSegment.getAsLong();
        for (long seg : SegmentFiles.list(io, logDir)) {
            Path copy = archiveDir.resolve(SegmentFiles.name(seg));
            if (seg >= current || !io.exists(copy)
                    || !SegmentCopier.identical(io, logDir.resolve(SegmentFiles.name(seg)), copy)) {
                return;
            }
            lastArchived = seg;
        }
    }

    /** Archives every finished segment now, in the calling thread; returns how many were copied. */
    public synchronized int archiveFinished() throws IOException {
        if (lookOnly) {
            throw new IllegalStateException("the environment was opened only to inspect it: nothing is archived");
        }
        int copied = 0;
        long current = currentSegment.getAsLong();
        List<Long> segments = SegmentFiles.list(io, logDir);
        boolean claimed = false;
        for (long seg : segments) {
            if (seg >= current) {
                break;
            }
            if (seg <= lastArchived) {
                continue;
            }
            Path from = logDir.resolve(SegmentFiles.name(seg));
            Path to = archiveDir.resolve(SegmentFiles.name(seg));
            try {
                SegmentCopier.createOwnerOnlyDirectory(archiveDir);
                // A segment archived already as it is (a copy's log before it went its own way) needs
                // no claim: nothing is written.
                if (!(io.exists(to) && SegmentCopier.identical(io, from, to))) {
                    if (!claimed) {
                        // Once per pass, before the first write: a copy of this home (its
                        // cairn.properties naming the same archive) must not write its history under
                        // the original's names.
                        ArchiveOwner.claim(io, archiveDir, environmentId, home);
                        claimed = true;
                    }
                    if (SegmentCopier.copyOnce(io, from, to, null) > 0) {
                        copied++;
                    }
                }
            } catch (IOException e) {
                // Many file-system exceptions carry only a path as their message (an archive path
                // taken by a plain file gave just "/.../archive" in the status): say what failed,
                // for which segment, and what kind of error it was.
                throw new IOException("cannot archive " + SegmentFiles.name(seg) + " to " + archiveDir + ": "
                        + describe(e), e);
            }
            lastArchived = seg;
            lastArchivedMillis = System.currentTimeMillis();
        }
        return copied;
    }

    /**
     * Makes this home the one that writes into the archive directory, whoever did (see
     * {@link ArchiveOwner}), and asks for a pass now; returns the claim it replaced, or null.
     */
    public ArchiveOwner.Claim takeOver() throws IOException {
        ArchiveOwner.Claim before = ArchiveOwner.takeOver(io, archiveDir, environmentId, home, "taken over through the API");
        synchronized (this) {
            refusalAsked = false; // ask again at the next pass
        }
        wake();
        return before;
    }

    private static String describe(IOException e) {
        if (e instanceof java.nio.file.FileAlreadyExistsException f && f.getReason() == null) {
            return f.getFile() + " already exists" + (f.getFile() != null && java.nio.file.Files.exists(Path.of(f.getFile()))
                    && !java.nio.file.Files.isDirectory(Path.of(f.getFile())) ? " and is not a directory" : "");
        }
        if (e instanceof java.nio.file.FileSystemException f && f.getReason() == null) {
            String kind = e.getClass().getSimpleName().replace("Exception", "");
            return f.getMessage() + " (" + kind.replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT) + ")";
        }
        return e.getMessage() != null ? e.getMessage() : e.toString();
    }

    private void run() {
        long backoff = 1000;
        while (!stop) {
            try {
                int n = archiveFinished();
                if (n > 0) {
                    answered(null); // this home has just written there
                    LOG.log(System.Logger.Level.DEBUG, () -> "archived " + n + " log segments to " + archiveDir);
                }
                lastError = refusalAhead();
                backoff = 1000;
                await(1000);
            } catch (IOException | RuntimeException e) {
                failures++;
                lastError = e.getMessage();
                LOG.log(System.Logger.Level.WARNING, "continuous archiving to " + archiveDir + " failed (attempt "
                        + failures + "), retrying in " + backoff / 1000 + " s: " + e.getMessage());
                await(backoff);
                backoff = Math.min(MAX_BACKOFF_MILLIS, backoff * 2);
            }
        }
    }

    /**
     * Whether the archive would refuse this home's segments, asked without writing, at the first
     * pass and then every ten seconds while nothing is copied (a pass that copies has just been
     * allowed to): a copy opened beside its original (a
     * failover server) only met the refusal when its first segment filled, which at 16 MB a segment
     * can be hours after the start, and its status said nothing was wrong until then. Logged once
     * when the answer becomes a refusal; the status shows it as the last error (not as a failure:
     * nothing failed yet).
     */
    private synchronized String refusalAhead() {
        if (!refusalAsked || System.nanoTime() - refusalAskedNanos >= REFUSAL_ASK_NANOS) {
            String refusal;
            try {
                refusal = io.exists(archiveDir) ? ArchiveOwner.refusal(io, archiveDir, environmentId, home) : null;
            } catch (IOException | RuntimeException e) {
                refusal = null; // a pass that writes meets whatever is wrong, and reports it
            }
            if (refusal != null && !refusal.equals(refusalAhead)) {
                LOG.log(System.Logger.Level.WARNING, "continuous archiving of " + home + " to " + archiveDir
                        + " will be refused when its first segment is finished: " + refusal);
            }
            answered(refusal);
        }
        return refusalAhead == null ? null : "refused ahead (nothing archived yet): " + refusalAhead;
    }

    /** Records the archive's answer ({@code refusal}, or null: it takes this home's segments), asked now. */
    private synchronized void answered(String refusal) {
        refusalAsked = true;
        refusalAskedNanos = System.nanoTime();
        refusalAhead = refusal;
    }

    private void await(long millis) {
        synchronized (signal) {
            if (!woken && !stop) {
                try {
                    signal.wait(millis);
                } catch (InterruptedException e) {
                    stop = true;
                }
            }
            woken = false;
        }
    }

    /** Whether {@code segment} (and every segment before it still in the log directory) is archived. */
    public boolean isArchived(long segment) {
        return segment <= lastArchived;
    }

    public long lastArchived() {
        return lastArchived;
    }

    public ArchiveStatus status() {
        long current = currentSegment.getAsLong();
        long lag = 0;
        long archived = lastArchived;
        try {
            List<Long> segments = SegmentFiles.list(io, logDir);
            for (long seg : segments) {
                if (seg < current && seg > lastArchived) {
                    lag++;
                }
            }
            // Passes only see the segments still in the log directory. Those before the oldest one
            // left it (removed once archived, or moved into a failover copy) before this process
            // could count them: without this, a home whose finished segments were all archived and
            // removed reports "up to 0" after every open. The archive holding the one just before
            // the log's oldest is taken as holding it and those before.
            if (!segments.isEmpty()) {
                long beforeLog = segments.get(0) - 1;
                if (beforeLog > archived && io.exists(archiveDir.resolve(SegmentFiles.name(beforeLog)))) {
                    archived = beforeLog;
                }
            }
        } catch (IOException e) {
            lag = -1;
        }
        return new ArchiveStatus(true, archiveDir.toString(), archived, lag, failures, lastError, lastArchivedMillis);
    }

    public void close() {
        stop = true;
        wake();
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            org.cairndb.util.Threads.joinUninterruptibly(t, 30_000);
        }
    }
}
