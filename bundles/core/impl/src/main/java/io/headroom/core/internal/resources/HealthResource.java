package io.headroom.core.internal.resources;

import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.RestResource;
import io.headroom.core.internal.status.PlatformStatus;
import java.util.Map;
import javax.annotation.security.PermitAll;
import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import javax.ws.rs.core.SecurityContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The health endpoints, open to all; anonymous callers see the status only, operators and platform tokens the
 * capabilities with their readiness and details. Answers come from a probe refreshed once a second.
 * <ul>
 *   <li>{@code GET /api/health/live}: 200 whenever this node serves (503 only while it boots). What a load balancer
 *   checks: one vendor or one capability being down never takes a node out of rotation.</li>
 *   <li>{@code GET /api/health/ready}: 200 when every capability is UP, 503 otherwise (for operators and
 *   orchestration: which capability is DOWN or DEGRADED, and why).</li>
 *   <li>{@code GET /api/health}: the same report with 200 always (STARTING, UP or DEGRADED). A node that never reached
 *   its control store has no health endpoints at all (404): it has nothing to serve yet.</li>
 * </ul>
 */
@Component(service = RestResource.class, property = RestResource.PATH + "=/health")
@Path("/")
@PermitAll
@Produces(MediaType.APPLICATION_JSON)
public final class HealthResource implements RestResource {
    private final PlatformStatus status;

    @Activate
    public HealthResource(@Reference PlatformStatus status) {
        this.status = status;
    }

    @GET
    public Object health(@Context SecurityContext caller) {
        return view(status.report(), caller);
    }

    @GET
    @Path("live")
    public Response live() {
        // 503 only while Karaf is still installing the boot features: a node started (or restarted) behind a load
        // balancer joins the rotation once its capabilities serve their paths, not before (they would answer 404)
        boolean starting = "STARTING".equals(status.report().status());
        return Response.status(starting ? 503 : 200).entity(Map.of("status", starting ? "STARTING" : "UP")).build();
    }

    @GET
    @Path("ready")
    public Response ready(@Context SecurityContext caller) {
        PlatformStatus.Report report = status.report();
        return Response.status("UP".equals(report.status()) ? 200 : 503).entity(view(report, caller)).build();
    }

    /** Details (hosts, versions, endpoints) for operators and platform tokens only. */
    private static Object view(PlatformStatus.Report report, SecurityContext caller) {
        return caller.isUserInRole(Caller.OPERATOR) || caller.isUserInRole(Caller.PLATFORM) ? report : report.summary();
    }
}
