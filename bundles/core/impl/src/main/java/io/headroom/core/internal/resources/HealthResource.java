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
 * GET /api/health, open to all. 503 only when this node cannot serve at all (the control store does not answer);
 * a stopped or failed capability makes the status DEGRADED with a 200, so a load balancer keeps a node that still
 * serves everything else while an operator swaps one capability.
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
        PlatformStatus.Report report = status.report();
        return Response.status(report.serving() ? 200 : 503).entity(report).build();
    }
}
