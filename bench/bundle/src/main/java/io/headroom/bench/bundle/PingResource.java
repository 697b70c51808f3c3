package io.headroom.bench.bundle;

import io.headroom.core.api.rest.RestResource;
import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;

/** The trivial endpoint both publications serve: GET .../tenants/{tenant}/ping returns a small JSON object. */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
public class PingResource implements RestResource {
    public record Pong(String tenant, long at) {
    }

    @GET
    @Path("tenants/{tenant}/ping")
    public Pong ping(@PathParam("tenant") String tenant) {
        return new Pong(tenant, System.currentTimeMillis());
    }
}
