package org.cairndb.rar;

import jakarta.resource.spi.BootstrapContext;
import jakarta.resource.spi.UnavailableException;
import jakarta.resource.spi.XATerminator;
import jakarta.resource.spi.work.ExecutionContext;
import jakarta.resource.spi.work.Work;
import jakarta.resource.spi.work.WorkContext;
import jakarta.resource.spi.work.WorkListener;
import jakarta.resource.spi.work.WorkManager;
import jakarta.resource.spi.work.WorkRejectedException;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.List;
import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A BootstrapContext as a server gives it: a work manager on a thread pool and timers. Tests can make
 * its work manager refuse work or hold it back, and run its timers' tasks themselves.
 */
final class TestBootstrapContext implements BootstrapContext, AutoCloseable {

    final AtomicInteger worksStarted = new AtomicInteger();
    final AtomicInteger worksFinished = new AtomicInteger();
    final AtomicInteger timersCreated = new AtomicInteger();
    /** When set, the work manager refuses every Work with this reason (a saturated or stopping server). */
    volatile String refuseWork;
    /**
     * When set, the work manager throws this (unchecked) instead of taking or refusing Work: a
     * server's pool that breaks (no native thread left) rather than refusing with a WorkException.
     */
    volatile RuntimeException breakWork;
    /** When set, accepted Work waits for this latch before it runs (a recovery that takes long). */
    volatile CountDownLatch holdWork;
    /** What {@link #getTransactionSynchronizationRegistry()} gives (none by default, as outside a server). */
    volatile TransactionSynchronizationRegistry registry;
    /** What {@link #createTimer()} gives. */
    volatile Timers timers = Timers.REAL;
    private final List<ManualTimer> manual = new CopyOnWriteArrayList<>();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-work");
        t.setDaemon(true);
        return t;
    });

    private final WorkManager wm = new WorkManager() {
        @Override
        public void doWork(Work work) {
            worksStarted.incrementAndGet();
            try {
                work.run();
            } finally {
                worksFinished.incrementAndGet();
            }
        }

        @Override
        public void doWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener) {
            doWork(work);
        }

        @Override
        public long startWork(Work work) throws WorkRejectedException {
            RuntimeException broken = breakWork;
            if (broken != null) {
                throw broken;
            }
            String refusal = refuseWork;
            if (refusal != null) {
                throw new WorkRejectedException(refusal);
            }
            worksStarted.incrementAndGet();
            CountDownLatch hold = holdWork;
            pool.execute(() -> {
                if (hold != null) {
                    try {
                        hold.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                try {
                    work.run();
                } finally {
                    worksFinished.incrementAndGet();
                }
            });
            return 0;
        }

        @Override
        public long startWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener)
                throws WorkRejectedException {
            return startWork(work);
        }

        @Override
        public void scheduleWork(Work work) throws WorkRejectedException {
            startWork(work);
        }

        @Override
        public void scheduleWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener)
                throws WorkRejectedException {
            startWork(work);
        }
    };

    @Override
    public WorkManager getWorkManager() {
        return wm;
    }

    @Override
    public XATerminator getXATerminator() {
        return null;
    }

    /** Kinds of timers the context gives. */
    enum Timers {
        /** Timers that run their tasks on the clock. */
        REAL,
        /** Timers that run their tasks only when {@link #tick()} is called. */
        MANUAL,
        /** None: createTimer() throws UnavailableException, as the specification allows. */
        UNAVAILABLE,
        /** Timers cancelled already (a server that gives broken ones): scheduling on them fails. */
        CANCELLED
    }

    @Override
    public Timer createTimer() throws UnavailableException {
        timersCreated.incrementAndGet();
        switch (timers) {
            case MANUAL -> {
                ManualTimer t = new ManualTimer();
                manual.add(t);
                return t;
            }
            case UNAVAILABLE -> throw new UnavailableException("no timers in this test");
            case CANCELLED -> {
                Timer t = new Timer("test-cancelled-timer", true);
                t.cancel();
                return t;
            }
            default -> {
                return new Timer("test-timer", true);
            }
        }
    }

    /** Whether every Work accepted so far has ended. */
    boolean idle() {
        return worksFinished.get() == worksStarted.get();
    }

    /** Runs, in the calling thread, the periodic tasks of every manual timer not cancelled. */
    void tick() {
        for (ManualTimer t : manual) {
            t.runTasks();
        }
    }

    /** A timer that runs its periodic tasks only when told (no waiting for the clock in tests). */
    private static final class ManualTimer extends Timer {
        private final List<TimerTask> tasks = new CopyOnWriteArrayList<>();
        private volatile boolean cancelled;

        ManualTimer() {
            super("test-manual-timer", true);
        }

        @Override
        public void schedule(TimerTask task, long delay, long period) {
            tasks.add(task);
        }

        @Override
        public void cancel() {
            cancelled = true;
            super.cancel();
        }

        void runTasks() {
            if (!cancelled) {
                tasks.forEach(TimerTask::run);
            }
        }
    }

    @Override
    public boolean isContextSupported(Class<? extends WorkContext> workContextClass) {
        return false;
    }

    @Override
    public TransactionSynchronizationRegistry getTransactionSynchronizationRegistry() {
        return registry;
    }

    @Override
    public void close() throws InterruptedException {
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.SECONDS);
    }
}
