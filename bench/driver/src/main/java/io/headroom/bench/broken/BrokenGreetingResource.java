package io.headroom.bench.broken;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import java.time.Instant;
import javax.ws.rs.GET;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;

/** A bad version of the example capability: every greeting fails (500), and reports the failed job to the heartbeat. */
@Path("/")
public class BrokenGreetingResource implements RestResource {
    private final Signals signals;

    public BrokenGreetingResource(Signals signals) {
        this.signals = signals;
    }

    @GET
    @Path("tenants/{tenant}/greeting")
    public String greeting(@PathParam("tenant") String tenant) {
        return fail(tenant);
    }

    @POST
    @Path("tenants/{tenant}/greeting")
    public String update(@PathParam("tenant") String tenant) {
        return fail(tenant);
    }

    private String fail(String tenant) {
        signals.outcome(new OutcomeEvent(TenantId.of(tenant), "example.greet", false, 1, Instant.now()));
        throw new ProblemException(500, "this release is broken");
    }
}
