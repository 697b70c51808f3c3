package io.headroom.core.internal.resources;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.flags.FeatureFlags;
import io.headroom.core.api.flags.FlagChange;
import io.headroom.core.api.flags.FlagDefinition;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.Consumes;
import javax.ws.rs.DELETE;
import javax.ws.rs.GET;
import javax.ws.rs.PUT;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * /api/flags: manage feature flags (operators and platform tokens); any caller may ask whether a flag is on for a
 * tenant it can access.
 */
@Component(service = RestResource.class, property = RestResource.PATH + "=/flags")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class FlagsResource implements RestResource {
    static final int MAX_TENANTS_PER_CHANGE = 10_000;

    /** A flag as the API shows it. */
    public record FlagView(String name, String description, double percentage, List<String> allow, List<String> deny,
                           long version) {
        static FlagView of(FlagDefinition f) {
            return new FlagView(f.name(), f.description(), f.percentage(),
                    f.allowed().stream().map(TenantId::value).toList(), f.denied().stream().map(TenantId::value).toList(),
                    f.version());
        }
    }

    /** Parts left out are unchanged. */
    public record FlagUpdate(String description, Double percentage, List<String> allow, List<String> deny, List<String> clear) {
    }

    public record Evaluation(String flag, String tenant, boolean enabled) {
    }

    private final FeatureFlags flags;

    @Activate
    public FlagsResource(@Reference FeatureFlags flags) {
        this.flags = flags;
    }

    @GET
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<FlagView> list() {
        return flags.list().stream().map(FlagView::of).toList();
    }

    @GET
    @Path("{name}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public FlagView get(@PathParam("name") String name) {
        return flags.get(name).map(FlagView::of).orElseThrow(() -> ProblemException.notFound("no flag named " + name));
    }

    @PUT
    @Path("{name}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public FlagView change(@PathParam("name") String name, FlagUpdate update) {
        FlagChange change = new FlagChange(update.description(), update.percentage(), tenants("allow", update.allow()),
                tenants("deny", update.deny()), tenants("clear", update.clear()));
        return FlagView.of(flags.apply(name, change));
    }

    @DELETE
    @Path("{name}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response delete(@PathParam("name") String name) {
        if (!flags.delete(name)) {
            throw ProblemException.notFound("no flag named " + name);
        }
        return Response.noContent().build();
    }

    @GET
    @Path("{name}/tenants/{tenant}")
    public Evaluation evaluate(@PathParam("name") String name, @PathParam("tenant") TenantId tenant) {
        return new Evaluation(name, tenant.value(), flags.isEnabled(name, tenant));
    }

    private static Set<TenantId> tenants(String field, List<String> values) {
        if (values == null) {
            return Set.of();
        }
        if (values.size() > MAX_TENANTS_PER_CHANGE) {
            throw ProblemException.badRequest("'" + field + "' names " + values.size() + " tenants; at most "
                    + MAX_TENANTS_PER_CHANGE + " per request");
        }
        Set<TenantId> out = new LinkedHashSet<>();
        for (String v : values) {
            out.add(TenantId.of(v));
        }
        return out;
    }
}
