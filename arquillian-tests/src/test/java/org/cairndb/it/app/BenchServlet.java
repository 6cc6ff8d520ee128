package org.cairndb.it.app;

import jakarta.annotation.Resource;
import jakarta.ejb.EJB;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Runs the benchmark inside the server: {@code threads} clients, each calling {@link BenchBean} in a
 * loop (one JTA transaction per call, on a random one of its own rows), for {@code warmup} then
 * {@code seconds} seconds; answers "transactions/s".
 */
@WebServlet("/bench")
public class BenchServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @EJB
    private BenchBean bean;

    /** Threads of their own (a managed executor's pool may hold fewer than 16), with the container's context. */
    @Resource
    private ManagedThreadFactory threadFactory;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain");
        try {
            if ("setup".equals(req.getParameter("op"))) {
                bean.setUp();
                resp.getWriter().print("ok");
                return;
            }
            String target = req.getParameter("target");
            int threads = Integer.parseInt(req.getParameter("threads"));
            double warmup = Double.parseDouble(req.getParameter("warmup"));
            double seconds = Double.parseDouble(req.getParameter("seconds"));
            resp.getWriter().print(run(target, threads, warmup, seconds));
        } catch (Exception e) {
            resp.setStatus(500);
            resp.getWriter().print(e);
        }
    }

    private String run(String target, int threads, double warmup, double seconds) throws Exception {
        if (!List.of("cairn", "h2", "none").contains(target)) {
            throw new IllegalArgumentException("target " + target + ": cairn, h2 or none");
        }
        AtomicBoolean counting = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder done = new LongAdder();
        CountDownLatch ready = new CountDownLatch(threads);
        List<Thread> clients = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int slice = BenchBean.ROWS / threads;
        for (int t = 0; t < threads; t++) {
            int first = t * slice;
            Thread client = threadFactory.newThread(() -> {
                ready.countDown();
                long v = 0;
                ThreadLocalRandom r = ThreadLocalRandom.current();
                try {
                    while (!stop.get()) {
                        int id = first + r.nextInt(slice);
                        switch (target) {
                            case "cairn" -> bean.updateCairn(id, ++v);
                            case "h2" -> bean.updateH2(id, ++v);
                            default -> bean.updateNothing(id, ++v);
                        }
                        if (counting.get()) {
                            done.increment();
                        }
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                    stop.set(true);
                }
            });
            clients.add(client);
            client.start();
        }
        ready.await();
        Thread.sleep((long) (warmup * 1000)); // the warm-up period itself, not a wait for a condition
        counting.set(true);
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000)); // the measured period
        counting.set(false);
        long elapsed = System.nanoTime() - t0;
        stop.set(true);
        for (Thread c : clients) {
            c.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("a client failed: " + failure.get(), failure.get());
        }
        return String.format(java.util.Locale.ROOT, "%.1f", done.sum() / (elapsed / 1e9));
    }
}
