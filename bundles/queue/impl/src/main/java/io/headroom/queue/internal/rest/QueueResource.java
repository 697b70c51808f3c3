package io.headroom.queue.internal.rest;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.queue.api.DeadLetter;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobRequest;
import io.headroom.queue.api.Priority;
import io.headroom.queue.api.QueueUnavailableException;
import io.headroom.queue.api.TenantStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.Consumes;
import javax.ws.rs.DefaultValue;
import javax.ws.rs.GET;
import javax.ws.rs.POST;
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
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** /api/queue: submit jobs in batches, see and steer each tenant's queue, dead letters. */
@Component(service = RestResource.class, property = RestResource.PATH + "=/queue")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class QueueResource implements RestResource {
    static final int MAX_BATCH = 500;

    /** A job as clients submit it for any tenant; {@code priority} is HIGH, NORMAL (default) or LOW. */
    public record JobIn(String tenant, String type, String payload, String priority, String idempotencyKey) {
    }

    /** A job of the tenant named in the path. */
    public record TenantJobIn(String type, String payload, String priority, String idempotencyKey) {
    }

    public record Limits(Integer weight, Integer cap) {
    }

    public record Accepted(List<String> ids) {
    }

    private final FairQueue queue;

    /** Greedy: when the SQS backend (ranked higher) comes up, the endpoint moves to it. */
    @Activate
    public QueueResource(@Reference(policyOption = ReferencePolicyOption.GREEDY) FairQueue queue) {
        this.queue = queue;
    }

    @POST
    @Path("jobs")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response submit(List<JobIn> jobs) {
        checkBatch(jobs);
        List<JobRequest> requests = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            JobIn j = jobs.get(i);
            if (j == null || j.tenant() == null) {
                throw ProblemException.badRequest("job " + i + ": 'tenant' is required");
            }
            requests.add(request(i, TenantId.of(j.tenant()), j.type(), j.payload(), j.priority(), j.idempotencyKey()));
        }
        return accept(requests);
    }

    @POST
    @Path("tenants/{tenant}/jobs")
    public Response submitForTenant(@PathParam("tenant") TenantId tenant, List<TenantJobIn> jobs) {
        checkBatch(jobs);
        List<JobRequest> requests = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            TenantJobIn j = jobs.get(i);
            if (j == null) {
                throw ProblemException.badRequest("job " + i + " is null");
            }
            requests.add(request(i, tenant, j.type(), j.payload(), j.priority(), j.idempotencyKey()));
        }
        return accept(requests);
    }

    private static void checkBatch(List<?> jobs) {
        if (jobs.isEmpty() || jobs.size() > MAX_BATCH) {
            throw ProblemException.badRequest("send 1 to " + MAX_BATCH + " jobs per request, not " + jobs.size());
        }
    }

    private static JobRequest request(int i, TenantId tenant, String type, String payload, String priority, String key) {
        try {
            return new JobRequest(tenant, type, payload, priority == null ? null : Priority.valueOf(priority), key);
        } catch (IllegalArgumentException e) {
            String why = e.getMessage() != null && e.getMessage().startsWith("No enum") ? "priority must be HIGH, NORMAL or LOW" : e.getMessage();
            throw ProblemException.badRequest("job " + i + ": " + why);
        }
    }

    private Response accept(List<JobRequest> requests) {
        try {
            List<Job> jobs = queue.submitAll(requests);
            return Response.accepted(new Accepted(jobs.stream().map(Job::id).toList())).build();
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (QueueUnavailableException e) {
            throw ProblemException.unavailable("the queue backend is unavailable: " + e.getMessage(), 5);
        }
    }

    @GET
    @Path("tenants")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<TenantStats> tenants() {
        return queue.stats();
    }

    @GET
    @Path("tenants/{tenant}")
    public TenantStats tenant(@PathParam("tenant") TenantId tenant) {
        return queue.stats(tenant).orElseThrow(() -> ProblemException.notFound("tenant " + tenant + " has no queue activity"));
    }

    @POST
    @Path("tenants/{tenant}/pause")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response pause(@PathParam("tenant") TenantId tenant) {
        queue.pause(tenant);
        return Response.noContent().build();
    }

    @POST
    @Path("tenants/{tenant}/resume")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response resume(@PathParam("tenant") TenantId tenant) {
        queue.resume(tenant);
        return Response.noContent().build();
    }

    @PUT
    @Path("tenants/{tenant}/limits")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response limits(@PathParam("tenant") TenantId tenant, Limits limits) {
        if (limits.weight() == null || limits.cap() == null) {
            throw ProblemException.badRequest("give both 'weight' (1-100) and 'cap' (1 or more)");
        }
        try {
            queue.setLimits(tenant, limits.weight(), limits.cap());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
        return Response.noContent().build();
    }

    @GET
    @Path("dead-letters")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public List<DeadLetter> deadLetters(@QueryParam("limit") @DefaultValue("100") int limit) {
        return queue.deadLetters(Math.max(1, Math.min(limit, 10_000)));
    }

    @POST
    @Path("dead-letters/redrive")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Map<String, Integer> redrive(@QueryParam("tenant") TenantId tenant) {
        return Map.of("redriven", queue.redrive(tenant));
    }

    @GET
    @Path("types")
    public List<String> types() {
        return queue.types();
    }
}
