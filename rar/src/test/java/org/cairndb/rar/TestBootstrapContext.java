package org.cairndb.rar;

import jakarta.resource.spi.BootstrapContext;
import jakarta.resource.spi.XATerminator;
import jakarta.resource.spi.work.ExecutionContext;
import jakarta.resource.spi.work.Work;
import jakarta.resource.spi.work.WorkContext;
import jakarta.resource.spi.work.WorkListener;
import jakarta.resource.spi.work.WorkManager;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.Timer;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A BootstrapContext as a server gives it: a work manager on a thread pool and timers. */
final class TestBootstrapContext implements BootstrapContext, AutoCloseable {

    final AtomicInteger worksStarted = new AtomicInteger();
    final AtomicInteger timersCreated = new AtomicInteger();
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-work");
        t.setDaemon(true);
        return t;
    });

    private final WorkManager wm = new WorkManager() {
        @Override
        public void doWork(Work work) {
            worksStarted.incrementAndGet();
            work.run();
        }

        @Override
        public void doWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener) {
            doWork(work);
        }

        @Override
        public long startWork(Work work) {
            worksStarted.incrementAndGet();
            pool.execute(work);
            return 0;
        }

        @Override
        public long startWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener) {
            return startWork(work);
        }

        @Override
        public void scheduleWork(Work work) {
            startWork(work);
        }

        @Override
        public void scheduleWork(Work work, long startTimeout, ExecutionContext ctx, WorkListener listener) {
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

    @Override
    public Timer createTimer() {
        timersCreated.incrementAndGet();
        return new Timer("test-timer", true);
    }

    @Override
    public boolean isContextSupported(Class<? extends WorkContext> workContextClass) {
        return false;
    }

    @Override
    public TransactionSynchronizationRegistry getTransactionSynchronizationRegistry() {
        return null;
    }

    @Override
    public void close() throws InterruptedException {
        pool.shutdown();
        pool.awaitTermination(30, TimeUnit.SECONDS);
    }
}
