package org.cairndb.it.app;

import jakarta.ejb.EJB;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * What the heuristic-decision test drives in the server: {@code op=write&mode=HALT_IN_COMMIT} crashes it
 * mid-transaction, {@code op=update} writes a key in a JTA transaction of its own and {@code op=put} outside
 * one (writers an in-doubt branch blocks), {@code op=read}, and {@code op=scan}, one full pass of Narayana's recovery manager, run
 * now and waited for, so that a test decides when Narayana meets the branch.
 */
@WebServlet("/heuristic")
public class HeuristicServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @EJB
    private CrashBean bean;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain");
        String key = req.getParameter("key");
        try {
            switch (String.valueOf(req.getParameter("op"))) {
                case "write" -> {
                    bean.write(key, req.getParameter("value"), TestXAResource.Mode.valueOf(req.getParameter("mode")));
                    resp.getWriter().print("committed (the server should have crashed)");
                }
                case "update" -> {
                    bean.update(key, req.getParameter("value"));
                    resp.getWriter().print("updated");
                }
                case "put" -> {
                    bean.put(key, req.getParameter("value"));
                    resp.getWriter().print("updated");
                }
                case "scan" -> {
                    scan();
                    resp.getWriter().print("scanned");
                }
                default -> resp.getWriter().print(String.valueOf(bean.read(key)));
            }
        } catch (Exception e) {
            // The whole chain: the container wraps the engine's exception, whose message is the point.
            resp.setStatus(500);
            StringBuilder sb = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                sb.append(t).append('\n');
            }
            resp.getWriter().print(sb);
        }
    }

    /**
     * RecoveryManager.manager().scan(): both passes of every recovery module, in this thread. Reached by
     * reflection through the deployment's dependency on the server's Narayana module (org.jboss.jts), so
     * that the test's own class path needs no Narayana.
     */
    private static void scan() throws ReflectiveOperationException {
        Class<?> rm = Class.forName("com.arjuna.ats.arjuna.recovery.RecoveryManager");
        Object manager = rm.getMethod("manager").invoke(null);
        rm.getMethod("scan").invoke(manager);
    }
}
