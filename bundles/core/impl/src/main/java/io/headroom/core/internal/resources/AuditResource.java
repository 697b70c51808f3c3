package io.headroom.core.internal.resources;

import io.headroom.core.api.audit.AuditEntry;
import io.headroom.core.api.audit.AuditLog;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.core.internal.audit.Since;
import java.time.Instant;
import java.util.List;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.DefaultValue;
import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import javax.ws.rs.core.MediaType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** GET /api/audit: who did what to the platform, newest first, from every node (operators only). */
@Component(service = RestResource.class, property = RestResource.PATH + "=/audit")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Caller.OPERATOR)
public final class AuditResource implements RestResource {
    private final AuditLog audit;

    @Activate
    public AuditResource(@Reference AuditLog audit) {
        this.audit = audit;
    }

    @GET
    public List<AuditEntry> entries(@QueryParam("actor") String actor, @QueryParam("action") String action,
            @QueryParam("since") String since, @QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > 10_000) {
            throw ProblemException.badRequest("limit must be between 1 and 10000");
        }
        Instant from;
        try {
            from = Since.parse(since, Instant.now());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        return audit.entries(actor, action, from, limit);
    }
}
