package io.headroom.example.internal;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.core.api.signal.Signals;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * /api/example/tenants/{tenant}/greeting: each tenant's latest greeting. The REST host authenticates the caller and
 * keeps a tenant token to its own tenant because the path parameter is named {@code tenant}; this class only does
 * the work.
 */
@Component(service = RestResource.class, property = RestResource.PATH + "=/example", configurationPid = GreetingResource.PID)
@Designate(ocd = GreetingResource.Config.class)
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class GreetingResource implements RestResource {
    static final String PID = "io.headroom.example";
    static final int MAX_MESSAGE = 200;

    @ObjectClassDefinition(name = "Headroom example capability")
    public @interface Config {
        String defaultGreeting() default "hello";
    }

    public record Greeting(String tenant, String message, long updates) {
    }

    public record NewGreeting(String message) {
    }

    private final Signals signals;
    private final String defaultGreeting;
    private final Map<TenantId, Greeting> greetings = new ConcurrentHashMap<>();

    @Activate
    public GreetingResource(@Reference Signals signals, Config config) {
        this.signals = signals;
        this.defaultGreeting = config.defaultGreeting();
    }

    @GET
    @Path("tenants/{tenant}/greeting")
    public Greeting greeting(@PathParam("tenant") TenantId tenant) {
        return greetings.getOrDefault(tenant, new Greeting(tenant.value(), defaultGreeting, 0));
    }

    @POST
    @Path("tenants/{tenant}/greeting")
    public Greeting update(@PathParam("tenant") TenantId tenant, NewGreeting body) {
        long start = System.nanoTime();
        String message = body.message();
        if (message == null || message.isBlank() || message.length() > MAX_MESSAGE) {
            throw ProblemException.badRequest("'message' is required, 1-" + MAX_MESSAGE + " characters");
        }
        Greeting g = greetings.compute(tenant, (t, old) -> new Greeting(t.value(), message, old == null ? 1 : old.updates() + 1));
        signals.outcome(new OutcomeEvent(tenant, "example.greet", true, (System.nanoTime() - start) / 1_000_000, Instant.now()));
        return g;
    }
}
