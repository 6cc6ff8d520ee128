package org.cairndb.rar.admin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import org.cairndb.ArchiveStatus;
import org.cairndb.CheckpointResult;
import org.cairndb.Environment;
import org.cairndb.EnvironmentStats;
import org.cairndb.archive.LogArchive;
import org.cairndb.backup.BackupProgress;
import org.cairndb.backup.BackupResult;
import org.cairndb.rar.BranchSupport;
import org.cairndb.rar.ManagedEnvironment;
import org.cairndb.tools.Verifier;
import org.cairndb.util.Counted;
import org.cairndb.util.RealPaths;

/**
 * The admin MBean of one environment. It only translates: every operation is the engine's (or the
 * xa module's), and every failure leaves here as an exception of a JDK type (no Cairn class, no cause
 * chain) with the engine's message, so that any JMX client can show it.
 */
public final class EnvironmentAdmin implements CairnEnvironmentMXBean {

    private static final System.Logger LOG = System.getLogger(EnvironmentAdmin.class.getName());

    /** Sent when a long operation starts; user data: operation, target. */
    public static final String OPERATION_STARTED = "org.cairndb.operation.started";
    /** Sent as a long operation progresses; user data adds phase, files, bytes, elapsedMillis. */
    public static final String OPERATION_PROGRESS = "org.cairndb.operation.progress";
    /** Sent when a long operation has ended well; the message says what it did. */
    public static final String OPERATION_COMPLETED = "org.cairndb.operation.completed";
    /** Sent when a long operation has failed; the message says why. */
    public static final String OPERATION_FAILED = "org.cairndb.operation.failed";

    private final ManagedEnvironment me;
    private final NotificationBroadcasterSupport emitter;
    private final ObjectName source;
    private final AtomicLong sequence = new AtomicLong();

    public EnvironmentAdmin(ManagedEnvironment me) {
        this.me = me;
        this.source = ManagedEnvironment.objectName(me.name());
        this.emitter = new NotificationBroadcasterSupport(new MBeanNotificationInfo(new String[] {OPERATION_STARTED,
                OPERATION_PROGRESS, OPERATION_COMPLETED, OPERATION_FAILED}, Notification.class.getName(),
                "Start, progress and end of hot backups, backup updates, failover updates and verification"));
    }

    /** The MBean to register: this admin with descriptions and notifications. */
    public static Object mbean(EnvironmentAdmin admin) {
        return new DescribedMBean<>(admin, CairnEnvironmentMXBean.class, admin.emitter);
    }

    private Environment env() {
        return me.environment();
    }

    private EnvironmentStats stats() {
        return env().stats();
    }

    // ---- attributes ----

    @Override
    public String getName() {
        return me.name();
    }

    @Override
    public String getHome() {
        return me.settings().home().toString();
    }

    @Override
    public String getEnvironmentId() {
        return call("environment id", () -> env().internals().environmentId().toString());
    }

    @Override
    public String getState() {
        return me.state().name();
    }

    @Override
    public String getRecoveryReport() {
        return call("recovery report", () -> String.valueOf(env().recoveryReport()));
    }

    @Override
    public long getCommits() {
        return call("statistics", () -> stats().commits());
    }

    @Override
    public long getAborts() {
        return call("statistics", () -> stats().aborts());
    }

    @Override
    public long getConflicts() {
        return call("statistics", () -> stats().conflicts());
    }

    @Override
    public int getActiveTransactions() {
        return call("statistics", () -> stats().activeTransactions());
    }

    @Override
    public int getPreparedTransactions() {
        return call("statistics", () -> stats().preparedTransactions());
    }

    @Override
    public int getLocksHeld() {
        return call("statistics", () -> stats().locksHeld());
    }

    @Override
    public long getLogSize() {
        return call("log size", () -> {
            long total = 0;
            for (LogArchive.SegmentStatus s : env().internals().logArchive().segments()) {
                total += s.size();
            }
            return total;
        });
    }

    @Override
    public int getLogSegments() {
        return call("log segments", () -> env().internals().logArchive().allSegments().size());
    }

    @Override
    public long getCurrentLogSegment() {
        return call("statistics", () -> stats().logSegment());
    }

    @Override
    public String getLogEndLsn() {
        return call("statistics", () -> stats().logEndLsn());
    }

    @Override
    public String getLogDurableLsn() {
        return call("statistics", () -> stats().logDurableLsn());
    }

    @Override
    public long getLogBytesWritten() {
        return call("statistics", () -> stats().logBytesWritten());
    }

    @Override
    public long getLogForces() {
        return call("statistics", () -> stats().logForces());
    }

    @Override
    public String getLastCheckpointLsn() {
        return call("statistics", () -> stats().lastCheckpointLsn());
    }

    @Override
    public String getLastCheckpointTime() {
        return call("statistics", () -> {
            long t = stats().lastCheckpointMillis();
            return t <= 0 ? "none" : Instant.ofEpochMilli(t).toString();
        });
    }

    @Override
    public long getCheckpoints() {
        return call("statistics", () -> stats().checkpoints());
    }

    @Override
    public String getRecoveryStartLsn() {
        return call("statistics", () -> stats().recoveryStartLsn());
    }

    @Override
    public String getLastBackup() {
        return me.lastBackup();
    }

    @Override
    public String getLastFailoverUpdate() {
        return me.lastFailover();
    }

    @Override
    public String getFailoverDirectory() {
        Path p = me.settings().failoverDir();
        return p == null ? "" : p.toString();
    }

    @Override
    public String getBackupRoot() {
        return me.settings().backupRoot().toString();
    }

    @Override
    public long getBackupMaxRate() {
        return me.settings().backupMaxRate();
    }

    @Override
    public ArchiveInfo getArchiveStatus() {
        return call("archive status", () -> {
            ArchiveStatus a = stats().archive();
            return new ArchiveInfo(a.enabled(), a.directory(), a.lastArchivedSegment(), a.lagSegments(), a.failures(),
                    a.lastError(), a.lastArchivedMillis() <= 0 ? null : Instant.ofEpochMilli(a.lastArchivedMillis()).toString());
        });
    }

    @Override
    public int getRunningBackups() {
        return call("statistics", () -> stats().runningBackups());
    }

    @Override
    public double getCacheHitRatio() {
        return call("statistics", () -> stats().cacheHitRatio());
    }

    @Override
    public long getCacheHits() {
        return call("statistics", () -> stats().cacheHits());
    }

    @Override
    public long getCacheMisses() {
        return call("statistics", () -> stats().cacheMisses());
    }

    @Override
    public long getCacheCapacity() {
        return call("statistics", () -> stats().cacheCapacity());
    }

    @Override
    public long getCacheUsed() {
        return call("statistics", () -> stats().cacheUsed());
    }

    @Override
    public long getDirtyBytes() {
        return call("statistics", () -> stats().dirtyBytes());
    }

    @Override
    public List<String> getDatabases() {
        return call("database names", () -> env().databaseNames());
    }

    @Override
    public List<InDoubtInfo> getInDoubtBranches() {
        return call("in-doubt list", () -> {
            List<InDoubtInfo> out = new ArrayList<>();
            for (BranchSupport.InDoubt b : me.branches().inDoubt()) {
                out.add(new InDoubtInfo(b.xid(), b.globalId(), b.txnId(), b.preparedAt(), b.ageSeconds(), b.keysWritten(),
                        b.locksHeld(), b.databases(), b.blocking()));
            }
            return out;
        });
    }

    @Override
    public List<HeuristicInfo> getHeuristicBranches() {
        return call("heuristic list", () -> {
            List<HeuristicInfo> out = new ArrayList<>();
            for (BranchSupport.Heuristic h : me.branches().heuristics()) {
                out.add(new HeuristicInfo(h.xid(), h.globalId(), h.txnId(), h.committed(), h.decidedAt()));
            }
            return out;
        });
    }

    // ---- operations ----

    @Override
    public CheckpointInfo checkpoint(boolean force) {
        return operation(() -> call("checkpoint", () -> {
            CheckpointResult r = env().checkpoint(force);
            LOG.log(System.Logger.Level.INFO, "checkpoint of Cairn environment '" + me.name() + "' through JMX: "
                    + (r.performed() ? r.pagesWritten() + " pages in " + r.durationMillis() + " ms" : "nothing to do"));
            return new CheckpointInfo(r.performed(), r.startLsn(), r.checkpointLsn(), r.pagesWritten(), r.bytesWritten(),
                    r.durationMillis(), r.reason());
        }));
    }

    @Override
    public List<String> listArchivableLogs() {
        return operation(() -> call("listArchivableLogs", () -> paths(env().internals().logArchive().archivable())));
    }

    @Override
    public List<String> listAllLogs() {
        return operation(() -> call("listAllLogs", () -> paths(env().internals().logArchive().allSegments())));
    }

    @Override
    public List<LogSegmentInfo> describeLogs() {
        return operation(() -> call("describeLogs", () -> {
            List<LogSegmentInfo> out = new ArrayList<>();
            for (LogArchive.SegmentStatus s : env().internals().logArchive().segments()) {
                out.add(new LogSegmentInfo(s.segment(), s.path().toString(), s.size(), s.archivable(), s.reasons()));
            }
            return out;
        }));
    }

    @Override
    public List<String> listDataFiles() {
        return operation(() -> call("listDataFiles", () -> paths(env().internals().logArchive().dataFiles())));
    }

    @Override
    public List<String> removeArchivableLogs() {
        return operation(() -> call("removeArchivableLogs", () -> {
            List<String> removed = paths(env().internals().logArchive().removeArchivable());
            LOG.log(System.Logger.Level.INFO, "removed " + removed.size() + " unneeded log segments of Cairn environment '"
                    + me.name() + "' through JMX");
            return removed;
        }));
    }

    @Override
    public String takeOverArchive() {
        return operation(() -> call("takeOverArchive", () -> {
            org.cairndb.archive.ContinuousArchiver archiver = env().internals().archiver();
            if (archiver == null) {
                throw new IllegalStateException("continuous archiving is off for Cairn environment '" + me.name()
                        + "' (ArchiveDirectory): there is no archive to take over");
            }
            org.cairndb.archive.ArchiveOwner.Claim before = archiver.takeOver();
            String said = org.cairndb.archive.ArchiveOwner.describeTakeOver(archiver.directory(), env().home(), before);
            LOG.log(System.Logger.Level.INFO, said + " (taken over through JMX)");
            return said;
        }));
    }

    @Override
    public BackupInfo hotBackup(String directory, boolean checkpointFirst) {
        return operation(() -> {
            Path target = call("hotBackup", () -> target(directory, false));
            Path existed = RealPaths.nearestExisting(target);
            try {
                return longOperation("hotBackup", target, progress -> me.backup(target,
                        me.settings().backupOptions().withCheckpointFirst(checkpointFirst).withProgress(progress)));
            } catch (RuntimeException e) {
                removeDirectoriesOnTheWay(target, existed);
                throw e;
            }
        });
    }

    /**
     * After a backup failed before its target directory was made (a name the file system refuses,
     * say): removes the directories on the way to it that the attempt made, below {@code existed},
     * so that a refused target leaves nothing behind. Only empty ones: a directory that holds
     * anything (another backup being made there meanwhile) stays. A target that was made is left
     * as it is, an unfinished backup without a manifest.
     */
    private static void removeDirectoriesOnTheWay(Path target, Path existed) {
        if (existed == null || Files.exists(target)) {
            return;
        }
        for (Path p = target.getParent(); p != null && p.startsWith(existed) && !p.equals(existed); p = p.getParent()) {
            try {
                Files.deleteIfExists(p);
            } catch (java.nio.file.DirectoryNotEmptyException inUse) {
                return;
            } catch (IOException neverMade) {
                // its name is the one refused: nothing to remove there, go on with its parent
            }
        }
    }

    @Override
    public BackupInfo updateBackup(String directory) {
        return operation(() -> {
            Path target = call("updateBackup", () -> target(directory, true));
            return longOperation("updateBackup", target, progress -> me.backup(target,
                    me.settings().backupOptions().withUpdate(true).withProgress(progress)));
        });
    }

    @Override
    public BackupInfo updateFailover() {
        return operation(this::updateFailoverNow);
    }

    private BackupInfo updateFailoverNow() {
        Path target = call("updateFailover", () -> {
            env();
            Path dir = me.settings().failoverDir();
            if (dir == null) {
                throw new IllegalStateException("Cairn environment '" + me.name() + "' has no failover directory: set"
                        + " the resource adapter's FailoverDirectory property");
            }
            return dir;
        });
        return longOperation("updateFailover", target, me::updateFailover);
    }

    @Override
    public VerifyInfo verify() {
        return operation(this::verifyNow);
    }

    private VerifyInfo verifyNow() {
        Path home = call("verify", () -> env().home());
        long[] t0 = {System.currentTimeMillis()};
        String op = "verify";
        notify(OPERATION_STARTED, op + " of " + home + " started", data(op, home));
        try {
            Verifier.Report r = new Verifier(home).progress(p -> notifyProgress(op + " of " + home + ": " + p, data(op, home),
                    p.phase(), p.files(), p.bytes(), p.elapsedMillis())).verify(List.of());
            List<String> problems = new ArrayList<>();
            r.problems().forEach(p -> problems.add(p.toString()));
            long records = 0;
            for (Verifier.DatabaseSummary d : r.databases()) {
                records += d.records();
            }
            String summary = Counted.of(r.databases().size(), "database") + ", " + Counted.of(records, "record")
                    + (r.log() == null ? "" : "; log: " + Counted.of(r.log().segments(), "segment") + ", "
                            + Counted.of(r.log().records(), "record") + ", ending at " + r.log().endLsn())
                    + "; " + Counted.of(problems.size(), "problem");
            VerifyInfo info = new VerifyInfo(r.ok(), problems, r.warnings(), summary);
            Map<String, Object> d = data(op, home);
            d.put("elapsedMillis", System.currentTimeMillis() - t0[0]);
            // What a monitor filtering notifications needs: a verify that found damage completes too.
            d.put("ok", r.ok());
            d.put("problems", problems.size());
            notify(OPERATION_COMPLETED, op + " of " + home + ": " + summary, d);
            LOG.log(r.ok() ? System.Logger.Level.INFO : System.Logger.Level.WARNING, "verify of Cairn environment '"
                    + me.name() + "': " + summary + (problems.isEmpty() ? "" : ": " + problems));
            return info;
        } catch (IOException | RuntimeException e) {
            RuntimeException clean = clean("verify", e);
            notify(OPERATION_FAILED, op + " of " + home + " failed: " + clean.getMessage(), data(op, home));
            throw clean;
        }
    }

    @Override
    public String heuristicCommit(String xid) {
        return operation(() -> call("heuristicCommit", () -> logged(me.branches().heuristicCommit(xid))));
    }

    @Override
    public String heuristicRollback(String xid) {
        return operation(() -> call("heuristicRollback", () -> logged(me.branches().heuristicRollback(xid))));
    }

    @Override
    public boolean forget(String xid) {
        return operation(() -> call("forget", () -> {
            boolean forgotten = me.branches().forget(xid);
            LOG.log(System.Logger.Level.INFO, "Cairn environment '" + me.name() + "': heuristic decision on " + xid
                    + (forgotten ? " forgotten" : " not found") + " (through JMX)");
            return forgotten;
        }));
    }

    private String logged(String what) {
        LOG.log(System.Logger.Level.WARNING, "Cairn environment '" + me.name() + "': " + what + " by an administrator (JMX)");
        return what;
    }

    // ---- long operations ----

    private interface BackupCall {
        BackupResult run(Consumer<BackupProgress> progress) throws IOException;
    }

    private BackupInfo longOperation(String op, Path target, BackupCall body) {
        RuntimeException[] cleaned = new RuntimeException[1];
        try {
            BackupResult r = notified(op, target, body, false, e -> (cleaned[0] = clean(op, e)).getMessage());
            return new BackupInfo(target.toString(), r.filesCopied(), r.bytesCopied(), r.durationMillis(),
                    r.manifest().startLsn(), r.manifest().endLsn(), r.recovery() == null ? null : r.recovery().toString());
        } catch (IOException | RuntimeException e) {
            throw cleaned[0] != null ? cleaned[0] : clean(op, e);
        }
    }

    /**
     * A failover update the maintenance timer runs: the same notifications as {@link #updateFailover()},
     * their user data marked {@code scheduled}, so that a console sees the copy fall behind. A failure
     * is thrown as it is, for the timer to log.
     */
    public void scheduledFailoverUpdate() throws IOException {
        Path dir = me.settings().failoverDir();
        if (dir == null) {
            me.updateFailover(null); // says that there is no failover directory
            return;
        }
        notified("updateFailover", dir, me::updateFailover, true, EnvironmentAdmin::message);
    }

    /** A progress notification of a copy or a verify: {@code data} with the phase and what it has done so far. */
    private void notifyProgress(String text, Map<String, Object> data, String phase, int files, long bytes, long elapsedMillis) {
        data.put("phase", phase);
        data.put("files", files);
        data.put("bytes", bytes);
        data.put("elapsedMillis", elapsedMillis);
        notify(OPERATION_PROGRESS, text, data);
    }

    /** Runs {@code body} between a started and a completed or failed notification, with progress between. */
    private BackupResult notified(String op, Path target, BackupCall body, boolean scheduled,
            java.util.function.Function<Exception, String> why) throws IOException {
        notify(OPERATION_STARTED, op + " to " + target + " started" + (scheduled ? " (scheduled)" : ""),
                data(op, target, scheduled));
        try {
            BackupResult r = body.run(p -> notifyProgress(op + " to " + target + ": " + p, data(op, target, scheduled),
                    p.phase(), p.files(), p.bytes(), p.elapsedMillis()));
            Map<String, Object> d = data(op, target, scheduled);
            d.put("files", r.filesCopied());
            d.put("bytes", r.bytesCopied());
            d.put("elapsedMillis", r.durationMillis());
            String copied = Counted.of(r.filesCopied(), "file") + ", " + Counted.of(r.bytesCopied(), "byte") + " in "
                    + r.durationMillis() + " ms";
            notify(OPERATION_COMPLETED, op + " to " + target + " done: " + copied, d);
            LOG.log(System.Logger.Level.INFO, op + " of Cairn environment '" + me.name() + "' to " + target + " done: "
                    + copied + (scheduled ? " (scheduled)" : ""));
            return r;
        } catch (IOException | RuntimeException e) {
            notify(OPERATION_FAILED, op + " to " + target + " failed: " + why.apply(e), data(op, target, scheduled));
            throw e;
        }
    }

    /**
     * The backup target for {@code directory}: inside the backup root; for a new backup empty or
     * missing, for an update an existing directory. Nothing is created here.
     */
    private static boolean overlaps(Path a, Path b) {
        return a.startsWith(b) || b.startsWith(a);
    }

    /** {@code p} with every symbolic link of its existing part resolved (the rest appended as it is). */
    private static Path realPath(Path p) throws IOException {
        Path existing = RealPaths.nearestExisting(p);
        return existing == null ? p : existing.toRealPath().resolve(existing.relativize(p)).normalize();
    }

    private Path target(String directory, boolean update) throws IOException {
        env();
        if (directory == null || directory.isBlank()) {
            throw new IllegalArgumentException("give a target directory (relative to the backup root "
                    + me.settings().backupRoot() + ", or absolute inside it)");
        }
        Path root = me.settings().backupRoot();
        Path target = root.resolve(directory.trim()).toAbsolutePath().normalize();
        if (target.equals(root)) {
            throw new IllegalArgumentException("backup target " + target + " is the backup root itself (the resource"
                    + " adapter's BackupRoot property); choose a directory inside it");
        }
        if (!target.startsWith(root)) {
            throw new IllegalArgumentException("backup target " + target + " lies outside the backup root " + root
                    + " (the resource adapter's BackupRoot property); choose a directory inside it");
        }
        // A symbolic link inside the root must not lead out of it.
        Path existing = RealPaths.nearestExisting(target);
        if (existing != null && Files.exists(root)) {
            Path real = existing.toRealPath();
            if (!real.startsWith(root.toRealPath())) {
                throw new IllegalArgumentException("backup target " + target + " leads through " + existing + " to " + real
                        + ", outside the backup root " + root);
            }
        }
        // Every environment of the deployment shares the root: another one's failover copy is no
        // place for this one's backup either (its updates would be refused from then on).
        for (org.cairndb.rar.EnvironmentSettings other : me.deployment()) {
            Path failover = other.failoverDir();
            if (failover == null) {
                continue;
            }
            boolean named = overlaps(target, failover);
            if (named || overlaps(realPath(target), realPath(failover))) {
                boolean own = other.name().equals(me.name());
                throw new IllegalArgumentException("backup target " + target + " overlaps the failover directory "
                        + failover + (own ? "" : " of environment '" + other.name() + "'")
                        + (named ? "" : " through a symbolic link")
                        + (own ? "; use updateFailover for that copy" : "; choose another directory"));
            }
        }
        // A backup's directory (or any Cairn home) holds only its own files: a new directory inside
        // it would pass as "new" but add a foreign tree to it.
        for (Path p = target.getParent(); p != null && p.startsWith(root) && !p.equals(root); p = p.getParent()) {
            if (Files.exists(p.resolve(org.cairndb.backup.BackupManifest.FILE_NAME))
                    || Files.exists(p.resolve(org.cairndb.env.EnvironmentHome.LOCK_FILE))) {
                throw new IllegalArgumentException("backup target " + target + " lies inside " + p + ", a backup or"
                        + " Cairn environment; choose a directory outside it");
            }
        }
        if (update) {
            if (!Files.isDirectory(target)) {
                throw new IllegalArgumentException("cannot update " + target + ": there is no backup there");
            }
        } else if (Files.exists(target)) {
            if (!Files.isDirectory(target)) {
                throw new IllegalArgumentException("backup target " + target + " is not a directory");
            }
            try (Stream<Path> s = Files.list(target)) {
                if (s.findAny().isPresent()) {
                    throw new IllegalArgumentException("backup target " + target + " is not empty; give an empty or new"
                            + " directory, or bring an existing backup forward with updateBackup");
                }
            }
        }
        return target;
    }

    // ---- helpers ----

    /**
     * Runs an operation as work in progress of the environment: stop() waits for it before it closes
     * the environment, and once stop() has begun it is refused (an IllegalStateException saying so)
     * rather than run against an environment being closed.
     */
    private <T> T operation(java.util.function.Supplier<T> body) {
        me.beginOperation();
        try {
            return body.get();
        } finally {
            me.endOperation();
        }
    }

    private Map<String, Object> data(String op, Path target) {
        return data(op, target, false);
    }

    private Map<String, Object> data(String op, Path target, boolean scheduled) {
        Map<String, Object> d = new HashMap<>();
        if (scheduled) {
            d.put("scheduled", true);
        }
        d.put("environment", me.name());
        d.put("operation", op);
        d.put("target", target.toString());
        return d;
    }

    private void notify(String type, String message, Map<String, Object> userData) {
        Notification n = new Notification(type, source, sequence.incrementAndGet(), System.currentTimeMillis(), message);
        n.setUserData(new HashMap<>(userData));
        emitter.sendNotification(n);
    }

    private static List<String> paths(List<Path> paths) {
        List<String> out = new ArrayList<>(paths.size());
        for (Path p : paths) {
            out.add(p.toAbsolutePath().toString());
        }
        return out;
    }

    private <T> T call(String what, Callable<T> body) {
        try {
            return body.call();
        } catch (Exception e) {
            throw clean(what, e);
        }
    }

    /** What went wrong, in words: a file-system exception's message is only the path. */
    private static String message(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException f) {
            return "no such file or directory: " + f.getFile();
        }
        if (e instanceof java.nio.file.AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (e instanceof java.nio.file.FileSystemException f) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName());
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** The same failure as a JDK exception without a cause chain (a JMX client may lack Cairn's classes). */
    private RuntimeException clean(String what, Exception e) {
        String message = message(e);
        if (e instanceof IllegalStateException || e instanceof org.cairndb.EnvironmentFailureException) {
            // Said where it happened (the failure is logged once, as an error); a console polling
            // the attributes of a failed environment must not fill the log with it.
            return new IllegalStateException(message);
        }
        if (e instanceof IllegalArgumentException) {
            LOG.log(System.Logger.Level.INFO, "Cairn environment '" + me.name() + "': " + what + " refused: " + message);
            return new IllegalArgumentException(message);
        }
        LOG.log(System.Logger.Level.WARNING, "Cairn environment '" + me.name() + "': " + what + " failed: " + message, e);
        return new RuntimeException(what + " failed: " + message);
    }
}
