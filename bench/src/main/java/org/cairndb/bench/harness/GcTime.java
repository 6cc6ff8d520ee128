package org.cairndb.bench.harness;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;

/** The time this JVM has spent in garbage collection, as its collectors' MXBeans report it. */
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
}
