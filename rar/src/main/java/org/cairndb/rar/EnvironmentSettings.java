package org.cairndb.rar;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cairndb.Durability;
import org.cairndb.EnvironmentConfig;
import org.cairndb.IsolationLevel;
import org.cairndb.backup.BackupOptions;
import org.cairndb.env.EnvironmentHome;

/**
 * The adapter's configuration properties turned into what one environment needs, checked once at
 * start so that a bad value fails the deployment with a message naming the property.
 *
 * @param name              the environment's name (MBean {@code name=} key, connection definitions' {@code EnvironmentName})
 * @param home              its home directory
 * @param config            how to open it (recovery mode applied later)
 * @param recovery          how to recover it at start
 * @param backupRoot        the directory JMX backup and failover targets must lie in
 * @param failoverDir       the failover copy, or null
 * @param failoverInterval  how often the failover copy is updated (zero: only on demand)
 * @param backupMaxRate     MB per second that hot backups and failover updates copy at most (0: no limit)
 * @param connectionWait    how long a connection request waits for a recovering environment
 * @param startWait         how long start() waits for recovery before returning
 */
public record EnvironmentSettings(String name, Path home, EnvironmentConfig config, RecoveryMode recovery, Path backupRoot,
        Path failoverDir, Duration failoverInterval, long backupMaxRate, Duration connectionWait, Duration startWait) {

    /** How an environment is recovered when the adapter starts. */
    public enum RecoveryMode {
        /** Normal recovery; a failure fails the start. */
        NORMAL,
        /** Catastrophic recovery (an environment restored from backups, with archived segments). */
        CATASTROPHIC,
        /** Normal recovery; if it fails, catastrophic recovery (the admin allows it). */
        NORMAL_THEN_CATASTROPHIC;

        static RecoveryMode parse(String value) {
            String v = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (RecoveryMode m : values()) {
                if (m.name().equals(v)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("Recovery=" + value + ": not one of normal, catastrophic,"
                    + " normal-then-catastrophic");
        }
    }

    /** The options of a hot backup or failover update started by the adapter (JMX or its timer). */
    public BackupOptions backupOptions() {
        return BackupOptions.defaults().withMaxRate(backupMaxRate);
    }

    private static final Pattern EXPRESSION = Pattern.compile("\\$\\{([^}:]+)(?::([^}]*))?}");

    /** The server's data directory: WildFly's, Payara's instance data, or ./data outside a server. */
    static Path serverDataDir() {
        String wildfly = System.getProperty("jboss.server.data.dir");
        if (wildfly != null) {
            return Path.of(wildfly);
        }
        String payara = System.getProperty("com.sun.aas.instanceRoot");
        if (payara != null) {
            return Path.of(payara, "data");
        }
        return Path.of(System.getProperty("user.dir"), "data");
    }

    /** Expands {@code ${property}} and {@code ${property:default}} from system properties, and {@code {env}}. */
    static String expand(String property, String value, String envName) {
        Matcher m = EXPRESSION.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = System.getProperty(m.group(1), m.group(2));
            if (v == null) {
                throw new IllegalArgumentException(property + "=" + value + ": system property " + m.group(1)
                        + " is not set (write ${" + m.group(1) + ":default} to give a default)");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString().replace("{env}", envName);
    }

    /** Builds and checks the settings of every configured environment. */
    static List<EnvironmentSettings> of(CairnResourceAdapter ra) {
        List<String> problems = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        String mainName = require(ra.getEnvironmentName(), "EnvironmentName", problems);
        String additional = blankToEmpty(ra.getAdditionalEnvironments()).trim();
        try {
            mainName = mainName == null ? null : expand("EnvironmentName", mainName, "");
            additional = expand("AdditionalEnvironments", additional, "");
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        names.add(mainName);
        for (String extra : additional.split("[,\\s]+")) {
            if (!extra.isBlank() && !names.add(extra.trim())) {
                problems.add("AdditionalEnvironments=" + ra.getAdditionalEnvironments() + ": environment '" + extra
                        + "' is named twice");
            }
        }
        for (String n : names) {
            if (n != null && (!n.matches("[A-Za-z0-9_.-]+") || n.matches("\\.+"))) {
                problems.add("environment name '" + n + "' may hold only letters, digits, '_', '-' and '.', and not"
                        + " only dots");
            }
        }
        boolean several = names.size() > 1;
        String homePattern = blankToEmpty(ra.getEnvironmentHome()).trim();
        String failoverPattern = blankToEmpty(ra.getFailoverDirectory()).trim();
        try {
            homePattern = expand("EnvironmentHome", homePattern, "{env}");
            failoverPattern = expand("FailoverDirectory", failoverPattern, "{env}");
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
        if (several && !homePattern.isEmpty() && !homePattern.contains("{env}")) {
            problems.add("EnvironmentHome=" + homePattern + " must contain {env} when several environments are configured");
        }
        if (several && !failoverPattern.isEmpty() && !failoverPattern.contains("{env}")) {
            problems.add("FailoverDirectory=" + failoverPattern + " must contain {env} when several environments are"
                    + " configured");
        }
        List<EnvironmentSettings> out = new ArrayList<>();
        for (String name : names) {
            if (name == null) {
                continue;
            }
            try {
                out.add(of(ra, name, homePattern, failoverPattern));
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
            }
        }
        requireOwnArchiveDirectories(out, ra, problems);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("cairn.rar is misconfigured: " + String.join("; ", problems));
        }
        return out;
    }

    private static EnvironmentSettings of(CairnResourceAdapter ra, String name, String homePattern, String failoverPattern) {
        Path dataDir = serverDataDir();
        Path home = homePattern.isEmpty() ? dataDir.resolve("cairn").resolve(name)
                : dataDir.resolve(homePattern.replace("{env}", name));
        home = home.toAbsolutePath().normalize();
        EnvironmentConfig c = new EnvironmentConfig()
                // The adapter schedules checkpoints on volume and time through the BootstrapContext.
                .checkpointerEnabled(false);
        try {
            c.durability(parse(Durability.class, str(ra.getDurability(), "Durability", name), "Durability"));
            c.isolation(parse(IsolationLevel.class, str(ra.getIsolationLevel(), "IsolationLevel", name), "IsolationLevel"));
            String cache = str(ra.getCacheSize(), "CacheSize", name);
            if (!cache.isEmpty()) {
                naming("CacheSize", cache, () -> c.cacheSize(EnvironmentConfig.parseSize(cache)));
            }
            String lock = str(ra.getLockTimeout(), "LockTimeout", name);
            if (!lock.isEmpty()) {
                // At most a year, as the adapter's other waits: the engine counts it in nanoseconds, and a
                // few hundred years overflowed them, failing the open with a bare "long overflow".
                naming("LockTimeout", lock, () -> c.lockTimeout(atMostAYear(EnvironmentConfig.parseDuration(lock))));
            }
            c.logAutoRemove(flag(ra.getLogAutoRemove(), "LogAutoRemove", name));
            String archive = str(ra.getArchiveDirectory(), "ArchiveDirectory", name);
            if (!archive.isEmpty()) {
                c.archiveEnabled(true).archiveDir(archiveOutsideOwnFiles(archive, home, name));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage().startsWith("cairn.") || e.getMessage().contains("=")
                    ? e.getMessage() : "environment '" + name + "': " + e.getMessage(), e);
        }
        long kbytes = atMost(count(ra.getCheckpointKBytes(), "CheckpointKBytes", name, 65536), "CheckpointKBytes",
                Long.MAX_VALUE / 1024);
        long minutes = atMost(count(ra.getCheckpointMinutes(), "CheckpointMinutes", name, 5), "CheckpointMinutes",
                MAX_MINUTES);
        // In the config, not beside it: the home's cairn.properties overrides them there, as it does
        // the other settings, and the adapter's timer reads the result.
        c.checkpointKBytes(kbytes).checkpointMinutes(minutes);
        String rootText = str(ra.getBackupRoot(), "BackupRoot", name);
        Path backupRoot = (rootText.isEmpty() ? dataDir.resolve("cairn-backups")
                : dataDir.resolve(rootText)).toAbsolutePath().normalize();
        refuseFileOnTheWay(backupRoot);
        if (backupRoot.startsWith(home) || home.startsWith(backupRoot)) {
            throw new IllegalArgumentException("BackupRoot=" + backupRoot + " and the home of environment '" + name
                    + "' (" + home + ") must not contain one another");
        }
        Path failover = null;
        if (!failoverPattern.isEmpty()) {
            failover = backupRoot.resolve(failoverPattern.replace("{env}", name)).toAbsolutePath().normalize();
            if (!failover.startsWith(backupRoot) || failover.equals(backupRoot)) {
                throw new IllegalArgumentException("FailoverDirectory=" + failoverPattern + " (" + failover
                        + ") must lie inside BackupRoot (" + backupRoot + ")");
            }
        }
        Duration failoverEvery = Duration.ofMinutes(15);
        String interval = str(ra.getFailoverInterval(), "FailoverInterval", name);
        if (!interval.isEmpty()) {
            try {
                failoverEvery = EnvironmentConfig.parseDuration(interval);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("FailoverInterval=" + interval + ": " + e.getMessage());
            }
            if (failoverEvery.isNegative()) {
                throw new IllegalArgumentException("FailoverInterval=" + interval + ": must not be negative");
            }
            try {
                atMostAYear(failoverEvery);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("FailoverInterval=" + interval + ": " + e.getMessage());
            }
        }
        // Whole MB/s, as cairn hotbackup --max-rate reads them; a million MB/s is already no limit.
        long maxRate = atMost(count(ra.getBackupMaxRate(), "BackupMaxRate", name, 0), "BackupMaxRate", 1_000_000);
        String recovery = str(ra.getRecovery(), "Recovery", name);
        RecoveryMode mode = RecoveryMode.parse(recovery.isEmpty() ? "normal" : recovery);
        long connectionWait = atMost(count(ra.getConnectionWaitSeconds(), "ConnectionWaitSeconds", name, 60),
                "ConnectionWaitSeconds", MAX_MINUTES * 60);
        long startWait = atMost(count(ra.getStartWaitSeconds(), "StartWaitSeconds", name, 10), "StartWaitSeconds",
                MAX_MINUTES * 60);
        return new EnvironmentSettings(name, home, c, mode, backupRoot, failover,
                failover == null ? Duration.ZERO : failoverEvery, maxRate, Duration.ofSeconds(connectionWait),
                Duration.ofSeconds(startWait));
    }

    /**
     * The archive directory, refused when it is the home or lies in its {@code data/} or {@code log/}:
     * the engine refuses that too, but only when it opens, naming its own key (cairn.archive.dir)
     * rather than the property the admin set, and failing the deployment as an unopenable environment.
     */
    private static Path archiveOutsideOwnFiles(String archive, Path home, String name) {
        Path dir = home.resolve(archive).normalize();
        EnvironmentHome layout = new EnvironmentHome(home);
        String where = dir.equals(home) ? "is the home of environment"
                : dir.startsWith(layout.logDir()) ? "lies in the log directory (log/) of environment"
                : dir.startsWith(layout.dataDir()) ? "lies in the data directory (data/) of environment" : null;
        if (where != null) {
            throw new IllegalArgumentException("ArchiveDirectory=" + archive + ": " + dir + " " + where + " '" + name
                    + "' (" + home + "): an archived segment there would be no copy, and"
                    + " removing the log would remove it; choose a directory outside data/ and log/, such as archive");
        }
        return dir;
    }

    /**
     * A backup root that is (or lies below) a file, not a directory: deploying went well and every
     * hot backup and failover update then failed with a bare "Not a directory". A root that does not
     * exist yet is fine: the first backup or failover update creates it, as it does the default.
     */
    private static void refuseFileOnTheWay(Path backupRoot) {
        for (Path p = backupRoot; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new IllegalArgumentException("BackupRoot=" + backupRoot + ": " + p + " is not a directory, so"
                            + " no backup or failover copy could be written in it");
                }
                return;
            }
        }
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String value, String property) {
        if (value == null || value.isBlank()) {
            return type.getEnumConstants()[0] == null ? null : defaultOf(type);
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + "=" + value + ": not one of "
                    + java.util.Arrays.toString(type.getEnumConstants()));
        }
    }

    private static <E extends Enum<E>> E defaultOf(Class<E> type) {
        EnvironmentConfig d = new EnvironmentConfig();
        Object v = type == Durability.class ? d.durability() : d.isolation();
        return type.cast(v);
    }

    /** A year: longer waits and intervals are mistakes (and would overflow as milliseconds). */
    private static final long MAX_MINUTES = 366L * 24 * 60;

    private static Duration atMostAYear(Duration d) {
        if (d.toMinutes() > MAX_MINUTES) {
            throw new IllegalArgumentException("must be at most a year (" + MAX_MINUTES + "min)");
        }
        return d;
    }

    private static long atMost(long value, String property, long max) {
        if (value > max) {
            throw new IllegalArgumentException(property + "=" + value + ": must be at most " + max);
        }
        return value;
    }

    /** Runs {@code parse}, putting {@code property=value} in front of its error. */
    private static void naming(String property, String value, Runnable parse) {
        try {
            parse.run();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(property + "=" + value + ": " + e.getMessage(), e);
        }
    }

    /**
     * Two environments archiving into one directory would write the same segment names over each
     * other's (an absolute ArchiveDirectory without {env}).
     */
    private static void requireOwnArchiveDirectories(List<EnvironmentSettings> settings, CairnResourceAdapter ra,
            List<String> problems) {
        java.util.Map<Path, String> owner = new java.util.HashMap<>();
        for (EnvironmentSettings e : settings) {
            if (!e.config().archiveEnabled()) {
                continue;
            }
            String other = owner.putIfAbsent(e.config().archiveDir(), e.name());
            if (other != null) {
                problems.add("ArchiveDirectory=" + ra.getArchiveDirectory() + " gives environments '" + other + "' and '"
                        + e.name() + "' the same archive directory (" + e.config().archiveDir() + "); put {env} in it");
            }
        }
    }

    /**
     * A whole number of at least 0 ({@code dflt} when empty), with system properties expanded: the
     * shipped ra.xml gives {@code ${cairn.checkpoint.kbytes:65536}} and the like, so that an admin
     * sets them with -D options as the string properties, without repacking the archive.
     */
    private static long count(String value, String property, String envName, long dflt) {
        String text = str(value, property, envName);
        if (text.isEmpty()) {
            return dflt;
        }
        long n;
        try {
            n = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + "=" + text + ": not a whole number");
        }
        if (n < 0) {
            throw new IllegalArgumentException(property + "=" + text + ": must not be negative");
        }
        return n;
    }

    /**
     * A switch, with system properties expanded: the words the home's cairn.properties takes for one
     * (true/yes/on, false/no/off, any case), so that a value that works there works here too; empty
     * is false.
     */
    private static boolean flag(String value, String property, String envName) {
        String text = str(value, property, envName);
        return switch (text.toLowerCase(java.util.Locale.ROOT)) {
            case "", "false", "no", "off" -> false;
            case "true", "yes", "on" -> true;
            default -> throw new IllegalArgumentException(property + "=" + text
                    + ": not true or false (yes/no and on/off are accepted too)");
        };
    }

    private static String require(String value, String property, List<String> problems) {
        if (value == null || value.isBlank()) {
            problems.add(property + " must not be empty");
            return null;
        }
        return value.trim();
    }

    /** A string property, trimmed, with system properties expanded; "" when unset. */
    private static String str(String value, String property, String envName) {
        return value == null ? "" : expand(property, value.trim(), envName).trim();
    }

    private static String blankToEmpty(String s) {
        return s == null ? "" : s;
    }
}
