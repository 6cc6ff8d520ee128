package org.cairndb.rar;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.BootstrapContext;
import jakarta.resource.spi.ResourceAdapterInternalException;
import jakarta.resource.spi.UnavailableException;
import jakarta.resource.spi.work.Work;
import jakarta.resource.spi.work.WorkException;
import jakarta.resource.spi.work.WorkManager;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.cairndb.CheckpointResult;
import org.cairndb.CairnException;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.EnvironmentFailureException;
import org.cairndb.RecoveryReport;
import org.cairndb.EnvironmentLockedException;
import org.cairndb.archive.ContinuousArchiver;
import org.cairndb.backup.BackupOptions;
import org.cairndb.backup.BackupProgress;
import org.cairndb.backup.BackupResult;
import org.cairndb.backup.Failover;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.rar.admin.EnvironmentAdmin;

/**
 * One configured environment inside the adapter: opened with recovery as {@link Work} when the
 * adapter starts, its admin MBean registered, its checkpoints, archiving and failover updates run
 * from a {@link BootstrapContext} timer as {@link Work}; checkpointed and closed when the adapter stops.
 * Connection requests made while it recovers wait for it (up to {@code ConnectionWaitSeconds}).
 */
public final class ManagedEnvironment {

    private static final System.Logger LOG = System.getLogger(ManagedEnvironment.class.getName());
    /** How often the timer looks whether a checkpoint, an archive pass or a failover update is due. */
    private static final long TICK_MILLIS = 1000;
    /** How long stop() waits for background work still running. */
    private static final long STOP_WAIT_MILLIS = 120_000;

    /** Where the environment stands. */
    public enum State { STARTING, OPEN, FAILED, CLOSED }

    private final EnvironmentSettings settings;
    private final BootstrapContext ctx;
    private final ThreadTransaction threadTransaction;
    private final List<EnvironmentSettings> deployment;
    private final CountDownLatch started = new CountDownLatch(1);
    private final Map<String, Database> databases = new ConcurrentHashMap<>();
    private final AtomicBoolean checkpointRunning = new AtomicBoolean();
    private final AtomicBoolean failoverScheduled = new AtomicBoolean();
    private final ReentrantLock failoverLock = new ReentrantLock();
    /** Background work and admin operations in progress; stop() waits for none. Guarded by itself. */
    private final int[] busy = new int[1];
    private final Object stateLock = new Object();
    private final long startMillis = System.currentTimeMillis();

    private volatile State state = State.STARTING;
    private volatile Environment env;
    private volatile BranchSupport branches;
    private volatile Throwable failure;
    private volatile boolean closeRequested;
    private volatile long lastFailoverMillis; // 0: the first update comes right after the open
    private volatile String lastFailover = "none";
    private volatile String lastBackup = "none";
    private Timer timer;
    private ObjectName objectName;
    private volatile EnvironmentAdmin admin; // set once its MBean is registered: scheduled updates notify through it

    ManagedEnvironment(EnvironmentSettings settings, List<EnvironmentSettings> deployment, BootstrapContext ctx) {
        this.settings = settings;
        this.deployment = List.copyOf(deployment);
        this.ctx = ctx;
        this.threadTransaction = ThreadTransaction.of(ctx);
    }

    /** See {@link ThreadTransaction#finishedOrDoomed()}. */
    String threadTransactionFinishedOrDoomed() {
        return threadTransaction.finishedOrDoomed();
    }

    public String name() {
        return settings.name();
    }

    public EnvironmentSettings settings() {
        return settings;
    }

    /**
     * The settings of every environment the same adapter opens, this one's included: they share the
     * backup root, so a backup target must also keep clear of the others' failover directories.
     */
    public List<EnvironmentSettings> deployment() {
        return deployment;
    }

    /** FAILED also when the environment failed after it opened (a log write failed, say). */
    public State state() {
        State s = state;
        return s == State.OPEN && runtimeFailure() != null ? State.FAILED : s;
    }

    /** Why the open environment became unusable, or null while it is usable. */
    private RuntimeException runtimeFailure() {
        Environment e = env;
        if (e == null || closeRequested) {
            return null;
        }
        try {
            e.internals().checkUsable();
            return null;
        } catch (RuntimeException ex) {
            return ex;
        }
    }

    /** Why opening failed, or null. */
    public Throwable failure() {
        return failure;
    }

    /** The MBean name, {@code org.cairndb:type=Environment,name=<env>}. */
    public static ObjectName objectName(String envName) {
        try {
            return new ObjectName("org.cairndb:type=Environment,name=" + ObjectName.quote(envName).replaceAll("^\"|\"$", ""));
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException("environment name '" + envName + "' cannot be part of an MBean name", e);
        }
    }

    // ---- start ----

    /** Starts recovery as Work; returns at once. */
    void start() throws ResourceException {
        Work open = new NamedWork("open Cairn environment '" + name() + "'", this::open);
        WorkManager wm = ctx == null ? null : ctx.getWorkManager();
        if (wm == null) {
            Thread t = new Thread(open, "cairn-open " + name());
            t.setDaemon(true);
            t.start();
            return;
        }
        try {
            wm.startWork(open);
        } catch (WorkException e) {
            // Nothing will run open(): say so now. Left STARTING, the adapter's clean-up (close()) and
            // every connection request would wait for a recovery that never comes.
            failure = e;
            state = State.FAILED;
            started.countDown();
            throw new ResourceAdapterInternalException("cannot start the recovery of Cairn environment '" + name()
                    + "': the server's WorkManager refused it: " + e.getMessage(), e);
        }
    }

    /**
     * Waits up to {@code StartWaitSeconds} for recovery. Fails the start if it failed by then; if it
     * is still running, returns and lets it go on (connections wait for it).
     */
    void awaitStart() throws ResourceException {
        try {
            started.await(settings.startWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (state == State.FAILED) {
            throw new ResourceAdapterInternalException(failureMessage(), failure instanceof Exception ex ? ex : null);
        }
        if (state == State.STARTING) {
            LOG.log(System.Logger.Level.INFO, "Cairn environment '" + name() + "' is still recovering after "
                    + settings.startWait().toSeconds() + " s; the adapter starts now and connections wait for it (up to "
                    + settings.connectionWait().toSeconds() + " s each)");
        }
    }

    private String failureMessage() {
        Throwable f = failure;
        RuntimeException later = f == null ? runtimeFailure() : null;
        if (later != null) {
            return "Cairn environment '" + name() + "' in " + settings.home() + " failed: " + later.getMessage()
                    + "; redeploy the adapter (or restart the server) to recover it";
        }
        return "Cairn environment '" + name() + "' in " + settings.home() + " could not be opened: "
                + (f == null ? "unknown error" : f.getMessage());
    }

    private void open() {
        Environment opened = null;
        try {
            opened = openWithRecovery();
            BranchSupport b = new XaBranchSupport(opened);
            synchronized (stateLock) {
                if (closeRequested) {
                    opened.close();
                    state = State.CLOSED;
                    return;
                }
                env = opened;
                branches = b;
                register();
                schedule();
                state = State.OPEN;
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            state = State.FAILED;
            LOG.log(System.Logger.Level.ERROR, failureMessage(), e);
            if (opened != null) {
                // Opened, then registering or scheduling failed: let go of everything, or the home
                // stays locked by this process and no redeploy can open it.
                undoOpen(opened, e);
            }
        } finally {
            started.countDown();
        }
    }

    private void undoOpen(Environment opened, Throwable why) {
        synchronized (stateLock) {
            if (timer != null) {
                timer.cancel();
            }
            if (objectName != null) {
                try {
                    ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
                } catch (javax.management.JMException ex) {
                    why.addSuppressed(ex);
                }
                objectName = null;
            }
            env = null;
        }
        try {
            opened.close();
        } catch (RuntimeException ce) {
            why.addSuppressed(ce);
        }
    }

    private Environment openWithRecovery() {
        try {
            return openAndReport();
        } catch (EnvironmentLockedException e) {
            throw heldInThisServer(e);
        }
    }

    /**
     * The home locked by this very server: another activation of the adapter (a second deployment,
     * or a resource-adapters subsystem entry beside the archive's own ironjacamar.xml, which WildFly
     * activates too) has it open. The engine's message ("this process ... share that Environment")
     * speaks to a programmer; an admin needs to know which environment holds it.
     */
    private RuntimeException heldInThisServer(EnvironmentLockedException e) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName every;
        try {
            every = new ObjectName("org.cairndb:type=Environment,*");
        } catch (javax.management.MalformedObjectNameException bad) {
            throw new IllegalStateException(bad);
        }
        for (ObjectName on : server.queryNames(every, null)) {
            if (settings.home().toString().equals(attribute(server, on, "Home"))) {
                return new EnvironmentLockedException("its home is open already in this server as Cairn environment '"
                        + on.getKeyProperty("name") + "' (" + attribute(server, on, "State") + ", MBean " + on + ") of"
                        + " another activation of the adapter (a second deployment of it, or a resource-adapters"
                        + " subsystem entry beside the archive's own ironjacamar.xml): give this one another"
                        + " EnvironmentHome and EnvironmentName");
            }
        }
        return e;
    }

    private Environment openAndReport() {
        EnvironmentSettings.RecoveryMode mode = settings.recovery();
        // The line below logs the report with the environment's name, mode and time: the engine's
        // own line would say the same again.
        EnvironmentConfig c = settings.config().copy().logRecoveryReport(false);
        long t0 = System.currentTimeMillis();
        Environment e;
        String how;
        if (mode == EnvironmentSettings.RecoveryMode.CATASTROPHIC) {
            how = "catastrophic recovery";
            e = Environment.open(settings.home(), c.catastrophicRecovery(true));
        } else {
            try {
                how = "normal recovery";
                e = Environment.open(settings.home(), c);
            } catch (CairnException ex) {
                if (mode != EnvironmentSettings.RecoveryMode.NORMAL_THEN_CATASTROPHIC
                        || ex instanceof EnvironmentLockedException) {
                    throw ex;
                }
                LOG.log(System.Logger.Level.WARNING, "normal recovery of Cairn environment '" + name() + "' failed ("
                        + ex.getMessage() + "); trying catastrophic recovery, as Recovery=normal-then-catastrophic allows");
                how = "catastrophic recovery after normal recovery failed";
                e = Environment.open(settings.home(), c.copy().catastrophicRecovery(true));
            }
        }
        RecoveryReport r = e.recoveryReport();
        LOG.log(System.Logger.Level.INFO, "Cairn environment '" + name() + "' opened in " + settings.home() + " with "
                + how + " (" + (System.currentTimeMillis() - t0) + " ms): " + r);
        int prepared = e.preparedTransactions().size();
        if (prepared > 0) {
            LOG.log(System.Logger.Level.WARNING, "Cairn environment '" + name() + "' holds " + prepared
                    + " prepared (in-doubt) transactions; the transaction manager's recovery will complete them"
                    + " (or an admin through the MBean " + objectName(name()) + ")");
        }
        return e;
    }

    private void register() {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            ObjectName on = objectName(name());
            if (server.isRegistered(on)) {
                Object other = stateOf(server, on);
                // FAILED too: an environment that failed after it opened keeps its MBean until its
                // deployment stops, and that stop unregisters the name, whoever holds it by then.
                if ("OPEN".equals(other) || "STARTING".equals(other) || "FAILED".equals(other)) {
                    throw new IllegalStateException("the MBean " + on + " is already registered for an environment that"
                            + " is " + other + " (home " + attribute(server, on, "Home") + "), by another deployment of"
                            + " the adapter: " + ("FAILED".equals(other) ? "undeploy that one first, or " : "")
                            + "give this one another EnvironmentName");
                }
                LOG.log(System.Logger.Level.WARNING, "replacing a stale MBean " + on + " (its environment is " + other + ")");
                server.unregisterMBean(on);
            }
            EnvironmentAdmin a = new EnvironmentAdmin(this);
            server.registerMBean(EnvironmentAdmin.mbean(a), on);
            admin = a;
            objectName = on;
        } catch (javax.management.JMException e) {
            throw new IllegalStateException("cannot register the admin MBean of Cairn environment '" + name() + "': "
                    + e.getMessage(), e);
        }
    }

    private static Object stateOf(MBeanServer server, ObjectName on) {
        return attribute(server, on, "State");
    }

    private static Object attribute(MBeanServer server, ObjectName on, String name) {
        try {
            return String.valueOf(server.getAttribute(on, name));
        } catch (javax.management.JMException | RuntimeException e) {
            return "unreadable (" + e.getMessage() + ")";
        }
    }

    private void schedule() {
        try {
            timer = ctx == null ? new Timer("cairn-maintenance " + name(), true) : ctx.createTimer();
        } catch (UnavailableException e) {
            LOG.log(System.Logger.Level.WARNING, "no timer from the server (" + e.getMessage() + "); Cairn environment '"
                    + name() + "' uses its own");
            timer = new Timer("cairn-maintenance " + name(), true);
        }
        timer.schedule(new TimerTask() {
            @Override
            public void run() {
                tick();
            }
        }, TICK_MILLIS, TICK_MILLIS);
    }

    // ---- waiting for it ----

    /** Waits (up to the connection wait) for recovery to end; returns the state then. */
    State awaitOpenState() throws InterruptedException {
        started.await(settings.connectionWait().toMillis(), TimeUnit.MILLISECONDS);
        return state;
    }

    /** The open environment, waiting up to {@code ConnectionWaitSeconds} while it recovers. */
    Environment awaitOpen() throws ResourceException {
        return awaitOpen(settings.connectionWait());
    }

    Environment awaitOpen(Duration wait) throws ResourceException {
        if (state == State.STARTING) {
            try {
                if (!started.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                    throw new ResourceException("Cairn environment '" + name() + "' is still recovering (for "
                            + (System.currentTimeMillis() - startMillis) / 1000 + " s); gave up waiting after "
                            + wait.toSeconds() + " s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ResourceException("interrupted while waiting for Cairn environment '" + name() + "' to recover");
            }
        }
        State s = state();
        if (s == State.OPEN) {
            return env;
        }
        if (s == State.FAILED) {
            throw new ResourceException(failureMessage());
        }
        throw new ResourceException("Cairn environment '" + name() + "' is closed (the resource adapter stopped)");
    }

    /** The open environment, or an IllegalStateException naming why there is none (for admin calls). */
    public Environment environment() {
        State s = state();
        if (s == State.OPEN) {
            return env;
        }
        throw new IllegalStateException(switch (s) {
            case STARTING -> "Cairn environment '" + name() + "' is still recovering";
            case FAILED -> failureMessage();
            default -> "Cairn environment '" + name() + "' is closed";
        });
    }

    public BranchSupport.Branches connectBranches(java.util.function.Supplier<String> outside) {
        environment();
        return branches.connect(outside);
    }

    public BranchSupport branches() {
        environment();
        return branches;
    }

    /** The database named {@code name}, created on first use. */
    Database database(String dbName) {
        Database db = databases.get(dbName);
        if (db == null) {
            db = databases.computeIfAbsent(dbName, n -> environment().openDatabase(n));
        }
        return db;
    }

    // ---- background work ----

    private void tick() {
        Environment e = env;
        // state(), not state: an environment that failed after it opened gets no more background work.
        // Its checkpoints would fail at every tick (one ERROR with a stack trace a second) and its
        // failover updates too; the failure was logged where it happened, and State says FAILED.
        if (state() != State.OPEN || e == null || closeRequested) {
            return;
        }
        try {
            EnvironmentImpl impl = e.internals();
            if (impl.isClosed()) {
                return;
            }
            String reason = checkpointDue(impl);
            if (reason != null && checkpointRunning.compareAndSet(false, true)) {
                submit("checkpoint of Cairn environment '" + name() + "' (" + reason + ")", () -> {
                    try {
                        maintain(reason);
                    } finally {
                        checkpointRunning.set(false);
                    }
                }, () -> checkpointRunning.set(false));
            }
            if (settings.failoverDir() != null && !settings.failoverInterval().isZero()
                    && System.currentTimeMillis() - lastFailoverMillis >= settings.failoverInterval().toMillis()
                    && failoverScheduled.compareAndSet(false, true)) {
                submit("failover update of Cairn environment '" + name() + "'", () -> {
                    try {
                        EnvironmentAdmin a = admin;
                        if (a != null) {
                            a.scheduledFailoverUpdate(); // notified, as the admin's own updates are
                        } else {
                            updateFailover(null);
                        }
                    } catch (RuntimeException | IOException ex) {
                        LOG.log(System.Logger.Level.WARNING, "scheduled failover update of Cairn environment '" + name()
                                + "' to " + settings.failoverDir() + " failed: " + ex.getMessage(), ex);
                    } finally {
                        failoverScheduled.set(false);
                    }
                }, () -> failoverScheduled.set(false));
            }
        } catch (RuntimeException ex) {
            LOG.log(System.Logger.Level.DEBUG, () -> "maintenance tick of '" + name() + "': " + ex.getMessage());
        }
    }

    /** Whether a checkpoint is due by the triggers in effect (CheckpointKBytes/Minutes, or the home's cairn.properties). */
    private String checkpointDue(EnvironmentImpl impl) {
        long kb = impl.config().checkpointKBytes();
        if (kb > 0 && impl.checkpointer().logBytesSinceLast() >= kb * 1024) {
            return "log volume";
        }
        long interval = impl.config().checkpointInterval().toMillis();
        if (interval > 0 && System.currentTimeMillis() - impl.checkpointer().lastCheckpointMillis() >= interval) {
            return "time";
        }
        return null;
    }

    /** A scheduled checkpoint, then an archive pass and automatic log removal when configured. */
    private void maintain(String reason) {
        Environment e = env;
        if (state != State.OPEN || e == null) {
            return;
        }
        try {
            EnvironmentImpl impl = e.internals();
            CheckpointResult r = impl.checkpoint(false, reason);
            if (r.performed()) {
                LOG.log(System.Logger.Level.DEBUG, () -> "checkpoint of Cairn environment '" + name() + "' (" + reason
                        + "): " + r.pagesWritten() + " pages in " + r.durationMillis() + " ms");
            }
            ContinuousArchiver archiver = impl.archiver();
            if (archiver != null) {
                archiver.archiveFinished();
            }
            if (impl.config().logAutoRemove()) {
                impl.logArchive().removeArchivable();
            }
        } catch (EnvironmentFailureException ex) {
            LOG.log(System.Logger.Level.ERROR, "Cairn environment '" + name() + "' failed during a scheduled checkpoint: "
                    + ex.getMessage(), ex);
        } catch (IOException | RuntimeException ex) {
            if (state == State.OPEN) {
                LOG.log(System.Logger.Level.WARNING, "scheduled maintenance of Cairn environment '" + name() + "' failed: "
                        + ex.getMessage(), ex);
            }
        }
    }

    /**
     * Brings the failover copy up to date (one update at a time). {@code progress} may be null.
     *
     * @throws IllegalStateException if no failover directory is configured
     */
    public BackupResult updateFailover(java.util.function.Consumer<BackupProgress> progress) throws IOException {
        Path dir = settings.failoverDir();
        if (dir == null) {
            throw new IllegalStateException("Cairn environment '" + name() + "' has no failover directory: set the"
                    + " resource adapter's FailoverDirectory property");
        }
        failoverLock.lock();
        try {
            beginOperation();
            try {
                BackupResult r = Failover.update(environment().internals(), dir,
                        settings().backupOptions().withProgress(progress));
                lastFailover = now() + ": " + describe(r) + " into " + dir;
                LOG.log(System.Logger.Level.INFO, "failover copy of Cairn environment '" + name() + "' updated: " + lastFailover);
                return r;
            } catch (IOException | RuntimeException ex) {
                // LastFailoverUpdate shows the failure: the admin sees that the copy is behind, and why.
                lastFailover = now() + ": failed: " + ex.getMessage() + " (into " + dir + ")";
                throw ex;
            } finally {
                // Also when it failed: the timer's next attempt then comes an interval later. Counting
                // only successes, a failing update (a failed-over copy, a full disk) was retried at
                // every tick, each a WARNING with a stack trace: one a second.
                lastFailoverMillis = System.currentTimeMillis();
                endOperation();
            }
        } finally {
            failoverLock.unlock();
        }
    }

    /** Runs a hot backup or backup update to {@code target} (already checked by the caller). */
    public BackupResult backup(Path target, BackupOptions options) throws IOException {
        beginOperation();
        try {
            BackupResult r = org.cairndb.backup.HotBackup.run(environment().internals(), target, options);
            lastBackup = now() + ": " + (options.update() ? "update of " : "hot backup to ") + target
                    + ": " + describe(r);
            return r;
        } catch (IOException | RuntimeException ex) {
            // Shown as LastFailoverUpdate shows a failed update: the last backup the admin asked for is
            // not there, and the attribute says why (it named the last success until now).
            lastBackup = now() + ": " + (options.update() ? "update of " : "hot backup to ") + target
                    + " failed: " + ex.getMessage();
            throw ex;
        } finally {
            endOperation();
        }
    }

    /**
     * Counts an admin operation (or background work) in progress until {@link #endOperation()}:
     * stop() waits for it before it closes the environment.
     *
     * @throws IllegalStateException once stop() has begun
     */
    public void beginOperation() {
        if (!tryBeginOperation()) {
            throw new IllegalStateException("Cairn environment '" + name() + "' is closing (the resource adapter is"
                    + " stopping): no new operations");
        }
    }

    /** Ends what {@link #beginOperation()} began. */
    public void endOperation() {
        synchronized (busy) {
            busy[0]--;
            busy.notifyAll();
        }
    }

    private boolean tryBeginOperation() {
        synchronized (busy) {
            // close() sets closeRequested before it waits for the count to drop to zero: what begins
            // after that would run against an environment being closed (or closed already).
            if (closeRequested) {
                return false;
            }
            busy[0]++;
            return true;
        }
    }

    /** Waits until no background work or admin operation runs, or the deadline passes; returns how many still run. */
    private int awaitIdle(long deadlineMillis) {
        synchronized (busy) {
            long left;
            while (busy[0] > 0 && (left = deadlineMillis - System.currentTimeMillis()) > 0) {
                try {
                    busy.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            return busy[0];
        }
    }

    /** Now, in milliseconds as every other time the MBean shows (LastCheckpointTime, manifests). */
    private static java.time.Instant now() {
        return java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    }

    static String describe(BackupResult r) {
        return org.cairndb.util.Counted.of(r.filesCopied(), "file") + ", " + org.cairndb.util.Counted.of(r.bytesCopied(),
                "byte") + " in " + r.durationMillis() + " ms, log "
                + r.manifest().startLsn() + " to " + r.manifest().endLsn();
    }

    public String lastBackup() {
        return lastBackup;
    }

    public String lastFailover() {
        return lastFailover;
    }

    private void submit(String what, Runnable body, Runnable onRejected) {
        if (!tryBeginOperation()) {
            onRejected.run(); // stop() has begun (a tick that was already running when it cancelled the timer)
            return;
        }
        Work w = new NamedWork(what, () -> {
            try {
                body.run();
            } finally {
                endOperation();
            }
        });
        WorkManager wm = ctx == null ? null : ctx.getWorkManager();
        try {
            if (wm == null) {
                Thread t = new Thread(w, "cairn " + what);
                t.setDaemon(true);
                t.start();
            } else {
                wm.scheduleWork(w);
            }
        } catch (WorkException | RuntimeException | Error e) {
            // Not only a refusal: a server's work manager that breaks (an unchecked exception), or no
            // native thread left for our own. Counted as running and flagged as scheduled, work that
            // never started kept the next ones from being scheduled and stop() waiting for it.
            endOperation();
            onRejected.run();
            LOG.log(System.Logger.Level.WARNING, "the server refused the " + what + ": " + e);
        }
    }

    // ---- stop ----

    /** Cancels the schedule, waits for background work, unregisters the MBean, checkpoints and closes. */
    void close() {
        Environment e;
        synchronized (stateLock) {
            closeRequested = true;
            if (state == State.STARTING) {
                LOG.log(System.Logger.Level.INFO, "Cairn environment '" + name() + "' is still recovering; it closes"
                        + " as soon as recovery ends");
            }
            if (timer != null) {
                timer.cancel();
            }
            e = env;
        }
        if (state == State.STARTING) {
            try {
                started.await(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            e = env;
        }
        if (e != null) {
            // A backup or failover update still copying stops at its next chunk, as the close would
            // stop it: it can be run again, and an undeploy is not held up for minutes by it. Stopped
            // now, not by the close, it ends (its failure notification sent) while the MBean is still
            // registered and a console's listener still hears it.
            e.internals().backupPins().stopAll("environment " + e.home() + " was closed while it copied"
                    + " (the resource adapter stopped)");
        }
        int running = awaitIdle(System.currentTimeMillis() + STOP_WAIT_MILLIS);
        if (running > 0) {
            LOG.log(System.Logger.Level.WARNING, "Cairn environment '" + name() + "': " + running + " operation(s) still"
                    + " running (stop waits up to " + STOP_WAIT_MILLIS / 1000 + " s for them); closing anyway (they fail)");
        }
        if (objectName != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
            } catch (javax.management.JMException ex) {
                LOG.log(System.Logger.Level.DEBUG, () -> "unregistering " + objectName + ": " + ex.getMessage());
            }
            objectName = null;
        }
        synchronized (stateLock) {
            if (e != null && state == State.OPEN) {
                try {
                    e.close();
                    LOG.log(System.Logger.Level.INFO, "Cairn environment '" + name() + "' checkpointed and closed");
                } catch (RuntimeException ex) {
                    LOG.log(System.Logger.Level.ERROR, "closing Cairn environment '" + name() + "': " + ex.getMessage(), ex);
                }
            }
            databases.clear();
            if (state != State.FAILED) {
                state = State.CLOSED;
            }
        }
    }

    /** A Work with a name (WildFly shows it in thread dumps and errors). */
    private record NamedWork(String name, Runnable body) implements Work {
        @Override
        public void run() {
            Thread t = Thread.currentThread();
            String old = t.getName();
            t.setName(old + " [" + name + "]");
            try {
                body.run();
            } finally {
                t.setName(old);
            }
        }

        @Override
        public void release() {
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
