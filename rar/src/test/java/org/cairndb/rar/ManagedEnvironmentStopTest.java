package org.cairndb.rar;

import static org.cairndb.rar.TestAdapters.adapter;
import static org.cairndb.rar.TestAdapters.admin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.MBeanServer;
import javax.management.NotificationListener;
import javax.management.ObjectName;
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
}
