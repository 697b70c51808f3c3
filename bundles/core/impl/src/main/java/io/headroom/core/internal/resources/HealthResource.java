package io.headroom.core.internal.resources;

import io.headroom.core.api.rest.RestResource;
import io.headroom.core.internal.status.PlatformStatus;
import javax.annotation.security.PermitAll;
import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * GET /api/health, open to all, 200 whenever this node serves: a stopped or failed capability, or a control store
 * that does not answer for a while, makes the status DEGRADED, not the node unavailable, so a load balancer keeps a
 * node that still serves everything else (from its caches, while the control store is away). A node that never
 * reached its control store has no health endpoint at all (404): it has nothing to serve yet.
 */
@Component(service = RestResource.class, property = RestResource.PATH + "=/health")
@Path("/")
@PermitAll
public final class HealthResource implements RestResource {
    private final PlatformStatus status;

    @Activate
    public HealthResource(@Reference PlatformStatus status) {
        this.status = status;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response health() {
        return Response.ok(status.report()).build();
    }
}
