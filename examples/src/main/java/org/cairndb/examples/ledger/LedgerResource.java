package org.cairndb.examples.ledger;

import jakarta.ejb.EJB;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.resource.ResourceException;
import java.util.List;

/**
 * <pre>
 * POST /api/accounts             {"id":"alice","balance":1000}      open an account
 * GET  /api/accounts             every account
 * GET  /api/accounts/{id}        one account
 * GET  /api/accounts/{id}/history  its transfers, oldest first
 * POST /api/transfers[?fail=true]  {"from":"alice","to":"bob","amount":250}
 * GET  /api/audit                what the audit trail recorded
 * </pre>
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class LedgerResource {

    private static final int MAX_ATTEMPTS = 5;

    @EJB
    private Ledger ledger;

    @EJB
    private Audit audit;

    @POST
    @Path("accounts")
    public Response open(Account account) throws ResourceException {
        return Response.status(Response.Status.CREATED).entity(ledger.open(account.id(), account.balance())).build();
    }

    @GET
    @Path("accounts")
    public List<Account> accounts(@QueryParam("limit") @DefaultValue("1000") int limit) throws ResourceException {
        return ledger.accounts(limit);
    }

    @GET
    @Path("accounts/{id}")
    public Account account(@PathParam("id") String id) throws ResourceException {
        return ledger.account(id);
    }

    @GET
    @Path("accounts/{id}/history")
    public List<Transfer> history(@PathParam("id") String id, @QueryParam("limit") @DefaultValue("1000") int limit)
            throws ResourceException {
        return ledger.history(id, limit);
    }

    @POST
    @Path("transfers")
    public Response transfer(TransferRequest request, @QueryParam("fail") boolean fail) throws ResourceException {
        if (request == null) {
            throw new LedgerException(400, "a transfer needs a JSON body: {\"from\":...,\"to\":...,\"amount\":...}");
        }
        // Each call is its own transaction. Two transfers touching the same account can collide (see
        // TransferConflict); the loser has been rolled back, and doing the work again is the cure.
        for (int attempt = 1; ; attempt++) {
            try {
                return Response.status(Response.Status.CREATED).entity(ledger.transfer(request, fail)).build();
            } catch (TransferConflict e) {
                if (attempt == MAX_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    @GET
    @Path("audit")
    public AuditSummary audit(@QueryParam("limit") @DefaultValue("1000") int limit) throws ResourceException {
        return audit.summary(limit);
    }
}
