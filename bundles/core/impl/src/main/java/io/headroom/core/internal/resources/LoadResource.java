package io.headroom.core.internal.resources;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantHealth;
import io.headroom.core.api.load.TenantLayerLoad;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.load.TenantLoad;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.core.internal.load.TenantReport;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.Consumes;
import javax.ws.rs.DELETE;
import javax.ws.rs.DefaultValue;
import javax.ws.rs.GET;
import javax.ws.rs.PUT;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/**
 * /api/load: the tenant load ledger (the busiest tenants of each layer, who spikes, one tenant across every layer) and
 * the per-tenant limits across layers. Operators and platform tokens; a tenant token may read its own tenant's view.
 */
@Component(service = RestResource.class, property = RestResource.PATH + "=/load")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class LoadResource implements RestResource {
    static final int MAX_TOP = 1000;

    /** Each layer's busiest tenants, and who spikes now. */
    public record TopView(Map<String, List<TenantLayerLoad>> layers, List<TenantLayerLoad> spiking) {
    }

    /** A limit change: the figures left out are not limited; {@code expires} a duration (30s, 15m, 2h, 1d) or an instant. */
    public record LimitUpdate(Integer queueCap, Integer llmRpm, Double shardShare, Integer restRps, String expires) {
    }

    private final TenantLoad load;
    private final TenantLimits limits;
    /** The heartbeat's view of a tenant's SLOs, while a capability offers one. */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC)
    private volatile TenantHealth health;

    @Activate
    public LoadResource(@Reference TenantLoad load, @Reference TenantLimits limits) {
        this.load = load;
        this.limits = limits;
    }

    @GET
    @Path("top")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public TopView top(@QueryParam("layer") String layer, @QueryParam("n") @DefaultValue("10") int n) {
        if (n < 1 || n > MAX_TOP) {
            throw ProblemException.badRequest("n is 1-" + MAX_TOP + ", not " + n);
        }
        List<String> layers = load.layers();
        if (layer != null && !layers.contains(layer)) {
            throw ProblemException.badRequest("no load reported on layer '" + layer + "'; layers: " + layers);
        }
        Map<String, List<TenantLayerLoad>> out = new LinkedHashMap<>();
        for (String l : layer == null ? layers : List.of(layer)) {
            out.put(l, load.top(l, n));
        }
        return new TopView(out, load.spiking());
    }

    @GET
    @Path("tenants/{tenant}")
    public TenantReport tenant(@PathParam("tenant") TenantId tenant) {
        return TenantReport.of(load, limits, health, tenant);
    }

    @GET
    @Path("limits")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<TenantLimit> limits() {
        return limits.list();
    }

    @PUT
    @Path("limits/{tenant}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public TenantLimit setLimit(@PathParam("tenant") TenantId tenant, LimitUpdate update) {
        if (update == null) {
            throw ProblemException.badRequest("send the limits: queueCap, llmRpm, shardShare, restRps, expires");
        }
        try {
            return limits.set(new TenantLimit(tenant, update.queueCap(), update.llmRpm(), update.shardShare(), update.restRps(),
                    TenantReport.expiry(update.expires(), Instant.now())));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    @DELETE
    @Path("limits/{tenant}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response clearLimit(@PathParam("tenant") TenantId tenant) {
        if (!limits.clear(tenant)) {
            throw ProblemException.notFound("tenant " + tenant + " has no limits");
        }
        return Response.noContent().build();
    }
}
