package org.cairndb.it.app;

import jakarta.annotation.Resource;
import jakarta.ejb.EJB;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Lets a test outside the server drive {@link StoreBean}: {@code op=put|get|count}, and a background
 * writer ({@code op=start|acked|stop}) that commits one record per JTA transaction, keys
 * {@code w00000000, w00000001, ...}, counting the commits acknowledged to it.
 */
@WebServlet("/store")
public class StoreServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @EJB
    private StoreBean store;

    @Resource
    private ManagedExecutorService executor;

    private final AtomicLong acked = new AtomicLong();
    private final AtomicBoolean stop = new AtomicBoolean();
    private volatile Future<?> writer;
    private volatile Throwable writerFailure;

    public static String writerKey(long i) {
        return String.format("w%08d", i);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String op = req.getParameter("op");
        String db = req.getParameter("db");
        String key = req.getParameter("key");
        resp.setContentType("text/plain");
        try {
            String answer = switch (op) {
                case "put" -> {
                    store.put(db, key, req.getParameter("value"));
                    yield "ok";
                }
                case "get" -> String.valueOf(store.getWithoutTransaction(db, key));
                case "count" -> String.valueOf(store.count(db));
                case "start" -> startWriter(db);
                case "acked" -> acked.get() + (writerFailure == null ? "" : " failed: " + writerFailure);
                case "stop" -> stopWriter();
                default -> throw new IllegalArgumentException("unknown op " + op);
            };
            resp.getWriter().print(answer);
        } catch (Exception e) {
            resp.setStatus(500);
            resp.getWriter().print(e);
        }
    }

    private synchronized String startWriter(String db) {
        if (writer != null) {
            return "already running";
        }
        acked.set(0);
        stop.set(false);
        writerFailure = null;
        writer = executor.submit(() -> {
            long i = 0;
            try {
                while (!stop.get()) {
                    store.put(db, writerKey(i), "value " + i);
                    acked.set(++i); // commit acknowledged
                }
            } catch (Throwable t) {
                writerFailure = t;
            }
        });
        return "started";
    }

    private synchronized String stopWriter() throws Exception {
        stop.set(true);
        if (writer != null) {
            writer.get();
            writer = null;
        }
        return acked.get() + (writerFailure == null ? "" : " failed: " + writerFailure);
    }
}
