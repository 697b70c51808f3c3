package io.headroom.core.internal.resources;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.auth.ApiTokens;
import io.headroom.core.api.auth.IssuedToken;
import io.headroom.core.api.auth.TokenInfo;
import io.headroom.core.api.auth.TokenScope;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import java.util.List;
import java.util.Set;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.Consumes;
import javax.ws.rs.DELETE;
import javax.ws.rs.GET;
import javax.ws.rs.HeaderParam;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.core.HttpHeaders;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** /api/tokens: create, list and revoke API tokens (operators and platform tokens only). */
@Component(service = RestResource.class, property = RestResource.PATH + "=/tokens")
@Path("/")
@RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class TokensResource implements RestResource {
    /** Exactly one of {@code tenant} and {@code platform: true}. */
    public record NewToken(String name, String tenant, Boolean platform, Boolean readOnly, List<String> capabilities) {
    }

    private final ApiTokens tokens;

    @Activate
    public TokensResource(@Reference ApiTokens tokens) {
        this.tokens = tokens;
    }

    @GET
    public List<TokenInfo> list() {
        return tokens.list();
    }

    @POST
    public Response create(NewToken request, @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        if (request.name() == null || request.name().isBlank() || request.name().length() > 100) {
            throw ProblemException.badRequest("'name' is required, 1-100 characters");
        }
        boolean platform = Boolean.TRUE.equals(request.platform());
        if (platform == (request.tenant() != null)) {
            throw ProblemException.badRequest("give exactly one of 'tenant' (a tenant token) or 'platform': true");
        }
        TokenScope scope;
        try {
            scope = new TokenScope(Boolean.TRUE.equals(request.readOnly()),
                    request.capabilities() == null ? Set.of() : Set.copyOf(request.capabilities()));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw ProblemException.badRequest("'capabilities' must be path segments like \"llm\" or \"queue\"");
        }
        // a token cannot mint a token that can do more than itself
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                && !tokens.scope(authorization.substring(7).trim()).covers(scope)) {
            throw new ProblemException(403, "this token is limited; it can only create tokens limited at least as much"
                    + " (readOnly, and capabilities within its own)");
        }
        IssuedToken issued = tokens.create(request.name(), platform ? null : TenantId.of(request.tenant()), scope);
        return Response.status(201).entity(issued).build();
    }

    @DELETE
    @Path("{id}")
    public Response revoke(@PathParam("id") String id) {
        if (!tokens.revoke(id)) {
            throw ProblemException.notFound("no active token with id " + id);
        }
        return Response.noContent().build();
    }
}
