package org.cairndb.rar;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionEvent;
import jakarta.resource.spi.ConnectionEventListener;
import jakarta.resource.spi.LocalTransaction;
import jakarta.resource.spi.ResourceAdapterInternalException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.JMX;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanServer;
import javax.management.Notification;
import org.cairndb.Database;
import org.cairndb.Environment;
import org.cairndb.EnvironmentConfig;
import org.cairndb.Transaction;
import org.cairndb.rar.admin.BackupInfo;
import org.cairndb.rar.admin.CairnEnvironmentMXBean;
import org.cairndb.rar.admin.CheckpointInfo;
import org.cairndb.rar.admin.EnvironmentAdmin;
import org.cairndb.rar.admin.VerifyInfo;
import org.junit.jupiter.api.Test;

/** The adapter outside a server: lifecycle, connections, local transactions, the admin MBean. */
class AdapterTest extends AdapterFixture {

    private CairnManagedConnectionFactory mcf;



    private CairnResourceAdapter adapter() {
        return TestAdapters.adapter(dir, "unit", "homes");
    }

    private CairnConnectionFactory start(CairnResourceAdapter a) throws ResourceException {
        ra = a;
        ra.start(ctx);
        mcf = new CairnManagedConnectionFactory();
        mcf.setEnvironmentName("unit");
        mcf.setResourceAdapter(ra);
        return (CairnConnectionFactory) mcf.createConnectionFactory();
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void startOpensTheEnvironmentThroughWorkAndTimerAndAutoCommitWorks() throws Exception {
        CairnConnectionFactory cf = start(adapter());
        assertEquals(ManagedEnvironment.State.OPEN, ra.environment("unit").awaitOpenState());
        assertTrue(ctx.worksStarted.get() >= 1, "recovery ran as Work");
        assertEquals(1, ctx.timersCreated.get(), "maintenance is scheduled on the server's timer");
        try (CairnConnection c = cf.getConnection()) {
            assertTrue(c.isValid(1));
            c.put("accounts", b("a"), b("1"));
            c.putString("accounts", "b", "2");
            assertEquals("1", new String(c.get("accounts", b("a")), StandardCharsets.UTF_8));
            assertEquals("2", c.getString("accounts", "b"));
            assertTrue(c.putIfAbsent("accounts", b("c"), b("3")));
            assertFalse(c.putIfAbsent("accounts", b("c"), b("x")));
            assertTrue(c.delete("accounts", b("c")));
            assertEquals(List.of(new KeyValue(b("a"), b("1")), new KeyValue(b("b"), b("2"))),
                    c.scan("accounts", null, null, 10));
            assertEquals(List.of(new KeyValue(b("b"), b("2"))), c.scan("accounts", b("b"), null, 10));
            assertEquals(1, c.scan("accounts", null, null, 1).size());
            assertEquals(2, c.count("accounts"));
            assertEquals("unit", c.environmentName());
        }
    }

    @Test
    void localTransactionCommitsAndRollsBackAndHandlesShareIt() throws Exception {
        start(adapter());
        CairnManagedConnection mc = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        CairnConnection h1 = (CairnConnection) mc.getConnection(null, null);
        CairnConnection h2 = (CairnConnection) mc.getConnection(null, null);
        LocalTransaction lt = mc.getLocalTransaction();
        lt.begin();
        h1.putString("t", "k", "v1");
        assertEquals("v1", h2.getString("t", "k"), "a second handle works in the same transaction");
        lt.rollback();
        assertNull(h1.getString("t", "k"), "rolled back");
        lt.begin();
        h1.putString("t", "k", "v2");
        lt.commit();
        assertEquals("v2", h2.getString("t", "k"));
        assertThrows(ResourceException.class, lt::commit, "no transaction to commit");
        mc.destroy();
    }

    @Test
    void cleanupInvalidatesHandlesAndAssociateMovesThem() throws Exception {
        start(adapter());
        CairnManagedConnection mc1 = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        CairnManagedConnection mc2 = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        CairnConnection h = (CairnConnection) mc1.getConnection(null, null);
        mc2.associateConnection(h);
        assertEquals(0, mc1.handleCount());
        assertEquals(1, mc2.handleCount());
        h.putString("t", "k", "v");
        mc2.cleanup();
        assertFalse(h.isValid(1));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> h.getString("t", "k"));
        assertTrue(e.getMessage().contains("cleaned up"), e.getMessage());
        assertSame(mc1, mcf.matchManagedConnections(java.util.Set.of(mc1), null, null));
        mc1.destroy();
        mc2.destroy();
        assertNull(mcf.matchManagedConnections(java.util.Set.of(mc1), null, null), "a destroyed connection never matches");
    }

    @Test
    void closingAHandleTellsTheServerAndAFatalErrorComesFirstAsAnEvent() throws Exception {
        start(adapter());
        CairnManagedConnection mc = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        List<String> events = new CopyOnWriteArrayList<>();
        mc.addConnectionEventListener(new ConnectionEventListener() {
            @Override
            public void connectionClosed(ConnectionEvent event) {
                events.add("closed " + (event.getConnectionHandle() != null));
            }

            @Override
            public void connectionErrorOccurred(ConnectionEvent event) {
                events.add("error " + event.getException().getMessage());
            }

            @Override
            public void localTransactionStarted(ConnectionEvent event) {
            }

            @Override
            public void localTransactionCommitted(ConnectionEvent event) {
            }

            @Override
            public void localTransactionRolledback(ConnectionEvent event) {
            }
        });
        CairnConnection h = (CairnConnection) mc.getConnection(null, null);
        h.putString("t", "k", "v");
        h.close();
        assertEquals(List.of("closed true"), events);
        CairnConnection h2 = (CairnConnection) mc.getConnection(null, null);
        ra.stop(); // the environment closes under the connection
        ra = null;
        assertThrows(IllegalStateException.class, () -> h2.getString("t", "k"));
        assertEquals(2, events.size());
        assertTrue(events.get(1).startsWith("error ") && events.get(1).contains("closed"), events.toString());
        assertFalse(h2.isValid(1));
    }

    @Test
    void checkpointsAndFailoverUpdatesRunOnTheServersTimer() throws Exception {
        CairnResourceAdapter a = adapter();
        a.setCheckpointKBytes("1");
        a.setFailoverDirectory("failover/{env}");
        a.setFailoverInterval("1s");
        CairnConnectionFactory cf = start(a);
        ManagedEnvironment me = ra.environment("unit");
        long before = me.environment().stats().checkpoints();
        try (CairnConnection c = cf.getConnection()) {
            for (int i = 0; i < 50; i++) {
                c.putString("t", "k" + i, "x".repeat(100));
            }
        }
        long deadline = System.currentTimeMillis() + 20_000;
        while (me.environment().stats().checkpoints() == before || me.lastFailover().equals("none")) {
            assertTrue(System.currentTimeMillis() < deadline, "a checkpoint on log volume and a failover update"
                    + " within 20 s; checkpoints " + me.environment().stats().checkpoints() + ", failover "
                    + me.lastFailover());
            Thread.sleep(50);
        }
        assertTrue(ctx.worksStarted.get() >= 3, "recovery, checkpoint and failover ran as Work");
        assertTrue(Files.exists(dir.resolve("backups/failover/unit/backup.manifest")));
    }

    @Test
    void startReturnsBeforeRecoveryEndsAndConnectionsWaitForIt() throws Exception {
        CairnResourceAdapter a = adapter();
        a.setStartWaitSeconds("0");
        CairnConnectionFactory cf = start(a);
        try (CairnConnection c = cf.getConnection()) { // waits for the recovery Work if it is still running
            c.putString("t", "k", "v");
            assertEquals("v", c.getString("t", "k"));
        }
    }

    @Test
    void propertiesExpandSystemPropertiesAndTheEnvironmentName() throws Exception {
        System.setProperty("cairn.test.homes", dir.resolve("from-property").toString());
        try {
            CairnResourceAdapter a = adapter();
            a.setEnvironmentHome("${cairn.test.homes}/{env}-home");
            a.setDurability("${cairn.test.durability:WRITE_NO_SYNC}");
            start(a);
            ManagedEnvironment me = ra.environment("unit");
            assertEquals(dir.resolve("from-property/unit-home"), me.settings().home());
            assertEquals(org.cairndb.Durability.WRITE_NO_SYNC, me.settings().config().durability());
            assertEquals(ManagedEnvironment.State.OPEN, me.awaitOpenState());
        } finally {
            System.clearProperty("cairn.test.homes");
        }
        CairnResourceAdapter b = adapter();
        b.setBackupRoot("${cairn.no.such.property}");
        ResourceAdapterInternalException e = assertThrows(ResourceAdapterInternalException.class, () -> b.start(ctx));
        assertTrue(e.getMessage().contains("cairn.no.such.property is not set"), e.getMessage());
    }

    @Test
    void catastrophicRecoveryWhenConfiguredOpensARestoredBackup() throws Exception {
        CairnConnectionFactory cf = start(adapter());
        try (CairnConnection c = cf.getConnection()) {
            c.putString("t", "restored", "yes");
        }
        CairnEnvironmentMXBean admin = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                ManagedEnvironment.objectName("unit"), CairnEnvironmentMXBean.class);
        admin.hotBackup("restore-me", false);
        ra.stop();
        ra = null;

        CairnResourceAdapter b = adapter();
        b.setEnvironmentHome(dir.resolve("backups/restore-me").toString());
        b.setBackupRoot(dir.resolve("other-backups").toString());
        b.setRecovery("catastrophic");
        CairnConnectionFactory restored = start(b);
        try (CairnConnection c = restored.getConnection()) {
            assertEquals("yes", c.getString("t", "restored"));
        }
    }

    @Test
    void badConfigurationFailsTheStartNamingTheProperty() {
        CairnResourceAdapter a = adapter();
        a.setDurability("FAST");
        ResourceAdapterInternalException e = assertThrows(ResourceAdapterInternalException.class, () -> a.start(ctx));
        assertTrue(e.getMessage().contains("Durability=FAST"), e.getMessage());

        CairnResourceAdapter b = adapter();
        b.setFailoverDirectory(dir.resolve("elsewhere").toString());
        e = assertThrows(ResourceAdapterInternalException.class, () -> b.start(ctx));
        assertTrue(e.getMessage().contains("must lie inside BackupRoot"), e.getMessage());

        CairnResourceAdapter c = adapter();
        c.setRecovery("sometimes");
        e = assertThrows(ResourceAdapterInternalException.class, () -> c.start(ctx));
        assertTrue(e.getMessage().contains("Recovery=sometimes"), e.getMessage());
    }

    @Test
    void anEnvironmentThatCannotBeOpenedFailsTheStartClearly() throws Exception {
        Path home = dir.resolve("homes/unit");
        Files.createDirectories(home);
        Files.writeString(home.resolve("notes.txt"), "not an environment");
        CairnResourceAdapter a = adapter();
        ResourceAdapterInternalException e = assertThrows(ResourceAdapterInternalException.class, () -> a.start(ctx));
        assertTrue(e.getMessage().contains("'unit'") && e.getMessage().contains("not a Cairn environment"), e.getMessage());
        assertFalse(ManagementFactory.getPlatformMBeanServer().isRegistered(ManagedEnvironment.objectName("unit")));
    }

    @Test
    void stopCheckpointsClosesAndUnregistersSoThatTheHomeOpensElsewhere() throws Exception {
        CairnConnectionFactory cf = start(adapter());
        try (CairnConnection c = cf.getConnection()) {
            c.putString("t", "kept", "yes");
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        assertTrue(server.isRegistered(ManagedEnvironment.objectName("unit")));
        ra.stop();
        ra = null;
        assertFalse(server.isRegistered(ManagedEnvironment.objectName("unit")));
        try (Environment env = Environment.open(dir.resolve("homes/unit"), new EnvironmentConfig().cacheSize(8 << 20))) {
            assertEquals("yes", new String(env.openDatabase("t").get(null, b("kept")), StandardCharsets.UTF_8));
        }
        // and the adapter starts again on it
        CairnConnectionFactory again = start(adapter());
        try (CairnConnection c = again.getConnection()) {
            assertEquals("yes", c.getString("t", "kept"));
        }
    }

    @Test
    void adminMBeanChecksBacksUpAndReportsProgress() throws Exception {
        CairnResourceAdapter a = adapter();
        a.setFailoverDirectory("failover/{env}");
        a.setFailoverInterval("0");
        CairnConnectionFactory cf = start(a);
        try (CairnConnection c = cf.getConnection()) {
            for (int i = 0; i < 100; i++) {
                c.putString("t", "k" + i, "v" + i);
            }
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        CairnEnvironmentMXBean admin = JMX.newMXBeanProxy(server, ManagedEnvironment.objectName("unit"),
                CairnEnvironmentMXBean.class);
        assertEquals("OPEN", admin.getState());
        assertTrue(admin.getCommits() >= 100);
        CheckpointInfo cp = admin.checkpoint(true);
        assertTrue(cp.isPerformed());
        assertEquals(cp.getCheckpointLsn(), admin.getLastCheckpointLsn());
        assertFalse(admin.listAllLogs().isEmpty());
        assertEquals(1, admin.listDataFiles().size());
        assertTrue(admin.getLogSize() > 0);

        // jconsole sees names and descriptions
        MBeanInfo info = server.getMBeanInfo(ManagedEnvironment.objectName("unit"));
        MBeanOperationInfo backupOp = java.util.Arrays.stream(info.getOperations())
                .filter(o -> o.getName().equals("hotBackup")).findFirst().orElseThrow();
        assertEquals("directory", backupOp.getSignature()[0].getName());
        assertTrue(backupOp.getSignature()[0].getDescription().contains("backup root"));
        assertTrue(backupOp.getDescription().contains("hot backup"));
        assertEquals(4, info.getNotifications()[0].getNotifTypes().length);

        // bad targets: outside the root, not empty; nothing written
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> admin.hotBackup(dir.resolve("outside").toString(), false));
        assertTrue(e.getMessage().contains("outside the backup root"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("outside")));
        e = assertThrows(IllegalArgumentException.class, () -> admin.hotBackup("../../escape", false));
        assertTrue(e.getMessage().contains("outside the backup root"), e.getMessage());
        Path full = dir.resolve("backups/full");
        Files.createDirectories(full);
        Files.writeString(full.resolve("x"), "x");
        e = assertThrows(IllegalArgumentException.class, () -> admin.hotBackup("full", false));
        assertTrue(e.getMessage().contains("is not empty"), e.getMessage());
        try (var s = Files.list(full)) {
            assertEquals(1, s.count(), "nothing was written into the non-empty target");
        }

        List<Notification> seen = new CopyOnWriteArrayList<>();
        server.addNotificationListener(ManagedEnvironment.objectName("unit"), (n, hb) -> seen.add(n), null, null);
        BackupInfo bi = admin.hotBackup("b1", true);
        assertTrue(bi.getFilesCopied() >= 2, bi.toString());
        List<String> types = new ArrayList<>();
        seen.forEach(n -> types.add(n.getType()));
        assertEquals(EnvironmentAdmin.OPERATION_STARTED, types.get(0));
        assertTrue(types.contains(EnvironmentAdmin.OPERATION_PROGRESS), types.toString());
        assertEquals(EnvironmentAdmin.OPERATION_COMPLETED, types.get(types.size() - 1));
        assertTrue(admin.getLastBackup().contains("b1"));
        try (CairnConnection c = cf.getConnection()) {
            c.putString("t", "later", "x");
        }
        admin.updateBackup("b1");
        try (Environment copy = Environment.open(dir.resolve("backups/b1"),
                new EnvironmentConfig().cacheSize(8 << 20).catastrophicRecovery(true))) {
            Database t = copy.openDatabase("t", false);
            assertEquals(101, t.count());
            assertEquals("x", new String(t.get(null, b("later")), StandardCharsets.UTF_8));
        }

        BackupInfo fo = admin.updateFailover();
        assertTrue(fo.getDirectory().endsWith("failover/unit"), fo.getDirectory());
        try (Environment copy = Environment.open(Path.of(fo.getDirectory()), new EnvironmentConfig().cacheSize(8 << 20))) {
            assertEquals(101, copy.openDatabase("t", false).count());
        }

        VerifyInfo v = admin.verify();
        assertTrue(v.isOk(), v.toString());
        assertTrue(admin.getInDoubtBranches().isEmpty());
    }

    /**
     * The adapter started on a copy of a home whose original still exists and archives into the
     * configured directory: the copy's archiving is refused, visibly in the MBean's status, until
     * an admin takes the archive over through JMX.
     */
    @Test
    void takeOverArchiveLetsACopyArchiveWhereItsOriginalDid() throws Exception {
        Path archive = dir.resolve("archive");
        Path original = dir.resolve("original");
        Files.createDirectories(original);
        Files.writeString(original.resolve("cairn.properties"), "cairn.log.segment.size=64k\n");
        try (Environment env = Environment.open(original,
                new EnvironmentConfig().cacheSize(8 << 20).archiveEnabled(true).archiveDir(archive))) {
            Database t = env.openDatabase("t", true);
            for (int i = 0; env.internals().log().currentSegment() < 3; i++) {
                t.put(null, b("k" + i), new byte[2000]);
            }
        } // closing archives the finished segments, claiming the archive for the original
        Path copy = dir.resolve("homes/unit");
        try (var files = Files.walk(original)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = copy.resolve(original.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else if (!p.getFileName().toString().equals("cairn.lock")) {
                    Files.copy(p, to);
                }
            }
        }
        CairnResourceAdapter a = adapter();
        a.setArchiveDirectory(archive.toString());
        CairnConnectionFactory cf = start(a);
        try (CairnConnection c = cf.getConnection()) {
            for (int i = 0; i < 100; i++) {
                c.put("t", b("copy" + i), new byte[2000]);
            }
        }
        CairnEnvironmentMXBean admin = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                ManagedEnvironment.objectName("unit"), CairnEnvironmentMXBean.class);
        long deadline = System.currentTimeMillis() + 20_000;
        while (admin.getArchiveStatus().getFailures() == 0) {
            assertTrue(System.currentTimeMillis() < deadline, "the copy's archiving to be refused: " + admin.getArchiveStatus());
            Thread.sleep(20);
        }
        assertTrue(admin.getArchiveStatus().getLastError().contains("--take-over"), admin.getArchiveStatus().toString());

        String said = admin.takeOverArchive();
        assertTrue(said.contains("no longer that of " + original.toRealPath()), said);
        while (admin.getArchiveStatus().getLastError() != null || admin.getArchiveStatus().getLagSegments() > 0) {
            assertTrue(System.currentTimeMillis() < deadline, "the copy to archive its segments: " + admin.getArchiveStatus());
            Thread.sleep(20);
        }
        assertTrue(admin.getArchiveStatus().getLastArchivedSegment() >= 3, admin.getArchiveStatus().toString());
    }

    @Test
    void handlesWorkInTheXaBranchAndRecoveryNeedsNoHandle() throws Exception {
        start(adapter());
        CairnManagedConnection mc = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        CairnConnection h = (CairnConnection) mc.getConnection(null, null);
        javax.transaction.xa.XAResource xa = mc.getXAResource();
        assertFalse(xa instanceof java.io.Serializable);
        javax.transaction.xa.Xid xid = new org.cairndb.xa.CairnXid(131077, b("gtrid-1"), b("b1"));
        xa.start(xid, javax.transaction.xa.XAResource.TMNOFLAGS);
        h.putString("x", "k", "in-branch");
        assertEquals("in-branch", h.getString("x", "k"));
        xa.end(xid, javax.transaction.xa.XAResource.TMSUCCESS);
        assertEquals(javax.transaction.xa.XAResource.XA_OK, xa.prepare(xid));
        // what the server does during recovery: a managed connection with no handle, then recover()
        CairnManagedConnection recovery = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        javax.transaction.xa.XAResource rxa = recovery.getXAResource();
        javax.transaction.xa.Xid[] found = rxa.recover(javax.transaction.xa.XAResource.TMSTARTRSCAN);
        assertEquals(1, found.length);
        assertEquals(0, rxa.recover(javax.transaction.xa.XAResource.TMENDRSCAN).length);
        CairnEnvironmentMXBean admin = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                ManagedEnvironment.objectName("unit"), CairnEnvironmentMXBean.class);
        assertEquals(org.cairndb.xa.CairnXid.of(xid).toString(), admin.getInDoubtBranches().get(0).getXid());
        rxa.commit(found[0], false);
        assertEquals("in-branch", h.getString("x", "k"), "auto-commit read after the branch committed");
        assertTrue(admin.getInDoubtBranches().isEmpty());
        recovery.destroy();
        mc.destroy();
    }

    private record Prepared(CairnManagedConnection mc, CairnConnection handle, org.cairndb.xa.CairnXid xid,
            CairnEnvironmentMXBean admin) {
    }

    /** Starts the adapter and leaves one XA branch prepared (Xid 42:g:q) that wrote x/decided = {@code value}. */
    private Prepared preparedBranch(String value) throws Exception {
        start(adapter());
        CairnManagedConnection mc = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        CairnConnection h = (CairnConnection) mc.getConnection(null, null);
        javax.transaction.xa.XAResource xa = mc.getXAResource();
        org.cairndb.xa.CairnXid xid = new org.cairndb.xa.CairnXid(42, b("g"), b("q"));
        xa.start(xid, javax.transaction.xa.XAResource.TMNOFLAGS);
        h.putString("x", "decided", value);
        xa.end(xid, javax.transaction.xa.XAResource.TMSUCCESS);
        xa.prepare(xid);
        return new Prepared(mc, h, xid, JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                ManagedEnvironment.objectName("unit"), CairnEnvironmentMXBean.class));
    }

    @Test
    void anAdminDecidesAnXaBranchByItsXid() throws Exception {
        Prepared p = preparedBranch("no");
        assertTrue(p.admin().heuristicRollback(p.xid().toString()).contains("rolled back"));
        assertNull(p.handle().getString("x", "decided"));
        assertEquals(p.xid().toString(), p.admin().getHeuristicBranches().get(0).getXid());
        assertTrue(p.admin().forget(p.xid().toString()));
        p.mc().destroy();
    }

    /**
     * What InDoubtBranches shows is what the decisions take: its GlobalId (hex, without 0x) was refused
     * ("neither an Xid nor a global id"). A second decision on a branch already decided said only "no
     * in-doubt branch ... (no branch is in doubt)", as if it had never existed; it now says how it was
     * decided, and that nothing changed.
     */
    @Test
    void anAdminDecidesABranchByTheNamesTheListShows() throws Exception {
        Prepared p = preparedBranch("yes");
        String globalId = p.admin().getInDoubtBranches().get(0).getGlobalId();
        assertTrue(p.admin().heuristicCommit(globalId).contains("committed"));
        assertEquals("yes", p.handle().getString("x", "decided"));
        for (String again : new String[] {p.xid().toString(), "0x" + globalId}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.admin().heuristicRollback(again));
            assertTrue(e.getMessage().contains("already heuristically committed"), e.getMessage());
        }
        assertEquals("yes", p.handle().getString("x", "decided"), "the second decision changed nothing");
        assertTrue(p.admin().getHeuristicBranches().get(0).isCommitted());
        assertTrue(p.admin().forget(p.admin().getHeuristicBranches().get(0).getGlobalId()));
        p.mc().destroy();
    }

    /**
     * A writer outside XA (auto-commit, or a local transaction) blocked by an in-doubt branch got the
     * engine's message alone, naming the holder by its global id in hex; only work inside an XA branch
     * was told the holder's Xid, the name the in-doubt list and the admin's decisions use.
     */
    @Test
    void aWriterOutsideXaBlockedByAnInDoubtBranchIsToldItsXid() throws Exception {
        CairnResourceAdapter a = adapter();
        a.setLockTimeout("200ms");
        CairnConnectionFactory cf = start(a);
        CairnManagedConnection mc = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        CairnConnection h = (CairnConnection) mc.getConnection(null, null);
        javax.transaction.xa.XAResource xa = mc.getXAResource();
        org.cairndb.xa.CairnXid xid = new org.cairndb.xa.CairnXid(131077, b("in-doubt"), b("b1"));
        xa.start(xid, javax.transaction.xa.XAResource.TMNOFLAGS);
        h.putString("x", "held", "prepared");
        xa.end(xid, javax.transaction.xa.XAResource.TMSUCCESS);
        xa.prepare(xid);
        try (CairnConnection c = cf.getConnection()) {
            org.cairndb.LockTimeoutException e = assertThrows(org.cairndb.LockTimeoutException.class,
                    () -> c.putString("x", "held", "auto-commit"));
            assertTrue(e.getMessage().contains("in-doubt XA branch " + xid), e.getMessage());
        }
        CairnManagedConnection local = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        CairnConnection lh = (CairnConnection) local.getConnection(null, null);
        local.getLocalTransaction().begin();
        org.cairndb.LockTimeoutException e = assertThrows(org.cairndb.LockTimeoutException.class,
                () -> lh.putString("x", "held", "local"));
        assertTrue(e.getMessage().contains("in-doubt XA branch " + xid), e.getMessage());
        local.getLocalTransaction().rollback();
        xa.rollback(xid);
        local.destroy();
        mc.destroy();
    }

    @Test
    void inDoubtBranchesAreListedAndDecidedByAnAdmin() throws Exception {
        CairnConnectionFactory cf = start(adapter());
        try (CairnConnection c = cf.getConnection()) {
            c.putString("t", "k", "before");
        }
        Environment env = ra.environment("unit").environment();
        Database t = env.openDatabase("t");
        Transaction txn = env.beginTransaction();
        t.put(txn, b("k"), b("prepared"));
        txn.prepare(new byte[] {1, 2, 3});
        CairnEnvironmentMXBean admin = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                ManagedEnvironment.objectName("unit"), CairnEnvironmentMXBean.class);
        assertEquals(1, admin.getInDoubtBranches().size());
        assertEquals("010203", admin.getInDoubtBranches().get(0).getGlobalId());
        assertEquals(1, admin.getPreparedTransactions());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> admin.heuristicCommit("0x09"));
        assertTrue(e.getMessage().contains("no in-doubt branch"), e.getMessage());
        admin.heuristicCommit("0x010203");
        assertTrue(admin.getInDoubtBranches().isEmpty());
        assertEquals(1, admin.getHeuristicBranches().size());
        assertTrue(admin.getHeuristicBranches().get(0).isCommitted());
        try (CairnConnection c = cf.getConnection()) {
            assertEquals("prepared", c.getString("t", "k"));
        }
        assertTrue(admin.forget("0x010203"));
        assertTrue(admin.getHeuristicBranches().isEmpty());
        assertArrayEquals(b("prepared"), t.get(null, b("k")));
        assertNotNull(admin.getRecoveryReport());
    }
}
