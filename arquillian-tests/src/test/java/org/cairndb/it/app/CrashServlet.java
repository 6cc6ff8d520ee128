package org.cairndb.it.app;

import jakarta.ejb.EJB;
import jakarta.servlet.annotation.WebServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** {@code op=write&mode=HALT_IN_COMMIT|HALT_IN_PREPARE} crashes the server mid-transaction; {@code op=read}. */
@WebServlet("/crash")
public class CrashServlet extends HttpServlet {

    private static final long serialVersionUID = 1L;

    @EJB
    private CrashBean bean;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setContentType("text/plain");
        try {
            String key = req.getParameter("key");
            if ("write".equals(req.getParameter("op"))) {
                bean.write(key, req.getParameter("value"), TestXAResource.Mode.valueOf(req.getParameter("mode")));
                resp.getWriter().print("committed (the server should have crashed)");
            } else {
                resp.getWriter().print(String.valueOf(bean.read(key)));
            }
        } catch (Exception e) {
            resp.setStatus(500);
            resp.getWriter().print(e);
        }
    }
}
