package org.cairndb.bench.harness;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/** The time this JVM has spent in garbage collection, as its collectors' MXBeans report it, and its CPU time. */
final class GcTime {

    private GcTime() {
    }

    /** Milliseconds of collection since the JVM started, summed over every collector. */
    static long totalMillis() {
        long sum = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            sum += Math.max(0, gc.getCollectionTime()); // -1 where a collector does not report it
        }
        return sum;
    }

    /**
     * CPU time of this process so far, every thread (collector, compiler and the store's own), in
     * nanoseconds, or -1 where the platform does not say. Less disturbed than the wall clock by a
     * disk or a neighbour that is slow for a moment, so a better measure of a change to CPU-bound
     * work such as recovery on two cores.
     */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }
}
