package org.cairndb.rar;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.resource.ResourceException;
import jakarta.resource.spi.ConnectionEvent;
import jakarta.resource.spi.ConnectionEventListener;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import javax.management.JMX;
import org.cairndb.rar.admin.CairnEnvironmentMXBean;

/** What the adapter's tests share: an adapter on a temporary directory, its factory and MBean, waiting. */
final class TestAdapters {

    private static final long DEADLINE_MILLIS = 20_000;

    private TestAdapters() {
    }

    /** An adapter for environment {@code name}, homes under {@code dir/homes}, backups under {@code dir/backups}. */
    static CairnResourceAdapter adapter(Path dir, String name, String homes) {
        CairnResourceAdapter a = new CairnResourceAdapter();
        a.setEnvironmentName(name);
        a.setEnvironmentHome(dir.resolve(homes).resolve("{env}").toString());
        a.setBackupRoot(dir.resolve("backups").toString());
        a.setCacheSize("8m");
        return a;
    }

    static CairnManagedConnectionFactory factory(CairnResourceAdapter ra, String name) throws ResourceException {
        CairnManagedConnectionFactory mcf = new CairnManagedConnectionFactory();
        mcf.setEnvironmentName(name);
        mcf.setResourceAdapter(ra);
        return mcf;
    }

    static CairnEnvironmentMXBean admin(String name) {
        return JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(), ManagedEnvironment.objectName(name),
                CairnEnvironmentMXBean.class);
    }

    /** Waits until {@code condition} holds; fails naming {@code what} after the deadline. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.currentTimeMillis() + DEADLINE_MILLIS;
        while (!condition.getAsBoolean()) {
            if (System.currentTimeMillis() > deadline) {
                fail("waited " + DEADLINE_MILLIS / 1000 + " s for " + what);
            }
            Thread.sleep(10);
        }
    }

    /** Waits until {@code t} blocks waiting inside a method named {@code method}; fails if it ends instead. */
    static void awaitWaitingIn(Thread t, String method) throws InterruptedException {
        await(t.getName() + " to wait in " + method + "() or to end", () -> !t.isAlive() || waitingIn(t, method));
        assertTrue(t.isAlive(), t.getName() + " ended instead of waiting in " + method + "()");
    }

    private static boolean waitingIn(Thread t, String method) {
        Thread.State s = t.getState();
        return (s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING)
                && Arrays.stream(t.getStackTrace()).anyMatch(f -> f.getMethodName().equals(method));
    }

    /** Records the connection events a managed connection sends, as the server's pool would receive them. */
    static final class Events implements ConnectionEventListener {
        final List<ConnectionEvent> errors = new CopyOnWriteArrayList<>();
        final List<ConnectionEvent> closed = new CopyOnWriteArrayList<>();

        @Override
        public void connectionClosed(ConnectionEvent event) {
            closed.add(event);
        }

        @Override
        public void connectionErrorOccurred(ConnectionEvent event) {
            errors.add(event);
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
    }
}
