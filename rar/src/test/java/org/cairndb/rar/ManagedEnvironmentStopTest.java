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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.MBeanServer;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import org.cairndb.rar.admin.BackupInfo;
import org.cairndb.rar.admin.CairnEnvironmentMXBean;
import org.cairndb.rar.admin.EnvironmentAdmin;
import org.cairndb.rar.admin.VerifyInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** stop() against admin operations in progress. */
class ManagedEnvironmentStopTest extends AdapterFixture {

    private final CountDownLatch release = new CountDownLatch(1);


    @AfterEach
    void tearDown() throws Exception {
        release.countDown();
    }

    /**
     * stop() waits for an admin operation that runs (here a verify, held at its start notification),
     * and operations asked for meanwhile are refused. stop() used to wait only for backups and
     * failover updates: it closed the environment under a running verify or checkpoint, and let new
     * operations start while it closed.
     */
    @Test
    void stopWaitsForARunningOperationAndRefusesNewOnes() throws Exception {
        CairnResourceAdapter ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        assertEquals(ManagedEnvironment.State.OPEN, ra.environment("unit").awaitOpenState());
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = ManagedEnvironment.objectName("unit");
        CountDownLatch verifying = new CountDownLatch(1);
        NotificationListener holdAtStart = (n, hb) -> {
            if (n.getType().equals(EnvironmentAdmin.OPERATION_STARTED)) {
                verifying.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        server.addNotificationListener(name, holdAtStart, null, null);
        CairnEnvironmentMXBean admin = admin("unit");
        AtomicReference<Object> verified = new AtomicReference<>();
        Thread verifier = new Thread(() -> {
            try {
                verified.set(admin.verify());
            } catch (RuntimeException e) {
                verified.set(e);
            }
        }, "verifier");
        verifier.start();
        assertTrue(verifying.await(20, TimeUnit.SECONDS), "verify started");

        Thread stopper = new Thread(ra::stop, "stopper");
        stopper.start();
        TestAdapters.awaitWaitingIn(stopper, "awaitIdle");
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> admin.checkpoint(true));
        assertTrue(refused.getMessage().contains("closing"), refused.getMessage());
        assertNull(refused.getCause(), "a JDK exception without a cause: any JMX client can show it");

        release.countDown();
        verifier.join(30_000);
        stopper.join(30_000);
        assertFalse(stopper.isAlive() || verifier.isAlive());
        assertTrue(verified.get() instanceof VerifyInfo v && v.isOk(), String.valueOf(verified.get()));
        assertFalse(server.isRegistered(name));
    }

    /**
     * stop() while a JMX hot backup copies: the copy stops unfinished at once (no waiting up to two
     * minutes for it), the operation fails naming why, its failure notification goes out while the
     * MBean is still registered (a remote console's listener is gone once it is not), and nothing is
     * left registered. stop() used to wait for the copy to end, however long it took, then unregister
     * the MBean before the close stopped it: the end of a copy still running then was never heard of.
     */
    @Test
    void stopStopsARunningHotBackupAndItsFailureIsNotified() throws Exception {
        CairnResourceAdapter ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        assertEquals(ManagedEnvironment.State.OPEN, ra.environment("unit").awaitOpenState());
        CairnConnectionFactory cf = (CairnConnectionFactory) TestAdapters.factory(ra, "unit").createConnectionFactory();
        try (CairnConnection c = cf.getConnection()) {
            for (int i = 0; i < 20; i++) {
                c.putString("t" + i % 3, "k" + i, "v");
            }
        }
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = ManagedEnvironment.objectName("unit");
        CountDownLatch copying = new CountDownLatch(1);
        List<String> endedWhileRegistered = new CopyOnWriteArrayList<>();
        List<String> ended = new CopyOnWriteArrayList<>();
        NotificationListener listener = (n, hb) -> {
            if (n.getType().equals(EnvironmentAdmin.OPERATION_PROGRESS) && copying.getCount() > 0) {
                copying.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            } else if (n.getType().equals(EnvironmentAdmin.OPERATION_FAILED)
                    || n.getType().equals(EnvironmentAdmin.OPERATION_COMPLETED)) {
                ended.add(n.getType() + ": " + n.getMessage());
                if (server.isRegistered(name)) {
                    endedWhileRegistered.add(n.getType());
                }
            }
        };
        server.addNotificationListener(name, listener, null, null);
        CairnEnvironmentMXBean admin = admin("unit");
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread backup = new Thread(() -> {
            try {
                outcome.set(admin.hotBackup("b1", false));
            } catch (RuntimeException e) {
                outcome.set(e);
            }
        }, "backup");
        backup.start();
        assertTrue(copying.await(20, TimeUnit.SECONDS), "the backup copies");

        long t0 = System.currentTimeMillis();
        Thread stopper = new Thread(ra::stop, "stopper");
        stopper.start();
        TestAdapters.awaitWaitingIn(stopper, "awaitIdle");
        release.countDown();
        stopper.join(30_000);
        backup.join(30_000);
        assertFalse(stopper.isAlive() || backup.isAlive());
        assertTrue(System.currentTimeMillis() - t0 < 30_000, "stop did not wait for the copy to end");
        assertTrue(outcome.get() instanceof RuntimeException e && e.getMessage().contains("stopped unfinished")
                && e.getMessage().contains("was closed while it copied"), String.valueOf(outcome.get()));
        assertEquals(1, ended.size(), ended.toString());
        assertTrue(ended.get(0).startsWith(EnvironmentAdmin.OPERATION_FAILED) && ended.get(0).contains("stopped unfinished"),
                ended.toString());
        assertEquals(List.of(EnvironmentAdmin.OPERATION_FAILED), endedWhileRegistered, "sent while a listener can hear it");
        assertFalse(server.isRegistered(name));
        Path target = dir.resolve("backups/b1");
        assertTrue(Files.isDirectory(target));
        try (var files = Files.list(target)) {
            assertTrue(files.noneMatch(f -> f.getFileName().toString().contains("manifest")), "left unfinished");
        }
    }

    /**
     * stop() with one XA branch prepared and one still active, then a new start: the prepared branch
     * is in doubt and recoverable through a new connection, what was committed is there, the active
     * branch's work is gone; the old connection's handle and XAResource say the environment is closed
     * (XAER_RMFAIL), and the pool no longer matches the old connection.
     */
    @Test
    void preparedBranchesSurviveAStopAndActiveOnesAreRolledBack() throws Exception {
        ra = adapter(dir, "unit", "homes");
        ra.start(ctx);
        CairnManagedConnectionFactory mcf = TestAdapters.factory(ra, "unit");
        CairnManagedConnection mc = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        CairnConnection h = (CairnConnection) mc.getConnection(null, null);
        javax.transaction.xa.XAResource xa = mc.getXAResource();
        org.cairndb.xa.CairnXid prepared = new org.cairndb.xa.CairnXid(1, "p".getBytes(), "1".getBytes());
        xa.start(prepared, javax.transaction.xa.XAResource.TMNOFLAGS);
        h.putString("t", "prepared", "yes");
        xa.end(prepared, javax.transaction.xa.XAResource.TMSUCCESS);
        assertEquals(javax.transaction.xa.XAResource.XA_OK, xa.prepare(prepared));
        h.putString("t", "committed", "yes");
        org.cairndb.xa.CairnXid active = new org.cairndb.xa.CairnXid(1, "a".getBytes(), "1".getBytes());
        xa.start(active, javax.transaction.xa.XAResource.TMNOFLAGS);
        h.putString("t", "active", "yes");

        ra.stop();
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> h.getString("t", "committed"));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        javax.transaction.xa.XAException rmfail = assertThrows(javax.transaction.xa.XAException.class,
                () -> xa.recover(javax.transaction.xa.XAResource.TMSTARTRSCAN));
        assertEquals(javax.transaction.xa.XAException.XAER_RMFAIL, rmfail.errorCode, rmfail.getMessage());

        ra.start(ctx);
        assertNull(mcf.matchManagedConnections(java.util.Set.of(mc), null, null), "the old connection is not reused");
        CairnManagedConnection next = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        javax.transaction.xa.XAResource nxa = next.getXAResource();
        javax.transaction.xa.Xid[] inDoubt = nxa.recover(javax.transaction.xa.XAResource.TMSTARTRSCAN);
        assertEquals(List.of(prepared), List.of(inDoubt));
        javax.transaction.xa.XAException gone = assertThrows(javax.transaction.xa.XAException.class,
                () -> nxa.rollback(active));
        assertEquals(javax.transaction.xa.XAException.XAER_NOTA, gone.errorCode, gone.getMessage());
        CairnConnection nh = (CairnConnection) next.getConnection(null, null);
        assertEquals("yes", nh.getString("t", "committed"));
        assertNull(nh.getString("t", "active"));
        assertNull(nh.getString("t", "prepared"), "in doubt: not committed yet");
        nxa.commit(inDoubt[0], false);
        assertEquals("yes", nh.getString("t", "prepared"));
        mc.destroy();
        next.destroy();
    }
}
