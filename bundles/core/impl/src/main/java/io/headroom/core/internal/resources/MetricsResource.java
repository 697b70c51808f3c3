package io.headroom.core.internal.resources;

import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.RestResource;
import io.headroom.core.internal.metrics.MetricRegistry;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.GET;
import java.util.List;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import javax.ws.rs.core.StreamingOutput;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * GET /api/metrics: every meter of this node in the Prometheus text format; GET /api/metrics/families: the families
 * it declares (operators and platform tokens).
 */
@Component(service = RestResource.class, property = RestResource.PATH + "=/metrics")
@Path("/")
@RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
public final class MetricsResource implements RestResource {
    private final MetricRegistry registry;

    @Activate
    public MetricsResource(@Reference MetricRegistry registry) {
        this.registry = registry;
    }

    /** The families this node declares (name, type, help), also those without a sample yet. */
    @GET
    @Path("families")
    @Produces(MediaType.APPLICATION_JSON)
    public List<MetricRegistry.Family> families() {
        return registry.families();
    }

    @GET
    public Response scrape() {
        StreamingOutput body = registry::write;
        return Response.ok(body).type(MetricRegistry.contentType()).build();
    }
}
