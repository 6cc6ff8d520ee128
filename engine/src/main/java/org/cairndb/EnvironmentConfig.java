package org.cairndb;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.cairndb.io.FileIO;
import org.cairndb.io.NioFileIO;

/**
 * Settings of an environment. Set them in code, or in {@code cairn.properties} in the environment's
 * home; as with Berkeley DB's {@code DB_CONFIG}, the file wins where both set a value, so an admin
 * can change a setting without touching the application. Every key and default is listed in
 * {@link #PROPERTY_KEYS} and in the README.
 *
 * <p>Sizes accept a suffix {@code k}, {@code m} or {@code g} (powers of 1024); durations accept
 * {@code ms}, {@code s}, {@code min} or {@code h} (no suffix means milliseconds).
 */
public final class EnvironmentConfig {

    /** Name of the optional configuration file in the environment's home. */
    public static final String PROPERTIES_FILE = "cairn.properties";

    /** Every property key understood in {@code cairn.properties}, with its meaning. */
    public static final Map<String, String> PROPERTY_KEYS = Map.ofEntries(
            Map.entry("cairn.durability", "SYNC, WRITE_NO_SYNC, NO_SYNC or NOT_DURABLE (default SYNC)"),
            Map.entry("cairn.isolation", "READ_COMMITTED, SNAPSHOT or SERIALIZABLE (default SNAPSHOT)"),
            Map.entry("cairn.cache.size", "bytes of page cache (default a quarter of the heap)"),
            Map.entry("cairn.page.size", "page size of new databases, 8k to 64k (default 8k)"),
            Map.entry("cairn.log.segment.size", "size of one log segment (default 16m)"),
            Map.entry("cairn.log.buffer.size", "log buffer size (default 1m)"),
            Map.entry("cairn.open.data.files", "most data files (one per database) kept open at once (default 100)"),
            Map.entry("cairn.checkpoint.kbytes", "checkpoint after this many KB of log (default 65536; 0 = off)"),
            Map.entry("cairn.checkpoint.minutes", "checkpoint after this many minutes (default 5; 0 = off)"),
            Map.entry("cairn.checkpointer.enabled", "run checkpoints in a background thread (default true)"),
            Map.entry("cairn.lock.timeout", "how long a lock request waits (default 10s)"),
            Map.entry("cairn.txn.timeout", "roll back transactions older than this (default 0 = never)"),
            Map.entry("cairn.txn.max.bytes", "largest write set of one transaction, keys and values (default 64m, at most 2047m)"),
            Map.entry("cairn.page.reuse.delay", "how long a freed page stays untouched, so that plain file copies"
                    + " of data files taken while writers run stay consistent (default 30s)"),
            Map.entry("cairn.log.autoremove", "remove log segments as soon as nothing needs them (default false)"),
            Map.entry("cairn.archive.enabled", "copy every finished log segment to the archive directory (default false)"),
            Map.entry("cairn.archive.dir", "archive directory, relative to the home or absolute (default archive)"));

    private boolean allowCreate = true;
    private Durability durability = Durability.SYNC;
    private IsolationLevel isolation = IsolationLevel.SNAPSHOT;
    private long cacheSize = Math.max(4L << 20, Runtime.getRuntime().maxMemory() / 4);
    private int pageSize = 8192;
    private long logSegmentSize = 16L << 20;
    private int logBufferSize = 1 << 20;
    private int openDataFiles = 100;
    private long checkpointKBytes = 65536;
    private Duration checkpointInterval = Duration.ofMinutes(5);
    private boolean checkpointerEnabled = true;
    private Duration lockTimeout = Duration.ofSeconds(10);
    private Duration txnTimeout = Duration.ZERO;
    private long txnMaxBytes = 64L << 20;
    private Duration pageReuseDelay = Duration.ofSeconds(30);
    private FileIO fileIO = NioFileIO.INSTANCE;
    private boolean logAutoRemove;
    private boolean archiveEnabled;
    private Path archiveDir = Path.of("archive");
    private boolean catastrophicRecovery;
    private RecoveryTarget recoveryTarget;
    private java.util.List<Path> logSources = java.util.List.of();
    private boolean inspectOnly;
    private boolean noCheckpoints;
    private boolean logRecoveryReport = true;
    private Properties overrides = new Properties();
    private String overridesSource;

    public EnvironmentConfig() {
    }

    /** A copy of this configuration. */
    public EnvironmentConfig copy() {
        EnvironmentConfig c = new EnvironmentConfig();
        c.allowCreate = allowCreate;
        c.durability = durability;
        c.isolation = isolation;
        c.cacheSize = cacheSize;
        c.pageSize = pageSize;
        c.logSegmentSize = logSegmentSize;
        c.logBufferSize = logBufferSize;
        c.openDataFiles = openDataFiles;
        c.checkpointKBytes = checkpointKBytes;
        c.checkpointInterval = checkpointInterval;
        c.checkpointerEnabled = checkpointerEnabled;
        c.lockTimeout = lockTimeout;
        c.txnTimeout = txnTimeout;
        c.txnMaxBytes = txnMaxBytes;
        c.pageReuseDelay = pageReuseDelay;
        c.fileIO = fileIO;
        c.logAutoRemove = logAutoRemove;
        c.archiveEnabled = archiveEnabled;
        c.archiveDir = archiveDir;
        c.catastrophicRecovery = catastrophicRecovery;
        c.recoveryTarget = recoveryTarget;
        c.logSources = logSources;
        c.inspectOnly = inspectOnly;
        c.noCheckpoints = noCheckpoints;
        c.logRecoveryReport = logRecoveryReport;
        c.overrides = overrides;
        c.overridesSource = overridesSource;
        return c;
    }

    /** Create the home directory and an empty environment if there is none (default true). */
    public EnvironmentConfig allowCreate(boolean allowCreate) {
        this.allowCreate = allowCreate;
        return this;
    }

    public EnvironmentConfig durability(Durability durability) {
        this.durability = require(durability, "durability");
        return this;
    }

    public EnvironmentConfig isolation(IsolationLevel isolation) {
        this.isolation = require(isolation, "isolation");
        return this;
    }

    /** Bytes of memory for cached pages. Dirty pages count against it too. */
    public EnvironmentConfig cacheSize(long bytes) {
        if (bytes < (1L << 20)) {
            throw new IllegalArgumentException("cache size " + bytes + " is below the minimum of 1 MiB");
        }
        this.cacheSize = bytes;
        return this;
    }

    /** Page size of databases created from now on; a power of two from 8 KiB to 64 KiB. */
    public EnvironmentConfig pageSize(int bytes) {
        if (bytes < 8192 || bytes > 65536 || Integer.bitCount(bytes) != 1) {
            throw new IllegalArgumentException("page size " + bytes + " is not a power of two from 8192 to 65536");
        }
        this.pageSize = bytes;
        return this;
    }

    /**
     * Size of the log segments created from now on: 64 KiB to 1 GiB, rounded up to a whole KiB (the
     * unit a segment's header records its size in, against which recovery tells a truncated segment).
     */
    public EnvironmentConfig logSegmentSize(long bytes) {
        if (bytes < (64L << 10) || bytes > (1L << 30)) {
            throw new IllegalArgumentException("log segment size " + bytes + " is outside 64 KiB .. 1 GiB");
        }
        this.logSegmentSize = bytes;
        return this;
    }

    /** Memory for log records not yet written to the segment: 64 KiB to 1 GiB (it is allocated whole at open). */
    public EnvironmentConfig logBufferSize(int bytes) {
        if (bytes < (64 << 10) || bytes > (1 << 30)) {
            throw new IllegalArgumentException("log buffer size " + bytes + " is outside 64 KiB .. 1 GiB");
        }
        this.logBufferSize = bytes;
        return this;
    }

    /**
     * At most this many data files (one per database) open at once: the least recently used idle
     * one is closed, and opened again when next needed. Each open file takes one of the process's
     * file descriptors, whose limit (often 1,024) an environment of many databases would otherwise
     * reach. 1 to 1,000,000.
     */
    public EnvironmentConfig openDataFiles(int files) {
        if (files < 1 || files > 1_000_000) {
            throw new IllegalArgumentException("open data files " + files + " is outside 1 .. 1000000");
        }
        this.openDataFiles = files;
        return this;
    }

    /**
     * Checkpoint after this many KB written to the log since the last one; 0 turns the trigger off.
     * At most {@code Long.MAX_VALUE / 1024}: a larger value overflowed in bytes and made the
     * background thread checkpoint every second.
     */
    public EnvironmentConfig checkpointKBytes(long kbytes) {
        if (nonNegative(kbytes, "checkpoint kbytes") > Long.MAX_VALUE / 1024) {
            throw new IllegalArgumentException("checkpoint kbytes " + kbytes + " is more than the largest accepted, "
                    + Long.MAX_VALUE / 1024 + " (0 turns the trigger off)");
        }
        this.checkpointKBytes = kbytes;
        return this;
    }

    /** Checkpoint after this many minutes since the last one; 0 turns the trigger off. */
    public EnvironmentConfig checkpointMinutes(long minutes) {
        if (nonNegative(minutes, "checkpoint minutes") > org.cairndb.util.Timeouts.MAX.toMinutes()) {
            throw new IllegalArgumentException("checkpoint minutes " + minutes + " is longer than the longest accepted, "
                    + org.cairndb.util.Timeouts.MAX.toMinutes() + " (" + org.cairndb.util.Timeouts.MAX.toDays()
                    + " days; 0 turns the trigger off)");
        }
        return checkpointInterval(Duration.ofMinutes(minutes));
    }

    /**
     * Checkpoint after this much time since the last one; zero turns the trigger off. At most
     * {@link org.cairndb.util.Timeouts#MAX}: a longer one overflowed in milliseconds and stopped the
     * background thread (no more checkpoints, no more transaction timeouts).
     */
    public EnvironmentConfig checkpointInterval(Duration interval) {
        this.checkpointInterval = org.cairndb.util.Timeouts.check(interval, "checkpoint interval");
        return this;
    }

    /**
     * Run checkpoints in a background thread (on log volume, time, and when dirty pages fill half
     * the cache). When off, only explicit {@link Environment#checkpoint} calls write data files,
     * plus the ones the cache needs to stay within its size.
     */
    public EnvironmentConfig checkpointerEnabled(boolean enabled) {
        this.checkpointerEnabled = enabled;
        return this;
    }

    public EnvironmentConfig lockTimeout(Duration timeout) {
        this.lockTimeout = org.cairndb.util.Timeouts.check(timeout, "lock timeout");
        return this;
    }

    /** Transactions running longer than this are rolled back; zero means no limit. */
    public EnvironmentConfig txnTimeout(Duration timeout) {
        this.txnTimeout = org.cairndb.util.Timeouts.check(timeout, "transaction timeout");
        return this;
    }

    /**
     * The largest {@link #txnMaxBytes(long)}: 2047 MiB. A transaction's writes go into one log
     * record, whose length the log format holds in a 4-byte signed field ({@code
     * LogRecord.MAX_SIZE}); a limit above this let a transaction's COMMIT record outgrow it. The
     * MiB kept below 2 GiB leaves room for the record's own fields.
     */
    public static final long MAX_TXN_BYTES = 2047L << 20;

    /** Largest total size of keys and values one transaction may write: 1 MiB .. {@link #MAX_TXN_BYTES}. */
    public EnvironmentConfig txnMaxBytes(long bytes) {
        if (bytes < (1L << 20)) {
            throw new IllegalArgumentException("transaction size limit (cairn.txn.max.bytes) " + bytes + " is below 1 MiB");
        }
        if (bytes > MAX_TXN_BYTES) {
            throw new IllegalArgumentException("transaction size limit (cairn.txn.max.bytes) " + bytes
                    + " is above the largest one log record holds, 2047m (" + MAX_TXN_BYTES + " bytes)");
        }
        this.txnMaxBytes = bytes;
        return this;
    }

    /**
     * How long a page freed by a checkpoint is left untouched before it may be reused. A plain file
     * copy of a data file (the Berkeley DB hot-backup procedure) that finishes within this time is
     * a consistent version of the file.
     */
    public EnvironmentConfig pageReuseDelay(Duration delay) {
        // Bounded like a timeout: a delay too long for a long of milliseconds failed every checkpoint.
        this.pageReuseDelay = org.cairndb.util.Timeouts.check(delay, "page reuse delay");
        return this;
    }

    /**
     * Remove log segments automatically (after each checkpoint) once nothing needs them: not
     * recovery, an in-doubt transaction, a running backup, or continuous archiving that has not
     * copied them yet. Off by default: without archiving, removed segments are gone for good.
     */
    public EnvironmentConfig logAutoRemove(boolean remove) {
        this.logAutoRemove = remove;
        return this;
    }

    /** Copy every finished log segment to {@link #archiveDir} as soon as it is finished. */
    public EnvironmentConfig archiveEnabled(boolean enabled) {
        this.archiveEnabled = enabled;
        return this;
    }

    /** Where continuous archiving copies segments; relative paths are relative to the home. */
    public EnvironmentConfig archiveDir(Path dir) {
        this.archiveDir = require(dir, "archive directory");
        return this;
    }

    public boolean logAutoRemove() {
        return logAutoRemove;
    }

    public boolean archiveEnabled() {
        return archiveEnabled;
    }

    public Path archiveDir() {
        return archiveDir;
    }

    /** The archive directory of the environment in {@code home}: {@link #archiveDir} resolved against it. */
    public Path archiveDirectory(Path home) {
        return require(home, HOME).resolve(archiveDir).normalize();
    }

    /** The file layer beneath the engine; tests put a fault-injecting one here. */
    public EnvironmentConfig fileIO(FileIO fileIO) {
        this.fileIO = require(fileIO, "fileIO");
        return this;
    }

    /**
     * Open with catastrophic recovery: for an environment restored from backups, or when normal
     * recovery failed. Log segments are gathered from {@code log/}, {@code archive/} and
     * {@link #logSources}, the best copy of each segment winning (the one with the longest valid
     * chain of records; copies that differ where they both hold valid records belong to two
     * histories and are refused with a {@link org.cairndb.StorageException} naming both); a flat
     * backup directory (data and log files side by side) is laid out first; then the log is
     * replayed onto the data files from their checkpoints to the last valid record, or to the
     * {@link #recoveryTarget}. A missing segment is named and stops the open.
     */
    public EnvironmentConfig catastrophicRecovery(boolean catastrophic) {
        this.catastrophicRecovery = catastrophic;
        return this;
    }

    /**
     * Point-in-time recovery (implies catastrophic recovery): exactly the transactions committed up
     * to the target are kept, and the log after it is moved aside into {@code log/after-<time>/}
     * (kept, not deleted) so that no later open replays it.
     */
    public EnvironmentConfig recoveryTarget(RecoveryTarget target) {
        this.recoveryTarget = target;
        if (target != null) {
            this.catastrophicRecovery = true;
        }
        return this;
    }

    /** More directories holding log segments for catastrophic recovery (restored archives). */
    public EnvironmentConfig logSources(java.util.List<Path> dirs) {
        require(dirs, "log sources");
        for (int i = 0; i < dirs.size(); i++) {
            require(dirs.get(i), "log source " + (i + 1) + " of " + dirs.size());
        }
        this.logSources = java.util.List.copyOf(dirs);
        return this;
    }

    public boolean catastrophicRecovery() {
        return catastrophicRecovery;
    }

    /**
     * Opens the environment only to look at it (what {@code cairn stat}, {@code dump},
     * {@code archive} without {@code -d} and {@code bench --check} do): the open creates, changes and
     * deletes nothing, so it works on read-only media (a backup on a read-only mount, a tree without
     * write permission) and leaves the directory exactly as it found it, also when it fails.
     * <ul>
     * <li>The home must be an existing environment (data files or log segments); nothing is created,
     * whatever {@link #allowCreate} says.</li>
     * <li>Normal recovery runs in memory: a torn log tail is reported but not cut off, and no
     * checkpoint is taken after it, in the background or at close. No CHECKPOINT record is written,
     * so the look does not move the recovery start between an archive listing and the removal after
     * it, and does not make a backup or failover copy's last segment differ from the source's (which
     * catastrophic recovery would refuse as another history).</li>
     * <li>Data files are opened read-only; the log is not opened for appending (no next segment is
     * prepared, none begun); continuous archiving copies nothing (segments the archive holds
     * already count as archived).</li>
     * <li>Locking: if {@code cairn.lock} exists, a shared lock on it, so that the open is refused
     * while a writer has the environment open (naming it) and a writer is refused while the look
     * lasts. Without the file no lock is taken (and none created): no writer has it open then.</li>
     * <li>Everything that would write is refused with a {@link ReadOnlyEnvironmentException}: put,
     * delete, getForUpdate, creating or removing a database, prepare, completing a prepared
     * transaction, forgetting a heuristic outcome, checkpoint. Reads and read-only transactions
     * work.</li>
     * <li>Since nothing can be written out, everything the replay changes must fit in memory: if it
     * needs more than half of {@link #cacheSize} (where a writing open would checkpoint to make room),
     * the open fails, saying so; give it a larger cache, or recover the environment first.</li>
     * </ul>
     * Not with {@link #catastrophicRecovery}, which rebuilds the files.
     */
    public EnvironmentConfig inspectOnly(boolean inspect) {
        this.inspectOnly = inspect;
        return this;
    }

    public boolean inspectOnly() {
        return inspectOnly;
    }

    /**
     * Takes no checkpoint after recovery, in the background or at close (an explicit
     * {@link Environment#checkpoint} still does), so that where recovery starts stays where it was,
     * while the environment may be written otherwise: {@code cairn archive -d} opens it so, to
     * remove exactly the segments a listing just before it named. (Recovery itself may still
     * checkpoint when what it replays outgrows the cache.) {@link #inspectOnly} implies it.
     */
    public EnvironmentConfig noCheckpoints(boolean none) {
        this.noCheckpoints = none;
        return this;
    }

    public boolean noCheckpoints() {
        return noCheckpoints || inspectOnly;
    }

    /**
     * Whether open logs the recovery report at INFO (default true). A layer that opens the
     * environment and logs the report itself, with what it alone knows (the resource adapter adds
     * the environment's name, the recovery mode and the whole start's time), turns it off so that
     * the server log holds the report once; the engine then logs it at DEBUG.
     */
    public EnvironmentConfig logRecoveryReport(boolean log) {
        this.logRecoveryReport = log;
        return this;
    }

    public boolean logRecoveryReport() {
        return logRecoveryReport;
    }

    public RecoveryTarget recoveryTarget() {
        return recoveryTarget;
    }

    public java.util.List<Path> logSources() {
        return logSources;
    }

    public boolean allowCreate() {
        return allowCreate;
    }

    public Durability durability() {
        return durability;
    }

    public IsolationLevel isolation() {
        return isolation;
    }

    public long cacheSize() {
        return cacheSize;
    }

    public int pageSize() {
        return pageSize;
    }

    public long logSegmentSize() {
        return logSegmentSize;
    }

    public int logBufferSize() {
        return logBufferSize;
    }

    public int openDataFiles() {
        return openDataFiles;
    }

    public long checkpointKBytes() {
        return checkpointKBytes;
    }

    public Duration checkpointInterval() {
        return checkpointInterval;
    }

    public boolean checkpointerEnabled() {
        return checkpointerEnabled;
    }

    public Duration lockTimeout() {
        return lockTimeout;
    }

    public Duration txnTimeout() {
        return txnTimeout;
    }

    public long txnMaxBytes() {
        return txnMaxBytes;
    }

    public Duration pageReuseDelay() {
        return pageReuseDelay;
    }

    public FileIO fileIO() {
        return fileIO;
    }

    /**
     * Applies {@code <home>/cairn.properties} if it exists, returning a new configuration; this one
     * is left as it was. An unknown key or a bad value is an error naming the file, key and value.
     */
    public EnvironmentConfig withPropertiesFrom(Path home) {
        Path file = require(home, HOME).resolve(PROPERTIES_FILE);
        if (!Files.isRegularFile(file)) {
            return withOverrides(copy());
        }
        Properties props = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            props.load(in);
        } catch (IOException e) {
            throw new StorageException(file, "cannot read configuration: " + e.getMessage(), e);
        }
        return withOverrides(withProperties(props, file.toString()));
    }

    /**
     * Settings that win over the home's {@code cairn.properties} when the environment is opened
     * (keys as in {@link #PROPERTY_KEYS}). The command line gives its {@code -Dcairn.*} options
     * this way, so that a home that cannot be edited (a backup on read-only media) can still be
     * opened with, say, a larger cache. Checked here: a bad value is an error naming
     * {@code source}, the key and the value.
     */
    public EnvironmentConfig overrides(Properties props, String source) {
        withProperties(props, source); // refuses a bad one now, not at the open
        Properties copy = new Properties();
        copy.putAll(props);
        this.overrides = copy;
        this.overridesSource = source;
        return this;
    }

    private EnvironmentConfig withOverrides(EnvironmentConfig c) {
        return overrides.isEmpty() ? c : c.withProperties(overrides, overridesSource);
    }

    /** Applies the given properties (keys as in {@link #PROPERTY_KEYS}), returning a new configuration. */
    public EnvironmentConfig withProperties(Properties props, String source) {
        require(props, "the properties (" + source + ")");
        EnvironmentConfig c = copy();
        for (Map.Entry<String, String> e : new TreeMap<>(toMap(props)).entrySet()) {
            String key = e.getKey();
            String value = e.getValue().trim();
            try {
                c.set(key, value);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(source + ": " + key + "=" + value + ": " + ex.getMessage()
                        + trailingCommentHint(value), ex);
            }
        }
        return c;
    }

    /**
     * A properties file has no comments after a value: in {@code cairn.log.autoremove=true  # why},
     * the value is all of {@code true  # why}. Said when a refused value looks like that.
     */
    private static String trailingCommentHint(String value) {
        return value.matches("(?s).*\\s[#!].*")
                ? " (a comment in a .properties file must be on a line of its own, starting with # or !; move it"
                        + " to the line above)"
                : "";
    }

    private static Map<String, String> toMap(Properties props) {
        Map<String, String> m = new TreeMap<>();
        for (String name : props.stringPropertyNames()) {
            m.put(name, props.getProperty(name));
        }
        return m;
    }

    private void set(String key, String value) {
        switch (key) {
            case "cairn.durability" -> durability(parseEnum(Durability.class, value));
            case "cairn.isolation" -> isolation(parseEnum(IsolationLevel.class, value));
            case "cairn.cache.size" -> cacheSize(parseSize(value));
            case "cairn.page.size" -> pageSize(parseIntSize(value, "page size"));
            case "cairn.log.segment.size" -> logSegmentSize(parseSize(value));
            case "cairn.log.buffer.size" -> logBufferSize(parseIntSize(value, "log buffer size"));
            case "cairn.open.data.files" -> openDataFiles(parseOpenFiles(value));
            case "cairn.checkpoint.kbytes" -> checkpointKBytes(parseLong(value));
            case "cairn.checkpoint.minutes" -> checkpointMinutes(parseLong(value));
            case "cairn.checkpointer.enabled" -> checkpointerEnabled(parseBoolean(value));
            case "cairn.lock.timeout" -> lockTimeout(parseDuration(value));
            case "cairn.txn.timeout" -> txnTimeout(parseDuration(value));
            case "cairn.txn.max.bytes" -> txnMaxBytes(parseSize(value));
            case "cairn.page.reuse.delay" -> pageReuseDelay(parseDuration(value));
            case "cairn.log.autoremove" -> logAutoRemove(parseBoolean(value));
            case "cairn.archive.enabled" -> archiveEnabled(parseBoolean(value));
            case "cairn.archive.dir" -> archiveDir(Path.of(value));
            default -> throw new IllegalArgumentException("unknown setting; known settings are "
                    + new java.util.TreeSet<>(PROPERTY_KEYS.keySet()));
        }
    }

    static <E extends Enum<E>> E parseEnum(Class<E> type, String value) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not one of " + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }

    static boolean parseBoolean(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw new IllegalArgumentException("not true or false (yes/no and on/off are accepted too)");
        };
    }

    static long parseLong(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
    }

    private static int parseOpenFiles(String value) {
        long n = parseLong(value.trim());
        if (n < 1 || n > 1_000_000) {
            throw new IllegalArgumentException("open data files " + n + " is outside 1 .. 1000000");
        }
        return (int) n;
    }

    /** Parses {@code 123}, {@code 64k}, {@code 16m}, {@code 1g}. */
    public static long parseSize(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (v.endsWith("b")) {
            v = v.substring(0, v.length() - 1);
        }
        if (v.endsWith("k")) {
            unit = 1L << 10;
        } else if (v.endsWith("m")) {
            unit = 1L << 20;
        } else if (v.endsWith("g")) {
            unit = 1L << 30;
        }
        if (unit != 1) {
            v = v.substring(0, v.length() - 1);
        }
        try {
            return Math.multiplyExact(Long.parseLong(v.trim()), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException("not a size (use a number with an optional k, m or g)");
        }
    }

    /** A size that must fit an int: out of range is refused as a bad value (not a bare "integer overflow"). */
    private static int parseIntSize(String value, String what) {
        long v = parseSize(value);
        if (v != (int) v) {
            throw new IllegalArgumentException(what + " " + v + " is out of range (at most " + Integer.MAX_VALUE + " bytes)");
        }
        return (int) v;
    }

    /** Parses {@code 250}, {@code 250ms}, {@code 10s}, {@code 5min}, {@code 1h}. */
    public static Duration parseDuration(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
            } else if (v.endsWith("min")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 3).trim()));
            } else if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            } else if (v.endsWith("h")) {
                return Duration.ofHours(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            }
            return Duration.ofMillis(Long.parseLong(v));
        } catch (NumberFormatException | ArithmeticException e) { // too many minutes or hours overflow a Duration
            throw new IllegalArgumentException("not a duration (use a number with ms, s, min or h)");
        }
    }

    private static final String HOME = "the environment's home directory";

    private static <T> T require(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        return value;
    }

    private static long nonNegative(long value, String what) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " must not be negative: " + value);
        }
        return value;
    }
}
