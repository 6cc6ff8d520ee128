package org.cairndb.rar;

import static org.cairndb.rar.TestAdapters.adapter;
import static org.cairndb.rar.TestAdapters.admin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import org.cairndb.rar.admin.CairnEnvironmentMXBean;
import org.cairndb.rar.admin.EnvironmentAdmin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The admin MBean as a JMX console uses it: a failed environment, bad arguments. */
class EnvironmentAdminTest extends AdapterFixture {

    private CairnEnvironmentMXBean admin;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    private final ObjectName name = ManagedEnvironment.objectName("unit");

    @BeforeEach
    void setUp() throws Exception {
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        admin = admin("unit");
    }


    /**
     * A console polls every attribute of an environment that failed: each one reads, or fails with a
     * JDK exception without a cause (nothing a remote client could lack) that says why.
     */
    @Test
    void everyAttributeOfAFailedEnvironmentReadsOrSaysWhyInJdkTerms() throws Exception {
        ra.environment("unit").environment().internals().fail("simulated log write failure",
                new java.io.IOException("disk gone"));
        List<String> failed = new ArrayList<>();
        for (MBeanAttributeInfo a : server.getMBeanInfo(name).getAttributes()) {
            try {
                server.getAttribute(name, a.getName());
            } catch (RuntimeMBeanException e) {
                Throwable t = e.getCause();
                assertTrue(t.getClass().getName().startsWith("java."), a.getName() + ": " + t);
                assertNull(t.getCause(), a.getName() + ": no cause chain");
                assertTrue(t.getMessage().contains("disk gone"), a.getName() + ": " + t.getMessage());
                failed.add(a.getName());
            }
        }
        assertTrue(failed.contains("Commits") && failed.contains("ArchiveStatus"), failed.toString());
        assertEquals("FAILED", server.getAttribute(name, "State"));
        assertEquals(dir.resolve("homes/unit").toString(), server.getAttribute(name, "Home"));
    }

    /** A console polls every attribute of an open environment: each one reads, as open types (no Cairn class). */
    @Test
    void everyAttributeOfAnOpenEnvironmentReads() throws Exception {
        for (MBeanAttributeInfo a : server.getMBeanInfo(name).getAttributes()) {
            Object value = server.getAttribute(name, a.getName());
            assertTrue(value == null || !value.getClass().getName().startsWith("org.cairndb"), a.getName() + ": " + value);
        }
        assertEquals("OPEN", server.getAttribute(name, "State"));
    }

    /**
     * A new environment has one log segment, and its backup copies one file: the verify summary said
     * "log: 1 segments", the backup's progress and completion "1 files".
     */
    @Test
    void countsInSummariesAndNotificationsAgreeWithTheirNumber() throws Exception {
        String summary = admin.verify().getSummary();
        assertTrue(summary.startsWith("0 databases, 0 records; log: 1 segment, ") && summary.endsWith("; 0 problems"), summary);
        List<Notification> seen = new CopyOnWriteArrayList<>();
        server.addNotificationListener(name, (n, hb) -> seen.add(n), null, null);
        assertEquals(1, admin.hotBackup("b1", false).getFilesCopied(), "a new environment: one log segment");
        List<String> messages = new ArrayList<>();
        seen.forEach(n -> messages.add(n.getMessage()));
        assertTrue(messages.stream().anyMatch(m -> m.contains(": log: 1 file, ")), messages.toString());
        assertTrue(messages.get(messages.size() - 1).contains(" done: 1 file, "), messages.toString());
        assertTrue(messages.stream().noneMatch(m -> m.contains(" 1 files")), messages.toString());
    }

    /**
     * LastBackup and LastFailoverUpdate said "1 files" after a copy of one file (a new environment's
     * one log segment), where the operation's notifications and result say "1 file"; and their times
     * had nanoseconds (2026-12-04T15:17:03.955062086Z) where every other time has milliseconds.
     */
    @Test
    void lastBackupAndLastFailoverUpdateCountInWords() throws Exception {
        ra.stop();
        ra = adapter(dir, "unit", "homes");
        ra.setFailoverDirectory("failover");
        ra.setFailoverInterval("0");
        ra.start(ctx);
        assertEquals(1, admin.hotBackup("b1", false).getFilesCopied());
        assertTrue(admin.getLastBackup().contains(": 1 file, "), admin.getLastBackup());
        assertEquals(1, admin.updateFailover().getFilesCopied());
        assertTrue(admin.getLastFailoverUpdate().contains(": 1 file, "), admin.getLastFailoverUpdate());
        // Their times in milliseconds, as LastCheckpointTime and the backup manifest give them (not nanoseconds).
        for (String last : new String[] {admin.getLastBackup(), admin.getLastFailoverUpdate()}) {
            java.time.Instant t = java.time.Instant.parse(last.substring(0, last.indexOf(": ")));
            assertEquals(t.truncatedTo(java.time.temporal.ChronoUnit.MILLIS), t, last);
        }
    }

    /**
     * BackupMaxRate limits the copies the adapter makes, from JMX and its failover timer alike, as
     * cairn hotbackup --max-rate does: a backup of n MB at r MB/s takes at least about n / r seconds.
     */
    @Test
    void backupsAndFailoverUpdatesKeepToBackupMaxRate() throws Exception {
        ra.stop();
        ra = adapter(dir, "unit", "homes");
        ra.setFailoverDirectory("failover");
        ra.setFailoverInterval("0");
        ra.setBackupMaxRate("10");
        ra.start(ctx);
        assertEquals(10, admin.getBackupMaxRate());
        for (org.cairndb.rar.admin.BackupInfo copy : new org.cairndb.rar.admin.BackupInfo[] {
                admin.hotBackup("b1", false), admin.updateFailover()}) {
            double leastMillis = copy.getBytesCopied() / 10e6 * 1000;
            assertTrue(copy.getBytesCopied() > 4_000_000, "copied " + copy.getBytesCopied() + " bytes: too few to tell");
            assertTrue(copy.getDurationMillis() >= 0.8 * leastMillis, copy.getDirectory() + ": "
                    + copy.getBytesCopied() + " bytes in " + copy.getDurationMillis() + " ms at 10 MB/s at most");
        }
    }

    /**
     * With several environments, each one's hot backup was checked only against its own failover
     * directory: unit's backup went into beta's failover directory (not made yet), and beta's
     * failover updates were refused from then on ("it is a backup of environment ..., not of this
     * one"). Another environment's failover directory is now refused as a target, naming it, and
     * nothing is written.
     */
    @Test
    void aBackupTargetInAnotherEnvironmentsFailoverDirectoryIsRefused() throws Exception {
        ra.stop();
        ra = adapter(dir, "unit", "homes");
        ra.setAdditionalEnvironments("beta");
        ra.setFailoverDirectory("failover/{env}");
        ra.setFailoverInterval("0");
        ra.start(ctx);
        for (String target : new String[] {"failover/beta", "failover/beta/sub", "failover"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.hotBackup(target, false),
                    target);
            assertTrue(e.getMessage().contains("overlaps the failover directory"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> admin.hotBackup("failover/beta", false));
        assertTrue(e.getMessage().contains(dir.resolve("backups/failover/beta") + " of environment 'beta'"),
                e.getMessage());
        assertFalse(Files.exists(dir.resolve("backups/failover/beta")), "nothing was written");
        assertEquals(1, admin("beta").updateFailover().getFilesCopied(), "beta's failover copy is its own");
    }

    /**
     * A new directory inside an earlier backup passed the checks (it is new and inside the root):
     * hotBackup("b1/inner") wrote a second backup into the first one, whose directory then held
     * files no backup has. A target below a backup (or any Cairn home) is now refused, naming it,
     * and nothing is written.
     */
    @Test
    void aBackupTargetInsideAnEarlierBackupIsRefused() throws Exception {
        admin.hotBackup("b1", false);
        for (String target : new String[] {"b1/inner", "b1/a/b"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.hotBackup(target, false),
                    target);
            assertTrue(e.getMessage().contains("lies inside " + dir.resolve("backups/b1") + ", a backup"), e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.updateBackup("b1/inner"));
        assertTrue(e.getMessage().contains("lies inside " + dir.resolve("backups/b1") + ", a backup"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("backups/b1/inner")), "nothing was written");
        assertFalse(Files.exists(dir.resolve("backups/b1/a")), "nothing was written");
        assertEquals(1, admin.updateBackup("b1").getFilesCopied(), "the earlier backup still updates");
    }

    /**
     * The MBean shows what `cairn stat` shows of the same environment, under matching names. It had
     * no environment id, although a failover update or backup update it refuses names the ids ("a
     * backup of environment X, not of this one"), and neither the durable end of the log nor the
     * cache bytes in use. Read while open, then compared with stat's lines once the adapter stopped.
     */
    @Test
    void attributesAgreeWithCairnStat() throws Exception {
        CairnConnectionFactory cf = (CairnConnectionFactory) TestAdapters.factory(ra, "unit").createConnectionFactory();
        try (CairnConnection c = cf.getConnection()) {
            for (int i = 0; i < 200; i++) {
                c.putString("t", "k" + i, "v");
            }
        }
        admin.checkpoint(true);
        java.util.Map<String, Object> mbean = new java.util.HashMap<>();
        for (String a : new String[] {"EnvironmentId", "LogSegments", "LogSize", "CurrentLogSegment", "LogEndLsn",
                "LogDurableLsn", "RecoveryStartLsn", "LastCheckpointTime", "CacheCapacity", "CacheUsed"}) {
            mbean.put(a, server.getAttribute(name, a));
        }
        assertEquals(mbean.get("LogEndLsn"), mbean.get("LogDurableLsn"), "SYNC: every commit was forced");
        long used = (Long) mbean.get("CacheUsed");
        assertTrue(used >= 0 && used <= (Long) mbean.get("CacheCapacity"), mbean.toString());
        ra.stop();
        ra = null;
        java.io.StringWriter out = new java.io.StringWriter();
        assertEquals(0, org.cairndb.cli.CairnCli.run(new String[] {"stat", "-h", dir.resolve("homes/unit").toString()},
                new java.io.PrintWriter(out), new java.io.PrintWriter(new java.io.StringWriter()), System.in));
        java.util.Map<String, String> stat = new java.util.HashMap<>();
        for (String line : out.toString().split("\n")) {
            int tab = line.indexOf('\t');
            if (tab > 0) {
                stat.put(line.substring(tab + 1), line.substring(0, tab));
            }
        }
        assertEquals(stat.get("Environment id"), mbean.get("EnvironmentId"), out.toString());
        assertEquals(stat.get("Log segments on disk"), String.valueOf(mbean.get("LogSegments")));
        assertEquals(stat.get("Bytes of log on disk"), String.valueOf(mbean.get("LogSize")));
        assertEquals(stat.get("Current log segment"), String.valueOf(mbean.get("CurrentLogSegment")));
        assertEquals(stat.get("End of the log (LSN)"), mbean.get("LogEndLsn"));
        assertEquals(stat.get("Log forced up to (LSN)"), mbean.get("LogDurableLsn"));
        assertEquals(stat.get("Recovery would start at (LSN)"), mbean.get("RecoveryStartLsn"));
        // Not the cache size: stat's own process sizes its cache by its own settings.
    }

    /**
     * A new target whose own directory cannot be made (a name too long for the file system) failed
     * saying so, but left the directories on the way that the attempt had made (n1/n2): debris an
     * admin must find and remove. They are removed again; directories that were there stay.
     */
    @Test
    void aTargetThatCannotBeMadeLeavesNoDirectoriesBehind() throws Exception {
        Files.createDirectories(dir.resolve("backups/kept"));
        String tooLong = "x".repeat(300);
        for (String target : new String[] {"n1/n2/" + tooLong, "kept/n1/" + tooLong + "/b"}) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> admin.hotBackup(target, false), target);
            assertTrue(e.getClass().getName().startsWith("java.") && e.getMessage().contains("File name too long"),
                    e.toString());
        }
        assertFalse(Files.exists(dir.resolve("backups/n1")), "n1 was made by the attempt");
        assertTrue(Files.isDirectory(dir.resolve("backups/kept")), "kept was there before");
        try (var files = Files.list(dir.resolve("backups/kept"))) {
            assertEquals(0, files.count(), "nothing left inside kept");
        }
    }

    /**
     * What a console shows without a manual: every attribute, operation and parameter has its own
     * description (not the JDK's "Attribute exposed for management" and the like), parameters their
     * Java names (not p0, p1), and the notifications their four types. forget's description did not
     * say what its true or false means (false: there was no decision on that branch to forget).
     */
    @Test
    void theMBeanInfoDescribesEverythingUnderItsName() throws Exception {
        javax.management.MBeanInfo info = server.getMBeanInfo(name);
        assertFalse(info.getDescription().isBlank());
        for (MBeanAttributeInfo a : info.getAttributes()) {
            assertFalse(a.getDescription() == null || a.getDescription().isBlank()
                    || a.getDescription().contains("exposed for management"), a.getName() + ": " + a.getDescription());
        }
        for (javax.management.MBeanOperationInfo o : info.getOperations()) {
            assertFalse(o.getDescription() == null || o.getDescription().contains("exposed for management"),
                    o.getName() + ": " + o.getDescription());
            for (javax.management.MBeanParameterInfo p : o.getSignature()) {
                assertFalse(p.getName().matches("p\\d+"), o.getName() + " has a parameter named " + p.getName());
                assertFalse(p.getDescription() == null || p.getDescription().isBlank() || p.getDescription().equals(p.getName()),
                        o.getName() + "(" + p.getName() + "): " + p.getDescription());
            }
        }
        String forget = java.util.Arrays.stream(info.getOperations()).filter(o -> o.getName().equals("forget")).findFirst()
                .orElseThrow().getDescription();
        assertTrue(forget.contains("false"), forget);
        List<String> types = List.of(info.getNotifications()[0].getNotifTypes());
        assertEquals(List.of(EnvironmentAdmin.OPERATION_STARTED, EnvironmentAdmin.OPERATION_PROGRESS,
                EnvironmentAdmin.OPERATION_COMPLETED, EnvironmentAdmin.OPERATION_FAILED), types);
    }

    /**
     * What a remote console receives must deserialize without Cairn's classes: every failure of an
     * operation (as the MBean server throws it, wrapper included), every notification and every
     * attribute value is serialized here and read back through a class loader that has only the
     * JDK's classes, as jconsole would.
     */
    @Test
    void whatARemoteConsoleReceivesNeedsOnlyJdkClasses() throws Exception {
        List<Object> sent = new CopyOnWriteArrayList<>();
        server.addNotificationListener(name, (n, hb) -> sent.add(n), null, null);
        Object[][] calls = {
                {"hotBackup", new Object[] {"../out", false}}, {"hotBackup", new Object[] {"x/" + "y".repeat(300), false}},
                {"hotBackup", new Object[] {null, true}}, {"updateBackup", new Object[] {"missing"}},
                {"heuristicCommit", new Object[] {"1:zz:00"}}, {"heuristicRollback", new Object[] {"7:0a:0b"}},
                {"forget", new Object[] {null}}, {"updateFailover", new Object[0]}, {"takeOverArchive", new Object[0]}};
        for (Object[] call : calls) {
            Object[] args = (Object[]) call[1];
            String[] sig = new String[args.length];
            for (int i = 0; i < args.length; i++) {
                sig[i] = args[i] instanceof Boolean ? "boolean" : String.class.getName();
            }
            try {
                server.invoke(name, (String) call[0], args, sig);
                org.junit.jupiter.api.Assertions.fail(call[0] + " should have failed");
            } catch (javax.management.JMException | RuntimeException e) {
                sent.add(e);
            }
        }
        admin.hotBackup("b1", false);
        admin.verify();
        for (MBeanAttributeInfo a : server.getMBeanInfo(name).getAttributes()) {
            sent.add(String.valueOf(a.getName()));
            Object v = server.getAttribute(name, a.getName());
            if (v != null) {
                sent.add(v);
            }
        }
        assertTrue(sent.stream().anyMatch(o -> o instanceof Notification n
                && n.getType().equals(EnvironmentAdmin.OPERATION_FAILED)), sent.toString());
        for (Object o : sent) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
                out.writeObject(o);
            }
            try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
                    new java.io.ByteArrayInputStream(bytes.toByteArray())) {
                @Override
                protected Class<?> resolveClass(java.io.ObjectStreamClass desc) throws ClassNotFoundException {
                    return Class.forName(desc.getName(), false, ClassLoader.getPlatformClassLoader());
                }
            }) {
                assertEquals(o.getClass(), in.readObject().getClass());
            } catch (ClassNotFoundException e) {
                org.junit.jupiter.api.Assertions.fail("a console without Cairn's classes cannot read " + o + ": " + e);
            }
        }
    }

    /**
     * A verify that finds damage ends with a "completed" notification, as one that finds none: its
     * user data did not say which, so a console or monitor filtering notifications could not tell a
     * damaged environment from a sound one without parsing the message. It now carries ok and problems.
     */
    @Test
    void aVerifyThatFindsDamageSaysSoInItsNotification() throws Exception {
        CairnConnectionFactory cf = (CairnConnectionFactory) TestAdapters.factory(ra, "unit").createConnectionFactory();
        try (CairnConnection c = cf.getConnection()) {
            for (int i = 0; i < 200; i++) {
                c.putString("t", "k" + i, "v".repeat(50));
            }
        }
        admin.checkpoint(true);
        List<Notification> seen = new CopyOnWriteArrayList<>();
        server.addNotificationListener(name, (n, hb) -> seen.add(n), null, null);
        admin.verify();
        java.util.Map<?, ?> sound = (java.util.Map<?, ?>) seen.get(seen.size() - 1).getUserData();
        assertEquals(Boolean.TRUE, sound.get("ok"), sound.toString());
        assertEquals(0, sound.get("problems"), sound.toString());
        // Between started and completed: progress at the end of the data files and of the log, with
        // what each phase read (a long verify also reports every few seconds).
        List<String> types = seen.stream().map(Notification::getType).toList();
        assertEquals(EnvironmentAdmin.OPERATION_STARTED, types.get(0), types.toString());
        List<java.util.Map<?, ?>> progress = seen.stream().filter(n -> n.getType().equals(EnvironmentAdmin.OPERATION_PROGRESS))
                .<java.util.Map<?, ?>>map(n -> (java.util.Map<?, ?>) n.getUserData()).toList();
        assertEquals(List.of("data files", "log"), progress.stream().map(d -> d.get("phase")).distinct().toList(),
                progress.toString());
        java.util.Map<?, ?> logEnd = progress.get(progress.size() - 1);
        assertTrue((Integer) logEnd.get("files") >= 1 && (Long) logEnd.get("bytes") > 0, logEnd.toString());

        Path data = Path.of(admin.listDataFiles().get(0));
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(data.toFile(), "rw")) {
            f.seek(f.length() / 2);
            f.write(new byte[64]);
            f.seek(f.length() / 2 + 100);
            f.write("damage".repeat(10).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        }
        seen.clear();
        org.cairndb.rar.admin.VerifyInfo v = admin.verify();
        assertFalse(v.isOk(), v.toString());
        Notification last = seen.get(seen.size() - 1);
        java.util.Map<?, ?> damaged = (java.util.Map<?, ?>) last.getUserData();
        assertEquals(Boolean.FALSE, damaged.get("ok"), last.getType() + " " + damaged);
        assertEquals(v.getProblems().size(), damaged.get("problems"), damaged.toString());
    }

    /** Branch names that are neither an Xid nor a global id are refused with a message saying what is expected. */
    @Test
    void branchNamesInUnknownFormatsAreRefused() {
        for (String bad : new String[] {null, "", "  ", "0xZZ", "0x123", "1:zz:00", "-1:01:00", "1::00", "1:01",
                "one:01:00", "1:" + "00".repeat(65) + ":00"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.heuristicCommit(bad),
                    "heuristicCommit(" + bad + ")");
            assertTrue(e.getMessage().contains("Xid") || e.getMessage().contains("global id"), bad + ": " + e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> admin.heuristicRollback(bad), "heuristicRollback(" + bad + ")");
            assertThrows(IllegalArgumentException.class, () -> admin.forget(bad), "forget(" + bad + ")");
        }
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> admin.heuristicCommit("7:0a:0b"));
        assertTrue(none.getMessage().contains("no in-doubt branch"), none.getMessage());
        assertFalse(admin.forget("7:0a:0b"));
        assertFalse(admin.forget("0x0a0b"));
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> admin.heuristicRollback("0x"));
        assertTrue(empty.getMessage().contains("no in-doubt branch"), empty.getMessage());
        assertFalse(admin.forget("0x"));
    }

    /**
     * The backup root itself is refused as a target, saying so (it said the root "lies outside the
     * backup root"); so are a missing directory, one outside the root, and an update of a directory
     * that holds no backup (with a failed notification).
     */
    @Test
    void badBackupTargetsAreRefusedSayingWhy() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.hotBackup(".", false));
        assertTrue(e.getMessage().contains("is the backup root itself"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> admin.hotBackup(dir.resolve("backups").toString(), false));
        assertTrue(e.getMessage().contains("is the backup root itself"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> admin.hotBackup(null, false));
        assertTrue(e.getMessage().contains("give a target directory"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> admin.updateBackup(" "));
        assertTrue(e.getMessage().contains("give a target directory"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> admin.updateBackup("sub/../../outside"));
        assertTrue(e.getMessage().contains("outside the backup root"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> admin.updateBackup("missing"));
        assertTrue(e.getMessage().contains("there is no backup there"), e.getMessage());

        Path notABackup = dir.resolve("backups/not-a-backup");
        Files.createDirectories(notABackup);
        List<Notification> seen = new CopyOnWriteArrayList<>();
        server.addNotificationListener(name, (n, hb) -> seen.add(n), null, null);
        RuntimeException failed = assertThrows(RuntimeException.class, () -> admin.updateBackup("not-a-backup"));
        assertTrue(failed.getClass().getName().startsWith("java.") && failed.getCause() == null, failed.toString());
        assertEquals(EnvironmentAdmin.OPERATION_FAILED, seen.get(seen.size() - 1).getType());
        assertTrue(seen.get(seen.size() - 1).getMessage().contains(failed.getMessage()), seen.toString());
        try (var files = Files.list(notABackup)) {
            assertEquals(0, files.count(), "nothing was written");
        }
    }

    /** Targets that lead out of the backup root through a link, or are no directory, are refused before anything is written. */
    @Test
    void targetsThatAreNoDirectoryInsideTheRootAreRefused() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Files.createDirectories(dir.resolve("backups"));
        Files.createSymbolicLink(dir.resolve("backups/out"), outside);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.hotBackup("out/b", false));
        assertTrue(e.getMessage().contains("leads through") && e.getMessage().contains("outside the backup root"),
                e.getMessage());
        Files.writeString(dir.resolve("backups/file"), "x");
        e = assertThrows(IllegalArgumentException.class, () -> admin.hotBackup("file", false));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
        RuntimeException below = assertThrows(RuntimeException.class, () -> admin.hotBackup("file/b", false));
        assertTrue(below.getClass().getName().startsWith("java.") && below.getCause() == null, below.toString());
        assertTrue(below.getMessage().contains(dir.resolve("backups/file").toString()), below.getMessage());
        try (var files = Files.list(outside)) {
            assertEquals(0, files.count(), "nothing was written outside the root");
        }
    }

    /** The log listings agree with each other, and removal takes exactly what was archivable. */
    @Test
    void logListingsAgreeAndRemovalTakesWhatIsArchivable() throws Exception {
        List<String> all = admin.listAllLogs();
        assertEquals(all.size(), admin.describeLogs().size());
        admin.checkpoint(true);
        List<String> archivable = admin.listArchivableLogs();
        assertTrue(all.containsAll(archivable));
        assertEquals(archivable, admin.removeArchivableLogs());
        for (String p : archivable) {
            assertFalse(Files.exists(Path.of(p)), p);
        }
        assertTrue(admin.listArchivableLogs().isEmpty());
        assertTrue(admin.listDataFiles().isEmpty(), "no database yet");
    }

    /** Operations for a feature that is not configured say which property turns it on. */
    @Test
    void operationsOfFeaturesNotConfiguredNameTheProperty() {
        IllegalStateException e = assertThrows(IllegalStateException.class, admin::updateFailover);
        assertTrue(e.getMessage().contains("FailoverDirectory"), e.getMessage());
        e = assertThrows(IllegalStateException.class, admin::takeOverArchive);
        assertTrue(e.getMessage().contains("ArchiveDirectory"), e.getMessage());
    }

    /**
     * A hot backup whose writes into the target fail part way (here a log segment's place in the
     * target is taken, as a full disk or a failing device would refuse it): the operation fails with
     * a JDK exception naming the file and the problem, the failure is notified, the target is left
     * without a manifest (an unfinished backup), and the environment keeps serving.
     */
    @Test
    void aHotBackupWhoseWritesFailLeavesAnUnfinishedTargetAndTheEnvironmentServing() throws Exception {
        CairnConnectionFactory cf = (CairnConnectionFactory) TestAdapters.factory(ra, "unit").createConnectionFactory();
        try (CairnConnection c = cf.getConnection()) {
            c.putString("t", "before", "v");
        }
        Path target = dir.resolve("backups/b1");
        List<Path> blocked = new CopyOnWriteArrayList<>();
        List<Notification> seen = new CopyOnWriteArrayList<>();
        javax.management.NotificationListener listener = (n, hb) -> {
            seen.add(n);
            if (n.getType().equals(EnvironmentAdmin.OPERATION_PROGRESS) && blocked.isEmpty()) {
                try (var segments = Files.list(dir.resolve("homes/unit/log"))) {
                    for (Path s : segments.toList()) {
                        Path taken = target.resolve(s.getFileName());
                        Files.createDirectories(taken.resolve("in-the-way"));
                        blocked.add(taken);
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        server.addNotificationListener(name, listener, null, null);
        try {
            RuntimeException e = assertThrows(RuntimeException.class, () -> admin.hotBackup("b1", false));
            assertFalse(blocked.isEmpty(), "the copy reported progress before the log");
            assertTrue(e.getClass().getName().startsWith("java.") && e.getCause() == null, e.toString());
            assertTrue(e.getMessage().contains("hotBackup failed") && e.getMessage().contains(target.toString()),
                    e.getMessage());
            assertTrue(seen.stream().anyMatch(n -> n.getType().equals(EnvironmentAdmin.OPERATION_FAILED)
                    && n.getMessage().contains(e.getMessage())), seen.toString());
        } finally {
            server.removeNotificationListener(name, listener);
        }
        assertFalse(Files.exists(target.resolve(org.cairndb.backup.BackupManifest.FILE_NAME)), "left unfinished");
        // LastBackup shows the failure, as LastFailoverUpdate does: the admin sees the backup is missing, and why.
        assertTrue(admin.getLastBackup().contains("failed") && admin.getLastBackup().contains(target.toString()),
                admin.getLastBackup());
        assertEquals("OPEN", admin.getState());
        assertEquals(0, admin.getRunningBackups(), "its pin was let go");
        try (CairnConnection c = cf.getConnection()) {
            c.putString("t", "after", "v");
            assertEquals("v", c.getString("t", "before"));
        }
        assertTrue(admin.checkpoint(true).isPerformed());
    }

    /**
     * Every admin operation on an environment that failed while serving is refused, saying why (the
     * failure), as a JDK exception without a cause; stop() then completes and unregisters the MBean.
     */
    @Test
    void everyOperationOfAFailedEnvironmentIsRefusedSayingWhy() throws Exception {
        ra.environment("unit").environment().internals().fail("simulated log write failure",
                new java.io.IOException("disk gone"));
        List<org.junit.jupiter.api.function.Executable> ops = List.of(() -> admin.checkpoint(true),
                admin::listArchivableLogs, admin::listAllLogs, admin::describeLogs, admin::listDataFiles,
                admin::removeArchivableLogs, admin::takeOverArchive, () -> admin.hotBackup("b1", true),
                () -> admin.updateBackup("b1"), admin::updateFailover, admin::verify,
                () -> admin.heuristicCommit("0x01:0x01:0x01"), () -> admin.heuristicRollback("0x01:0x01:0x01"),
                () -> admin.forget("0x01:0x01:0x01"));
        for (org.junit.jupiter.api.function.Executable op : ops) {
            IllegalStateException e = assertThrows(IllegalStateException.class, op);
            assertTrue(e.getMessage().contains("failed") && e.getMessage().contains("disk gone"), e.getMessage());
            assertNull(e.getCause());
        }
        assertFalse(Files.exists(dir.resolve("backups/b1")), "nothing was written");
        CairnResourceAdapter failed = ra;
        ra = null;
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), failed::stop);
        assertFalse(server.isRegistered(name));
    }
}
