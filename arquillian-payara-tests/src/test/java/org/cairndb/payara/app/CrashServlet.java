package org.cairndb.payara.app;

import jakarta.ejb.EJB;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.cairndb.it.app.TestXAResource;

/** {@code op=write&mode=OK} commits; {@code mode=HALT_IN_COMMIT|HALT_IN_PREPARE} crashes the server mid-transaction; {@code op=read}; {@code op=indoubt}. */
@WebServlet("/crash")
public class CrashServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @EJB
    private CrashStore store;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain");
        try {
            String key = req.getParameter("key");
            String answer = switch (req.getParameter("op")) {
                case "write" -> {
                    store.write(key, req.getParameter("value"), TestXAResource.Mode.valueOf(req.getParameter("mode")));
                    yield "committed";
                }
                case "indoubt" -> String.valueOf(store.inDoubt());
                default -> String.valueOf(store.read(key));
            };
            resp.getWriter().print(answer);
        } catch (Exception e) {
            resp.setStatus(500);
            resp.getWriter().print(e);
        }
    }
}
