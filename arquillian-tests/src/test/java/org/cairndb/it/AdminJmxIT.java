package org.cairndb.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.JMX;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServerConnection;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import javax.management.RuntimeMBeanException;
import javax.management.remote.JMXConnector;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.it.app.StoreBean;
import org.cairndb.it.app.StoreServlet;
import org.cairndb.rar.admin.BackupInfo;
import org.cairndb.rar.admin.CairnEnvironmentMXBean;
import org.cairndb.rar.admin.CheckpointInfo;
import org.cairndb.rar.admin.EnvironmentAdmin;
import org.cairndb.rar.admin.LogSegmentInfo;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.container.test.api.RunAsClient;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.ResourceAdapterArchive;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The admin MBean from this JVM over WildFly's management port (remote+http): checkpoint, archive
 * listings, a hot backup while a bean writes, a failover update, and bad arguments.
 */
@ExtendWith(ArquillianExtension.class)
@RunAsClient
class AdminJmxIT {

    private static final String BASE = Support.SUITE_HTTP + "/admin";
    private static final ObjectName NAME = objectName();
    private static JMXConnector connector;
    private static MBeanServerConnection server;
    private static CairnEnvironmentMXBean admin;

    @Deployment(name = "rar", order = 1, testable = false)
    static ResourceAdapterArchive rar() {
        return Deployments.rar();
    }

    @Deployment(name = "war", order = 2, testable = false)
    static WebArchive war() {
        return Deployments.war("admin", StoreBean.class, StoreServlet.class);
    }

    private static ObjectName objectName() {
        try {
            return new ObjectName("org.cairndb:type=Environment,name=default");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeAll
    static void connect() throws Exception {
        connector = Support.jmx(Support.SUITE_MANAGEMENT);
        server = connector.getMBeanServerConnection();
        admin = JMX.newMXBeanProxy(server, NAME, CairnEnvironmentMXBean.class, true);
    }

    @AfterAll
    static void disconnect() throws Exception {
        if (connector != null) {
            connector.close();
        }
    }

    private static String store(String... kv) throws Exception {
        Map<String, String> p = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            p.put(kv[i], kv[i + 1]);
        }
        return Support.get(BASE, "/store", p);
    }

    @Test
    void attributesCheckpointAndArchiveListings() throws Exception {
        for (int i = 0; i < 20; i++) {
            assertEquals("ok", store("op", "put", "db", "adm", "key", "k" + i, "value", "v" + i));
        }
        assertEquals("OPEN", admin.getState());
        assertTrue(admin.getCommits() >= 20, "commits: " + admin.getCommits());
        assertNotNull(admin.getRecoveryReport());
        CheckpointInfo cp = admin.checkpoint(true);
        assertTrue(cp.isPerformed(), cp.toString());
        assertEquals(cp.getCheckpointLsn(), admin.getLastCheckpointLsn());
        assertFalse("none".equals(admin.getLastCheckpointTime()));
        List<String> logs = admin.listAllLogs();
        assertFalse(logs.isEmpty());
        assertTrue(logs.get(0).contains("log.0000000001") || logs.get(0).contains("log."), logs.toString());
        List<LogSegmentInfo> described = admin.describeLogs();
        assertEquals(logs.size(), described.size());
        assertTrue(described.get(described.size() - 1).getReasons().contains("it is being written"),
                described.toString());
        assertTrue(admin.listDataFiles().stream().anyMatch(f -> f.endsWith("adm.cdb")), admin.listDataFiles().toString());
        assertTrue(admin.listArchivableLogs().isEmpty(), "one segment, still written: nothing to archive");
        assertTrue(admin.getArchiveStatus().isEnabled(), "archiving is configured for the suite server");
        assertTrue(admin.getLogSize() > 0);
        assertTrue(admin.getCacheHitRatio() >= 0 && admin.getCacheHitRatio() <= 1);
        assertTrue(admin.getDatabases().contains("adm"));

        // jconsole's view: parameter names and descriptions, notifications declared
        MBeanInfo info = server.getMBeanInfo(NAME);
        MBeanOperationInfo checkpoint = Arrays.stream(info.getOperations()).filter(o -> o.getName().equals("checkpoint"))
                .findFirst().orElseThrow();
        assertEquals("force", checkpoint.getSignature()[0].getName());
        assertFalse(checkpoint.getDescription().isBlank());
        assertTrue(Arrays.stream(info.getAttributes()).allMatch(a -> !a.getDescription().startsWith("Attribute exposed")),
                "every attribute has its own description");
        assertTrue(Arrays.asList(info.getNotifications()[0].getNotifTypes()).contains(EnvironmentAdmin.OPERATION_PROGRESS));
    }

    @Test
    void hotBackupWhileABeanWritesHoldsEveryAcknowledgedCommit() throws Exception {
        List<Notification> notes = new CopyOnWriteArrayList<>();
        NotificationListener listener = (n, hb) -> notes.add(n);
        server.addNotificationListener(NAME, listener, null, null);
        assertEquals("started", store("op", "start", "db", "writer"));
        try {
            Support.await("the writer to commit 300 transactions", Duration.ofSeconds(60),
                    () -> acked() >= 300);
            long before = acked(); // every one of these commits was acknowledged before the backup began
            BackupInfo b = admin.hotBackup("while-writing", false);
            long after = acked();
            assertTrue(after > before, "the bean kept writing during the backup (" + before + " -> " + after + ")");
            assertTrue(b.getFilesCopied() >= 2, b.toString());
            assertNotNull(b.getRecoveryReport(), "the copy was recovered");

            Path copy = Support.suiteData().resolve("backups/while-writing");
            assertEquals(copy.toString(), b.getDirectory());
            try (Environment env = Environment.open(copy, new EnvironmentConfig().cacheSize(16 << 20)
                    .catastrophicRecovery(true))) {
                Database db = env.openDatabase("writer", false);
                for (long i = 0; i < before; i++) {
                    byte[] v = db.get(null, StoreServlet.writerKey(i).getBytes(StandardCharsets.UTF_8));
                    assertNotNull(v, "acknowledged commit " + i + " of " + before + " is in the backup");
                }
            }
        } finally {
            String stopped = store("op", "stop");
            assertFalse(stopped.contains("failed"), stopped);
        }
        Support.await("the completion notification", Duration.ofSeconds(10), () -> notes.stream()
                .anyMatch(n -> n.getType().equals(EnvironmentAdmin.OPERATION_COMPLETED)));
        server.removeNotificationListener(NAME, listener);
        List<Notification> ordered = new ArrayList<>(notes);
        ordered.sort(java.util.Comparator.comparingLong(Notification::getSequenceNumber)); // remote delivery may reorder
        List<String> types = new ArrayList<>();
        ordered.forEach(n -> types.add(n.getType()));
        assertEquals(EnvironmentAdmin.OPERATION_STARTED, types.get(0), types.toString());
        assertTrue(types.contains(EnvironmentAdmin.OPERATION_PROGRESS), types.toString());
        assertEquals(EnvironmentAdmin.OPERATION_COMPLETED, types.get(types.size() - 1), types.toString());
        assertTrue(admin.getLastBackup().contains("while-writing"), admin.getLastBackup());
    }

    private static long acked() {
        try {
            String s = store("op", "acked");
            if (s.contains("failed")) {
                throw new AssertionError("the writer failed: " + s);
            }
            return Long.parseLong(s.trim());
        } catch (AssertionError e) {
            throw e;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void failoverUpdateGivesACopyThatOpens() throws Exception {
        assertEquals("ok", store("op", "put", "db", "fo", "key", "before-failover", "value", "yes"));
        BackupInfo b = admin.updateFailover();
        Path dir = Support.suiteData().resolve("backups/failover/default");
        assertEquals(dir.toString(), b.getDirectory());
        assertTrue(admin.getLastFailoverUpdate().contains(dir.toString()), admin.getLastFailoverUpdate());
        try (Environment env = Environment.open(dir, new EnvironmentConfig().cacheSize(16 << 20))) {
            assertEquals("yes", new String(env.openDatabase("fo", false).get(null,
                    "before-failover".getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8));
        }
    }

    @Test
    void badBackupTargetsAreRefusedByNameAndNothingIsWritten() throws Exception {
        Path outside = Support.suiteData().resolve("not-in-the-root");
        RuntimeMBeanException e = assertThrows(RuntimeMBeanException.class, () -> server.invoke(NAME, "hotBackup",
                new Object[] {outside.toString(), false}, new String[] {"java.lang.String", "boolean"}));
        IllegalArgumentException cause = assertInstanceOf(IllegalArgumentException.class, e.getCause());
        assertTrue(cause.getMessage().contains("outside the backup root"), cause.getMessage());
        assertFalse(Files.exists(outside));

        Path full = Support.suiteData().resolve("backups/not-empty");
        Files.createDirectories(full);
        Files.writeString(full.resolve("keep.txt"), "mine");
        e = assertThrows(RuntimeMBeanException.class, () -> server.invoke(NAME, "hotBackup",
                new Object[] {"not-empty", true}, new String[] {"java.lang.String", "boolean"}));
        assertTrue(e.getCause().getMessage().contains("is not empty"), e.getCause().getMessage());
        try (var s = Files.list(full)) {
            assertEquals(List.of(full.resolve("keep.txt")), s.toList());
        }

        IllegalArgumentException viaProxy = assertThrows(IllegalArgumentException.class,
                () -> admin.updateBackup("no-such-backup"));
        assertTrue(viaProxy.getMessage().contains("no-such-backup"), viaProxy.getMessage());
        assertFalse(Files.exists(Support.suiteData().resolve("backups/no-such-backup")));
    }
}
