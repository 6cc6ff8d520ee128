package org.cairndb.env;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a JVM that opens and closes environments many times (an application server redeploying the
 * adapter) must not accumulate: open file descriptors, Cairn threads, entries in the engine's static
 * registries, and the closed environments themselves.
 */
public final class LeakProbe {

    /** Descriptors the JVM itself may open in between (class loading, the GC log, jar files). */
    static final int FD_TOLERANCE = 5;

    final long fds;
    final List<String> cairnThreads;
    final Map<String, Integer> registries;

    private LeakProbe(long fds, List<String> cairnThreads, Map<String, Integer> registries) {
        this.fds = fds;
        this.cairnThreads = cairnThreads;
        this.registries = registries;
    }

    static LeakProbe take() throws IOException {
        return new LeakProbe(openFileDescriptors(), cairnThreads(), staticRegistries());
    }

    /**
     * Fails naming what accumulated since {@code before}: Cairn threads still alive after a grace
     * period (a closing thread may still be on its way out), registry entries, file descriptors.
     */
    void assertNothingAccumulatedSince(LeakProbe before, int cycles) throws Exception {
        awaitNoCairnThreadsBut(before.cairnThreads);
        LeakProbe now = take();
        System.out.println("after " + cycles + " cycles: descriptors " + before.fds + " -> " + now.fds + ", Cairn threads "
                + before.cairnThreads + " -> " + now.cairnThreads + ", registries " + before.registries + " -> "
                + now.registries);
        assertEquals(before.registries, now.registries, "static registries after " + cycles + " cycles");
        assertTrue(now.fds <= before.fds + FD_TOLERANCE, "open file descriptors grew from " + before.fds + " to "
                + now.fds + " in " + cycles + " cycles: " + fdTargets());
    }

    private static void awaitNoCairnThreadsBut(List<String> allowed) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> extra;
        while (!(extra = without(cairnThreads(), allowed)).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Cairn threads left behind: " + extra);
            }
            Thread.sleep(10);
        }
    }

    private static List<String> without(List<String> all, List<String> allowed) {
        List<String> rest = new ArrayList<>(all);
        allowed.forEach(rest::remove);
        return rest;
    }

    public static List<String> cairnThreads() {
        List<String> names = new ArrayList<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("cairn")) {
                names.add(t.getName());
            }
        }
        names.sort(null);
        return names;
    }

    static long openFileDescriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Fails naming the files under {@code root} this process still has open. */
    static void assertNoneOpenUnder(Path root) throws IOException {
        String prefix = root.toRealPath().toString();
        List<String> open = fdTargets().stream().filter(t -> t.startsWith(prefix)).toList();
        assertEquals(List.of(), open, "files under " + root + " still open");
    }

    /** What the descriptors point at, to name a leak. */
    static List<String> fdTargets() {
        List<String> targets = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    targets.add(Files.readSymbolicLink(p).toString());
                } catch (IOException gone) {
                    // closed while listing
                }
            }
        } catch (IOException e) {
            targets.add(e.toString());
        }
        targets.sort(null);
        return targets;
    }

    /** The sizes of every static collection the engine keys by home or target. */
    static Map<String, Integer> staticRegistries() {
        Map<String, Integer> sizes = new TreeMap<>();
        sizes.put("EnvironmentLock.HELD", size(EnvironmentLock.class, "HELD"));
        sizes.put("HotBackup.RUNNING", size(org.cairndb.backup.HotBackup.class, "RUNNING"));
        return sizes;
    }

    private static int size(Class<?> owner, String field) {
        try {
            Field f = owner.getDeclaredField(field);
            f.setAccessible(true);
            Object v = f.get(null);
            return v instanceof Map<?, ?> m ? m.size() : ((Collection<?>) v).size();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot read " + owner.getSimpleName() + "." + field, e);
        }
    }

    /** Fails unless every referent is collected once nothing refers to it (after a few GCs). */
    static void assertCollected(List<? extends WeakReference<?>> refs, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        long alive;
        while ((alive = refs.stream().filter(r -> r.get() != null).count()) > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(alive + " of " + refs.size() + " closed " + what + " still reachable");
            }
            System.gc();
            Thread.sleep(20);
        }
    }
}
