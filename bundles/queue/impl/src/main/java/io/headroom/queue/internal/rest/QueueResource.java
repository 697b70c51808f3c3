package io.headroom.queue.internal.rest;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.ProblemException;
import io.headroom.core.api.rest.RestResource;
import io.headroom.queue.api.DeadLetter;
import io.headroom.queue.api.Delivery;
import io.headroom.queue.api.JobStatus;
import io.headroom.queue.api.Lease;
import io.headroom.queue.api.LeaseConflictException;
import io.headroom.queue.api.QueueFullException;
import io.headroom.queue.api.RemoteType;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.Job;
import io.headroom.queue.api.JobRequest;
import io.headroom.queue.api.Priority;
import io.headroom.queue.api.QueueUnavailableException;
import io.headroom.queue.api.TenantStats;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletionStage;
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
import javax.ws.rs.core.SecurityContext;
import javax.ws.rs.core.Response;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * /api/queue: submit jobs in batches, see and cancel a job, see and steer each tenant's queue, dead letters, remote job
 * types, and leases for remote pull workers (long-polled without holding a thread).
 */
@Component(service = RestResource.class, property = RestResource.PATH + "=/queue")
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public final class QueueResource implements RestResource {
    static final int MAX_BATCH = 500;

    /**
     * A job as clients submit it for any tenant; {@code priority} is HIGH, NORMAL (default) or LOW; {@code delaySeconds}
     * or {@code notBefore} (an ISO-8601 instant) delay its start.
     */
    public record JobIn(String tenant, String type, String payload, String priority, String idempotencyKey, Integer delaySeconds,
                        String notBefore) {
    }

    /** A job of the tenant named in the path. */
    public record TenantJobIn(String type, String payload, String priority, String idempotencyKey, Integer delaySeconds, String notBefore) {
    }

    public record Limits(Integer weight, Integer cap, Integer highBudget) {
    }

    /** A remote job type as operators declare it; omitted numbers take their defaults. */
    public record TypeIn(String delivery, String url, String secret, Integer maxAttempts, Long backoffMillis, Integer visibilitySeconds,
                         Long timeoutMillis, Integer concurrency) {
    }

    public record LeaseIn(Integer max, Integer waitSeconds, Integer visibilitySeconds) {
    }

    public record NackIn(Integer delaySeconds, String error) {
    }

    public record ExtendIn(Integer visibilitySeconds) {
    }

    /** Several leases to ack at once. */
    public record AckIn(List<String> leases) {
    }

    /** What became of each lease of a batch ack: acked (now or before), expired (409), or unknown here (404). */
    public record AckOut(List<String> acked, List<String> conflicts, List<String> unknown) {
    }

    /** A leased job as a worker receives it: ack, nack or extend it by {@code lease}. */
    public record LeasedJob(String lease, String expiresAt, String id, String tenant, String type, String payload, String priority,
                            int attempt, String enqueuedAt, String idempotencyKey) {
        static LeasedJob of(Lease l) {
            Job j = l.job();
            return new LeasedJob(l.id(), l.expiresAt().toString(), j.id(), j.tenant().value(), j.type(), j.payload(), j.priority().name(),
                    j.attempt(), j.enqueuedAt().toString(), j.idempotencyKey());
        }
    }

    public record Leased(List<LeasedJob> jobs) {
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
            requests.add(request(i, TenantId.of(j.tenant()), j.type(), j.payload(), j.priority(), j.idempotencyKey(), j.delaySeconds(),
                    j.notBefore()));
        }
        return accept(requests, false);
    }

    @POST
    @Path("tenants/{tenant}/jobs")
    public Response submitForTenant(@PathParam("tenant") TenantId tenant, List<TenantJobIn> jobs, @Context SecurityContext security) {
        checkBatch(jobs);
        List<JobRequest> requests = new ArrayList<>();
        for (int i = 0; i < jobs.size(); i++) {
            TenantJobIn j = jobs.get(i);
            if (j == null) {
                throw ProblemException.badRequest("job " + i + " is null");
            }
            requests.add(request(i, tenant, j.type(), j.payload(), j.priority(), j.idempotencyKey(), j.delaySeconds(), j.notBefore()));
        }
        return accept(requests, Caller.of(security).tenantScope().isPresent());
    }

    private static void checkBatch(List<?> jobs) {
        if (jobs == null) {
            throw ProblemException.badRequest("send a JSON array of jobs");
        }
        if (jobs.isEmpty() || jobs.size() > MAX_BATCH) {
            throw ProblemException.badRequest("send 1 to " + MAX_BATCH + " jobs per request, not " + jobs.size());
        }
    }

    private static JobRequest request(int i, TenantId tenant, String type, String payload, String priority, String key,
                                      Integer delaySeconds, String notBefore) {
        try {
            if (delaySeconds != null && notBefore != null) {
                throw new IllegalArgumentException("give 'delaySeconds' or 'notBefore', not both");
            }
            if (delaySeconds != null && delaySeconds < 0) {
                throw new IllegalArgumentException("'delaySeconds' must not be negative");
            }
            Instant start = null;
            if (delaySeconds != null && delaySeconds > 0) {
                start = Instant.now().plusSeconds(delaySeconds);
            } else if (notBefore != null) {
                try {
                    start = Instant.parse(notBefore);
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException("'notBefore' must be an ISO-8601 instant such as 2030-01-01T00:00:00Z");
                }
            }
            return new JobRequest(tenant, type, payload, priority == null ? null : Priority.valueOf(priority), key, start);
        } catch (IllegalArgumentException e) {
            String why = e.getMessage() != null && e.getMessage().startsWith("No enum") ? "priority must be HIGH, NORMAL or LOW" : e.getMessage();
            throw ProblemException.badRequest("job " + i + ": " + why);
        }
    }

    private Response accept(List<JobRequest> requests, boolean tenantCaller) {
        try {
            List<Job> jobs = tenantCaller ? queue.submitAllAsTenant(requests) : queue.submitAll(requests);
            return Response.accepted(new Accepted(jobs.stream().map(Job::id).toList())).build();
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (QueueFullException e) {
            throw ProblemException.tooManyRequests(e.getMessage(), e.retryAfterSeconds());
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
        if (limits == null || (limits.weight() == null) != (limits.cap() == null) || limits.weight() == null && limits.highBudget() == null) {
            throw ProblemException.badRequest("give both 'weight' (1-100) and 'cap' (1 or more), and/or 'highBudget' (0 or more)");
        }
        try {
            if (limits.highBudget() != null && (limits.highBudget() < 0 || limits.highBudget() > 1_000_000)) {
                throw new IllegalArgumentException("highBudget must be 0-1000000");
            }
            if (limits.weight() != null && (limits.weight() < 1 || limits.weight() > 100 || limits.cap() < 1)) {
                throw new IllegalArgumentException("weight must be 1-100 and cap at least 1");
            }
            if (limits.weight() != null) {
                queue.setLimits(tenant, limits.weight(), limits.cap());
            }
            if (limits.highBudget() != null) {
                queue.setHighBudget(tenant, limits.highBudget());
            }
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

    // ---- job lifecycle

    @GET
    @Path("jobs/{id}")
    public JobStatus job(@PathParam("id") String id, @Context SecurityContext security) {
        return visibleJob(id, security);
    }

    @DELETE
    @Path("jobs/{id}")
    public Response cancel(@PathParam("id") String id, @Context SecurityContext security) {
        visibleJob(id, security);
        boolean cancelled;
        try {
            cancelled = queue.cancel(id);
        } catch (NoSuchElementException e) {
            throw ProblemException.notFound(e.getMessage());
        } catch (QueueUnavailableException e) {
            throw ProblemException.unavailable(e.getMessage(), 1);
        }
        if (!cancelled) {
            throw ProblemException.conflict("job " + id + " is not waiting any more: " + queue.job(id).map(j -> j.state().name()).orElse("?"));
        }
        return Response.noContent().build();
    }

    /** The job if the caller may see it; a tenant gets 404 for another tenant's job, as for one that does not exist. */
    private JobStatus visibleJob(String id, SecurityContext security) {
        Caller caller = Caller.of(security);
        return queue.job(id).filter(j -> TenantId.isValid(j.tenant()) && caller.canAccess(TenantId.of(j.tenant())))
                .orElseThrow(() -> ProblemException.notFound("no job " + id + " (job states are kept for a while: the last 100,000 on each node, and an hour after their last change in a fleet's record)"));
    }

    // ---- remote types

    @GET
    @Path("types/{type}")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public RemoteType type(@PathParam("type") String type) {
        return queue.remoteType(type).orElseThrow(() -> ProblemException.notFound("no remote job type '" + type + "'"));
    }

    @PUT
    @Path("types/{type}")
    @RolesAllowed(Caller.OPERATOR)
    public RemoteType defineType(@PathParam("type") String type, TypeIn in) {
        if (in == null || in.delivery() == null) {
            throw ProblemException.badRequest("give 'delivery': pull or push");
        }
        try {
            Delivery delivery = switch (in.delivery()) {
                case "pull" -> Delivery.PULL;
                case "push" -> Delivery.PUSH;
                default -> throw new IllegalArgumentException("'delivery' must be pull or push");
            };
            RemoteType t = new RemoteType(type, delivery, in.url(), or(in.maxAttempts(), 5), or(in.backoffMillis(), 1000L),
                    or(in.visibilitySeconds(), 60), or(in.timeoutMillis(), 10_000L), or(in.concurrency(), 16), false);
            return queue.defineType(t, in.secret());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    private static <T> T or(T value, T otherwise) {
        return value == null ? otherwise : value;
    }

    @DELETE
    @Path("types/{type}")
    @RolesAllowed(Caller.OPERATOR)
    public Response removeType(@PathParam("type") String type) {
        if (!queue.removeType(type)) {
            throw ProblemException.notFound("no remote job type '" + type + "'");
        }
        return Response.noContent().build();
    }

    // ---- leases (pull workers)

    @POST
    @Path("types/{type}/lease")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public CompletionStage<Leased> lease(@PathParam("type") String type, LeaseIn in) {
        LeaseIn l = in == null ? new LeaseIn(null, null, null) : in;
        try {
            return queue.lease(type, or(l.max(), 1), or(l.visibilitySeconds(), 0), or(l.waitSeconds(), 0) * 1000L)
                    .thenApply(leases -> new Leased(leases.stream().map(LeasedJob::of).toList()));
        } catch (NoSuchElementException e) {
            throw ProblemException.notFound(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        }
    }

    @POST
    @Path("leases/{lease}/ack")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response ack(@PathParam("lease") String lease) {
        return leaseCall(() -> queue.ack(lease));
    }

    @POST
    @Path("leases/ack")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public AckOut ackAll(AckIn in) {
        if (in == null || in.leases() == null || in.leases().isEmpty() || in.leases().size() > 100) {
            throw ProblemException.badRequest("give 'leases': 1-100 lease ids");
        }
        List<String> acked = new ArrayList<>();
        List<String> conflicts = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String lease : in.leases()) {
            try {
                queue.ack(lease);
                acked.add(lease);
            } catch (LeaseConflictException e) {
                conflicts.add(lease);
            } catch (NoSuchElementException | NullPointerException e) {
                unknown.add(lease);
            } catch (QueueUnavailableException e) {
                // acks are idempotent: the batch may be sent again as a whole
                throw ProblemException.unavailable(e.getMessage() + " (" + acked.size() + " of the batch were acked)", 1);
            }
        }
        return new AckOut(acked, conflicts, unknown);
    }

    @POST
    @Path("leases/{lease}/nack")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public Response nack(@PathParam("lease") String lease, NackIn in) {
        NackIn n = in == null ? new NackIn(null, null) : in;
        if (n.delaySeconds() != null && (n.delaySeconds() < 0 || n.delaySeconds() > 43_200)) {
            throw ProblemException.badRequest("'delaySeconds' must be 0-43200");
        }
        if (n.error() != null && n.error().length() > 2000) {
            throw ProblemException.badRequest("'error' is longer than 2000 characters");
        }
        return leaseCall(() -> queue.nack(lease, n.delaySeconds() == null ? -1 : n.delaySeconds() * 1000L, n.error()));
    }

    @POST
    @Path("leases/{lease}/extend")
    @RolesAllowed({Caller.OPERATOR, Caller.PLATFORM})
    public LeasedJob extend(@PathParam("lease") String lease, ExtendIn in) {
        if (in == null || in.visibilitySeconds() == null) {
            throw ProblemException.badRequest("give 'visibilitySeconds' (1-43200)");
        }
        Lease[] out = new Lease[1];
        leaseCall(() -> out[0] = queue.extend(lease, in.visibilitySeconds()));
        return LeasedJob.of(out[0]);
    }

    private static Response leaseCall(Runnable call) {
        try {
            call.run();
            return Response.noContent().build();
        } catch (NoSuchElementException e) {
            throw ProblemException.notFound(e.getMessage());
        } catch (LeaseConflictException e) {
            throw ProblemException.conflict(e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ProblemException.badRequest(e.getMessage());
        } catch (QueueUnavailableException e) {
            throw ProblemException.unavailable(e.getMessage(), 1);
        }
    }
}
