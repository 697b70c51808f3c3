package io.headroom.heartbeat.internal.rest;

import io.headroom.core.api.InvalidJobNameException;
import io.headroom.core.api.JobName;
import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.Deploy;
import io.headroom.heartbeat.api.DeployGuard;
import io.headroom.heartbeat.api.GuardPolicy;
import io.headroom.heartbeat.api.Heartbeat;
import io.headroom.heartbeat.api.Slo;
import io.headroom.heartbeat.internal.SeriesLimitException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.Consumes;
import javax.ws.rs.DELETE;
import javax.ws.rs.DefaultValue;
import javax.ws.rs.GET;
import javax.ws.rs.POST;
import javax.ws.rs.PUT;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import javax.ws.rs.core.SecurityContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** /api/heartbeat: ingestion, SLOs, status per tenant and platform-wide, alerts, Prometheus and the status page. */
@Component(service = RestResource.class, property = RestResource.PATH + "=/heartbeat")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class HeartbeatResource implements RestResource {
    static final int MAX_BATCH = 1000;

    /** An event as clients send it; {@code at} (ISO-8601) defaults to now. */
    public record EventIn(String tenant, String job, Boolean success, Long latencyMillis, String at) {
    }

    /** An event of the tenant named in the path. */
    public record TenantEventIn(String job, Boolean success, Long latencyMillis, String at) {
    }

    public record SloIn(Double target, Long latencyThresholdMillis, String description) {
    }

    /** The rollback rule's settings; a field left out keeps its value. */
    public record GuardIn(Integer tenantQuorum, List<String> criticalTenants) {
    }

    private final Heartbeat heartbeat;
    private final DeployGuard guard;

    @Activate
    public HeartbeatResource(@Reference Heartbeat heartbeat, @Reference DeployGuard guard) {
        this.heartbeat = heartbeat;
        this.guard = guard;
    }

    @GET
    @Path("deploys")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<Deploy> deploys(@QueryParam("limit") @DefaultValue("50") int limit) {
        return guard.deploys(Math.max(1, Math.min(limit, 1000)));
    }

    @GET
    @Path("guard")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public GuardPolicy guardPolicy() {
        return guard.policy();
    }

    @PUT
    @Path("guard")
    @RolesAllowed({Caller.OPERATOR})
    public GuardPolicy putGuardPolicy(GuardIn in, @Context SecurityContext security) {
        if (in == null || in.tenantQuorum() == null && in.criticalTenants() == null) {
            throw ProblemException.badRequest("send {\"tenantQuorum\": n, \"criticalTenants\": [tenant...]}");
        }
        GuardPolicy now = guard.policy();
        try {
            return guard.setPolicy(in.tenantQuorum() == null ? now.tenantQuorum() : in.tenantQuorum(),
                    in.criticalTenants() == null ? now.criticalTenants() : in.criticalTenants(), Caller.of(security).name());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    @POST
    @Path("deploys/{id}/accept")
    @RolesAllowed({Caller.OPERATOR})
    public Response accept(@PathParam("id") long id) {
        if (!guard.accept(id)) {
            throw ProblemException.conflict("deploy " + id + " is not being watched");
        }
        return Response.noContent().build();
    }

    @POST
    @Path("events")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response ingest(List<EventIn> events) {
        checkBatch(events);
        List<OutcomeEvent> parsed = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            EventIn e = events.get(i);
            if (e == null || e.tenant() == null) {
                throw ProblemException.badRequest("event " + i + ": 'tenant' is required");
            }
            parsed.add(event(i, TenantId.of(e.tenant()), e.job(), e.success(), e.latencyMillis(), e.at()));
        }
        return accepted(parsed);
    }

    @POST
    @Path("tenants/{tenant}/events")
    public Response ingestForTenant(@PathParam("tenant") TenantId tenant, List<TenantEventIn> events) {
        checkBatch(events);
        List<OutcomeEvent> parsed = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            TenantEventIn e = events.get(i);
            if (e == null) {
                throw ProblemException.badRequest("event " + i + " is null");
            }
            parsed.add(event(i, tenant, e.job(), e.success(), e.latencyMillis(), e.at()));
        }
        return accepted(parsed);
    }

    private static void checkBatch(List<?> events) {
        if (events.isEmpty() || events.size() > MAX_BATCH) {
            throw ProblemException.badRequest("send 1 to " + MAX_BATCH + " events per request, not " + events.size());
        }
    }

    private static OutcomeEvent event(int i, TenantId tenant, String job, Boolean success, Long latency, String at) {
        try {
            JobName.of(job);
        } catch (InvalidJobNameException e) {
            throw ProblemException.badRequest("event " + i + ": " + e.getMessage());
        }
        if (success == null || latency == null || latency < 0) {
            throw ProblemException.badRequest("event " + i + ": 'success' and a non-negative 'latencyMillis' are required");
        }
        Instant when;
        try {
            when = at == null ? Instant.now() : Instant.parse(at);
        } catch (DateTimeParseException e) {
            throw ProblemException.badRequest("event " + i + ": 'at' must be an ISO-8601 instant like 2026-11-28T10:15:30Z");
        }
        return new OutcomeEvent(tenant, job, success, latency, when);
    }

    private Response accepted(List<OutcomeEvent> events) {
        try {
            heartbeat.recordAll(events);
        } catch (SeriesLimitException e) {
            throw ProblemException.tooManyRequests(e.getMessage(), 60);
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        return Response.accepted(Map.of("accepted", events.size())).build();
    }

    @GET
    @Path("status")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Map<String, Object> status(@QueryParam("worst") @DefaultValue("10") int worst) {
        return Map.of("platform", heartbeat.platform().stream().map(Views.Health::of).toList(),
                "worstTenants", heartbeat.worstTenants(Math.max(0, Math.min(worst, 100))).stream().map(Views.Health::of).toList(),
                "firing", firing());
    }

    @GET
    @Path("tenants/{tenant}")
    public List<Views.Health> tenant(@PathParam("tenant") TenantId tenant) {
        return heartbeat.tenant(tenant).stream().map(Views.Health::of).toList();
    }

    @GET
    @Path("slos")
    public List<Slo> slos() {
        return heartbeat.slos();
    }

    @PUT
    @Path("slos/{job}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Slo putSlo(@PathParam("job") String job, SloIn in) {
        if (in.target() == null) {
            throw ProblemException.badRequest("'target' is required, a ratio like 0.999");
        }
        try {
            return heartbeat.putSlo(new Slo(job, in.target(), in.latencyThresholdMillis(), in.description()));
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    @DELETE
    @Path("slos/{job}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response deleteSlo(@PathParam("job") String job) {
        if (!heartbeat.deleteSlo(job)) {
            throw ProblemException.notFound("no SLO for job " + job);
        }
        return Response.noContent().build();
    }

    @GET
    @Path("alerts")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<Alert> alerts(@QueryParam("limit") @DefaultValue("50") int limit) {
        return heartbeat.alerts(Math.max(1, Math.min(limit, 1000)));
    }

    @GET
    @Path("page")
    @Produces(MediaType.TEXT_HTML)
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public String page() {
        Map<String, Slo> slos = new HashMap<>();
        heartbeat.slos().forEach(s -> slos.put(s.job(), s));
        return StatusPage.render(heartbeat.platform(), heartbeat.worstTenants(20), firing(), slos);
    }

    private List<Alert> firing() {
        return heartbeat.alerts(1000).stream().filter(Alert::firing).toList();
    }
}
