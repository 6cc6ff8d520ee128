package org.cairndb.examples.ledger;

import jakarta.ejb.EJBException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.Map;
import org.cairndb.TransactionException;

/**
 * Turns failures into JSON answers: the ledger's own refusals with their status; Cairn's transaction
 * failures (lock timeout, deadlock, write conflict: the transaction was rolled back and may be
 * retried) as 409; anything else as 500 with its message.
 */
@Provider
public class ErrorMapper implements ExceptionMapper<Exception> {

    @Override
    public Response toResponse(Exception e) {
        if (e instanceof WebApplicationException w) {
            return w.getResponse();
        }
        if (e instanceof ProcessingException) {
            return answer(400, "the request body is not the JSON expected: " + e.getMessage());
        }
        if (e instanceof LedgerException l) {
            return answer(l.status(), l.getMessage());
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TransactionException) {
                return answer(409, "rolled back, try again: " + t.getMessage());
            }
        }
        Throwable cause = e instanceof EJBException && e.getCause() != null ? e.getCause() : e;
        return answer(500, String.valueOf(cause));
    }

    private static Response answer(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(Map.of("error", message)).build();
    }
}
