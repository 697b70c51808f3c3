package io.headroom.example.internal.rest;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.example.api.Greeting;
import io.headroom.example.api.Greetings;
import io.headroom.example.api.GreetingsUnavailableException;
import java.util.function.Supplier;
import javax.ws.rs.Consumes;
import javax.ws.rs.GET;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * /api/example/tenants/{tenant}/greeting. The REST host authenticates the caller and keeps a tenant token to its own
 * tenant because the path parameter is named {@code tenant}; this class parses, calls one service method and maps
 * its errors.
 */
@Component(service = RestResource.class, property = RestResource.PATH + "=/example")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class GreetingResource implements RestResource {
    public record NewGreeting(String message) {
    }

    private final Greetings greetings;

    @Activate
    public GreetingResource(@Reference Greetings greetings) {
        this.greetings = greetings;
    }

    @GET
    @Path("tenants/{tenant}/greeting")
    public Greeting greeting(@PathParam("tenant") TenantId tenant) {
        return call(() -> greetings.greeting(tenant));
    }

    @POST
    @Path("tenants/{tenant}/greeting")
    public Greeting update(@PathParam("tenant") TenantId tenant, NewGreeting body) {
        return call(() -> greetings.update(tenant, body.message()));
    }

    private static Greeting call(Supplier<Greeting> call) {
        try {
            return call.get();
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (GreetingsUnavailableException e) {
            throw ProblemException.unavailable(e.getMessage(), 1);
        }
    }
}
