package org.cairndb;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.cairndb.env.DatabaseImpl;
import org.cairndb.env.EnvironmentImpl;
import org.cairndb.txn.LockKey;
import org.cairndb.txn.Txn;

/**
 * A Cairn environment: a home directory holding databases, their log and their configuration.
 * Opening it runs normal recovery; closing it checkpoints.
 *
 * <pre>{@code
 * try (Environment env = Environment.open(Path.of("/var/lib/app/store"))) {
 *     Database accounts = env.openDatabase("accounts");
 *     try (Transaction txn = env.beginTransaction()) {
 *         accounts.put(txn, key, value);
 *         txn.commit();
 *     }
 * }
 * }</pre>
 *
 * An environment is safe for use by many threads. Only one process may have it open.
 */
public final class Environment implements AutoCloseable {

    private final EnvironmentImpl env;

    private Environment(EnvironmentImpl env) {
        this.env = env;
    }

    /** Opens (creating it if missing) the environment in {@code home} with the default configuration. */
    public static Environment open(Path home) {
        return open(home, new EnvironmentConfig());
    }

    /**
     * Opens the environment in {@code home}, creating it if missing and allowed, and runs normal
     * recovery. Settings in {@code home/cairn.properties} override those of {@code config}.
     *
     * @throws EnvironmentLockedException if another process has it open
     * @throws CorruptionException        if the log or a data file is damaged beyond a torn tail
     */
    public static Environment open(Path home, EnvironmentConfig config) {
        if (home == null || config == null) {
            throw new IllegalArgumentException(home == null ? "the environment's home directory must not be null"
                    : "the configuration of environment " + home + " must not be null (use new EnvironmentConfig())");
        }
        return new Environment(EnvironmentImpl.open(home, config));
    }

    /** The absolute home directory. */
    public Path home() {
        return env.home().home();
    }

    /** The effective configuration (after {@code cairn.properties}). */
    public EnvironmentConfig config() {
        return env.config().copy();
    }

    /** Opens the named database, creating it if it does not exist. */
    public Database openDatabase(String name) {
        return openDatabase(name, true);
    }

    /**
     * Opens the named database; creates it when missing if {@code create}, otherwise throws
     * {@link DatabaseNotFoundException}. Names are file names: letters, digits, '_', '-', '.'.
     */
    public Database openDatabase(String name, boolean create) {
        return new Database(this, env, env.openDatabase(name, create));
    }

    /** Whether a database of that name exists (false for a name no database can have). */
    public boolean databaseExists(String name) {
        env.checkUsable();
        if (name == null) {
            throw new IllegalArgumentException("the database name must not be null");
        }
        return env.catalog().byName(name) != null;
    }

    /** Names of all databases, sorted. */
    public List<String> databaseNames() {
        env.checkUsable();
        return env.catalog().names();
    }

    /** Removes a database and its data file. Fails if an unfinished transaction wrote to it. */
    public void removeDatabase(String name) {
        env.removeDatabase(name);
    }

    public Transaction beginTransaction() {
        return beginTransaction(new TransactionConfig());
    }

    /** Begins a transaction; what {@code config} leaves unset comes from the environment's configuration. */
    public Transaction beginTransaction(TransactionConfig config) {
        env.checkUsable();
        if (config == null) {
            throw new IllegalArgumentException("the transaction configuration must not be null (use new TransactionConfig()"
                    + " or beginTransaction())");
        }
        Txn t = env.txns().begin(config.isolation(), config.durability(), nanos(config.timeout()),
                nanos(config.lockTimeout()));
        return new Transaction(env, t);
    }

    private static long nanos(Duration d) {
        return d == null ? -1 : d.toNanos();
    }

    /** Prepared (in-doubt) transactions: those prepared in this process and those restored by recovery. */
    public List<PreparedTransaction> preparedTransactions() {
        env.checkUsable();
        List<PreparedTransaction> list = new ArrayList<>();
        for (Txn t : env.txns().preparedTransactions()) {
            PreparedTransaction p = describe(t);
            if (p != null) {
                list.add(p);
            }
        }
        return list;
    }

    /**
     * A handle on the prepared transaction with this global id, to commit or roll it back; null if
     * none. A null global id is refused, as by {@link #heuristicOutcome}: it was answered "none",
     * hiding the caller's mistake.
     */
    public Transaction preparedTransaction(byte[] globalId) {
        requireGlobalId(globalId);
        env.checkUsable();
        Txn t = env.txns().preparedByGlobalId(globalId);
        return t == null ? null : new Transaction(env, t);
    }

    /** Prepared transactions an admin completed heuristically and nobody has forgotten yet. */
    public List<HeuristicOutcome> heuristicOutcomes() {
        env.checkUsable();
        return env.txns().heuristics();
    }

    /** The heuristic outcome recorded for this global id, or null. */
    public HeuristicOutcome heuristicOutcome(byte[] globalId) {
        requireGlobalId(globalId);
        env.checkUsable();
        return env.txns().heuristic(globalId);
    }

    /** Forgets a heuristic outcome, durably. Returns false if none was recorded for this global id. */
    public boolean forgetHeuristic(byte[] globalId) {
        requireGlobalId(globalId);
        env.checkUsable();
        return env.txns().forget(globalId);
    }

    private static void requireGlobalId(byte[] globalId) {
        if (globalId == null) {
            throw new IllegalArgumentException("the global transaction id must not be null");
        }
    }

    /**
     * The description of prepared transaction {@code t}, or null if it was completed meanwhile. Read
     * under the transaction's monitor, under which its completion empties its locks and writes: a
     * recovery scan runs while other branches commit.
     */
    private PreparedTransaction describe(Txn t) {
        Set<String> dbs = new LinkedHashSet<>();
        List<LockKey> held;
        int writes;
        synchronized (t) {
            if (t.state() != Txn.State.PREPARED) {
                return null;
            }
            for (Integer id : t.writes().databases()) {
                dbs.add(env.catalog().nameOf(id));
            }
            held = List.copyOf(t.locks());
            writes = t.writes().size();
        }
        return new PreparedTransaction(t.id(), t.globalId(), Instant.ofEpochMilli(t.prepareMillis()), writes,
                held.size(), new ArrayList<>(dbs), env.txns().locks().waitersOf(t, held));
    }

    /**
     * Writes the committed state to the data files so that recovery can start later in the log.
     * Unless {@code force}, does nothing when nothing changed since the last checkpoint.
     */
    public CheckpointResult checkpoint(boolean force) {
        return env.checkpoint(force, "api");
    }

    /** What recovery did when this environment was opened. */
    public RecoveryReport recoveryReport() {
        return env.recoveryReport();
    }

    public EnvironmentStats stats() {
        env.checkUsable();
        return env.stats();
    }

    /** For Cairn's own tools and adapters; not part of the supported API. */
    public EnvironmentImpl internals() {
        return env;
    }

    /**
     * Checkpoints and closes. Commits under way finish first; unfinished transactions are rolled
     * back (a thread waiting for a lock is woken with an {@link IllegalStateException} saying the
     * environment was closed); prepared ones stay prepared.
     */
    @Override
    public void close() {
        env.close();
    }

    @Override
    public String toString() {
        return "Cairn environment " + home();
    }

    /** Unused: keeps the compiler from flagging the database type as unreferenced in tools. */
    static DatabaseImpl unwrap(Database db) {
        return db.impl();
    }
}
