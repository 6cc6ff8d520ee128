package org.cairndb.rar;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.resource.ResourceException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import javax.management.ObjectName;
import javax.transaction.xa.XAResource;
import org.cairndb.rar.admin.CairnEnvironmentMXBean;
import org.cairndb.xa.CairnXid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application server undeploys and redeploys the adapter many times in one JVM. Each cycle
 * starts it on a bootstrap context of its own, works through it (connections, an XA branch, a hot
 * backup, a failover update, verify, scheduled maintenance), leaves a connection and a branch open
 * as a stopping application would, and stops it. Afterwards nothing of the cycles is left: no
 * MBean, no thread started during them, no timer of the server's, no file open under the
 * directory, no home claimed in the engine, and the adapters themselves are collected (a
 * redeployed adapter's class loader can only go if they do).
 */
class AdapterRedeployLeakTest {

    static final int CYCLES = 100;

    @TempDir
    Path dir;

    @Test
    void startStopCycles() throws Exception {
        Snapshot before = Snapshot.take();
        List<WeakReference<Object>> stopped = new ArrayList<>();
        for (int cycle = 0; cycle < CYCLES; cycle++) {
            TestBootstrapContext ctx = new TestBootstrapContext();
            if (cycle % 3 == 1) {
                ctx.timers = TestBootstrapContext.Timers.UNAVAILABLE; // the adapter's own timer
            } // and every third cycle no bootstrap context at all: the adapter's own threads
            // The deployment's class loader, as the server sets it around the adapter's calls:
            // nothing may keep it (a thread inheriting it, a cache) once the adapter stopped.
            ClassLoader deployment = new java.net.URLClassLoader("deployment-" + cycle, new java.net.URL[0],
                    getClass().getClassLoader());
            stopped.add(new WeakReference<>(deployment));
            Thread me = Thread.currentThread();
            ClassLoader old = me.getContextClassLoader();
            me.setContextClassLoader(deployment);
            try {
                deployWorkUndeploy(cycle % 3 == 2 ? null : ctx, ctx, cycle, stopped);
            } finally {
                me.setContextClassLoader(old);
                ctx.close();
            }
            deployment = null;
        }
        Snapshot.awaitNoThreadsBut(before.threads);
        assertEquals(Set.of(), cairnMBeans(), "Cairn MBeans after " + CYCLES + " cycles");
        assertEquals(before.registries, registries(), "the engine's static registries after " + CYCLES + " cycles");
        assertEquals(List.of(), openUnder(dir), "files still open");
        long fds = fdCount();
        System.out.println("after " + CYCLES + " cycles: descriptors " + before.fds + " -> " + fds + ", threads "
                + before.threads.size() + " -> " + liveThreadIds().size() + ", registries " + before.registries + " -> "
                + registries() + ", " + stopped.size() + " objects to be collected");
        assertTrue(fds <= before.fds + 5, "open file descriptors grew from " + before.fds + " to " + fds);
        awaitCollected(stopped);
    }

    /** A redeploy that fails (the home is locked by another activation) leaves nothing behind either. */
    @Test
    void failedStarts() throws Exception {
        TestBootstrapContext holderCtx = new TestBootstrapContext();
        CairnResourceAdapter holder = TestAdapters.adapter(dir, "held", "homes");
        holder.start(holderCtx);
        Snapshot before = Snapshot.take();
        List<WeakReference<Object>> failed = new ArrayList<>();
        try {
            for (int cycle = 0; cycle < CYCLES / 2; cycle++) {
                TestBootstrapContext ctx = new TestBootstrapContext();
                try {
                    failToStart(ctx, failed);
                } finally {
                    ctx.close();
                }
            }
        } finally {
            holder.stop();
            holderCtx.close();
        }
        Snapshot.awaitNoThreadsBut(before.threads);
        assertEquals(Set.of(), cairnMBeans(), "Cairn MBeans after the failed starts and the holder's stop");
        assertEquals(List.of(), openUnder(dir), "files still open");
        awaitCollected(failed);
    }

    private void failToStart(TestBootstrapContext ctx, List<WeakReference<Object>> failed) {
        CairnResourceAdapter ra = TestAdapters.adapter(dir, "other", "homes");
        ra.setEnvironmentHome(dir.resolve("homes").resolve("held").toString());
        ResourceException e = assertThrows(ResourceException.class, () -> ra.start(ctx));
        assertTrue(e.getMessage().contains("open already in this server"), e.getMessage());
        ra.stop(); // a server may stop what failed to start
        failed.add(new WeakReference<>(ra));
    }

    /** One deployment: start, work, leave things open, stop. */
    private void deployWorkUndeploy(TestBootstrapContext ctx, TestBootstrapContext ticks, int cycle,
            List<WeakReference<Object>> stopped) throws Exception {
        CairnResourceAdapter ra = TestAdapters.adapter(dir, "leak", "homes");
        ra.setArchiveDirectory(dir.resolve("archive").toString());
        ra.setLogAutoRemove("true");
        ra.setCheckpointKBytes("8");
        ra.setFailoverDirectory(dir.resolve("backups").resolve("failover").toString());
        ra.setFailoverInterval("1s");
        ra.start(ctx);
        ManagedEnvironment me = ra.environment("leak");
        assertEquals(ManagedEnvironment.State.OPEN, me.awaitOpenState());
        CairnManagedConnectionFactory mcf = TestAdapters.factory(ra, "leak");
        CairnConnectionFactory cf = (CairnConnectionFactory) mcf.createConnectionFactory();
        try (CairnConnection c = cf.getConnection()) {
            for (int i = 0; i < 20; i++) {
                c.put("t", ("k" + cycle + "-" + i).getBytes(StandardCharsets.UTF_8), new byte[1000]);
            }
        }
        CairnConnection leftOpen = cf.getConnection(); // never closed by the application
        leftOpen.put("t", "open".getBytes(StandardCharsets.UTF_8), new byte[10]);
        CairnManagedConnection mc = (CairnManagedConnection) mcf.createManagedConnection(null, null);
        XAResource xa = mc.getXAResource();
        CairnXid xid = new CairnXid(1, ("g" + cycle).getBytes(StandardCharsets.UTF_8), new byte[] {1});
        xa.start(xid, XAResource.TMNOFLAGS); // left active: the server stops the adapter mid-transaction
        CairnEnvironmentMXBean admin = TestAdapters.admin("leak");
        if (cycle % 10 == 0) {
            admin.hotBackup("backup-" + cycle, true);
            admin.updateFailover();
            assertTrue(admin.verify().isOk(), "verify in cycle " + cycle);
        }
        ticks.tick();
        stopped.add(new WeakReference<>(ra));
        stopped.add(new WeakReference<>(me));
        stopped.add(new WeakReference<>(me.environment()));
        ra.stop();
    }

    // ---- what is measured ----

    /** What the JVM has before the cycles. */
    record Snapshot(long fds, Set<Long> threads, Map<String, Integer> registries) {
        static Snapshot take() throws IOException {
            return new Snapshot(fdCount(), liveThreadIds(), AdapterRedeployLeakTest.registries());
        }

        /** Waits (a grace period: a thread may still be on its way out) until no thread started since is alive. */
        static void awaitNoThreadsBut(Set<Long> before) throws InterruptedException {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (true) {
                List<String> extra = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.isAlive() && !before.contains(t.getId()))
                        .map(t -> t.getName() + " (context loader " + t.getContextClassLoader() + ")").sorted().toList();
                if (extra.isEmpty()) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("threads started by the cycles and still alive: " + extra);
                }
                Thread.sleep(10);
            }
        }
    }

    static Set<Long> liveThreadIds() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getId)
                .collect(Collectors.toSet());
    }

    static Set<ObjectName> cairnMBeans() throws Exception {
        return ManagementFactory.getPlatformMBeanServer().queryNames(new ObjectName("org.cairndb:*"), null);
    }

    /** The engine's and xa's static collections keyed per home, target or environment. */
    static Map<String, Integer> registries() {
        Map<String, Integer> sizes = new TreeMap<>();
        sizes.put("EnvironmentLock.HELD", size("org.cairndb.env.EnvironmentLock", "HELD"));
        sizes.put("HotBackup.RUNNING", size("org.cairndb.backup.HotBackup", "RUNNING"));
        return sizes;
    }

    private static int size(String owner, String field) {
        try {
            Field f = Class.forName(owner).getDeclaredField(field);
            f.setAccessible(true);
            Object v = f.get(null);
            return v instanceof Map<?, ?> m ? m.size() : ((Collection<?>) v).size();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read " + owner + "." + field, e);
        }
    }

    static long fdCount() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    static List<String> openUnder(Path root) throws IOException {
        String prefix = root.toRealPath().toString();
        List<String> open = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    String target = Files.readSymbolicLink(p).toString();
                    if (target.startsWith(prefix)) {
                        open.add(target);
                    }
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        }
        return open;
    }

    static void awaitCollected(List<WeakReference<Object>> refs) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            List<String> alive = refs.stream().map(WeakReference::get).filter(o -> o != null)
                    .map(o -> o instanceof ClassLoader l ? "class loader " + l.getName() : o.getClass().getSimpleName())
                    .toList();
            if (alive.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(alive.size() + " of " + refs.size() + " stopped objects still reachable: " + alive);
            }
            System.gc();
            Thread.sleep(20);
        }
    }
}
