package io.headroom.queue.api;

import io.headroom.core.api.TenantId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A multi-tenant job queue with fair dispatch: tenants share workers by weight (deficit round robin within each
 * priority), per-tenant concurrency caps hold exactly, and a noisy tenant's new work goes to an overflow lane with a
 * bounded share of workers until its backlog drains. Fairness is per tenant, whatever job types or keys it uses.
 */
@ProviderType
public interface FairQueue {
    /** Enqueues one job; refused (IllegalArgumentException) when no handler runs its type. */
    Job submit(JobRequest request);

    /** Enqueues all or none: every request is checked before any is enqueued. */
    List<Job> submitAll(List<JobRequest> requests);

    List<TenantStats> stats();

    Optional<TenantStats> stats(TenantId tenant);

    void pause(TenantId tenant);

    void resume(TenantId tenant);

    /** Sets a tenant's weight (its share relative to others, 1-100) and concurrency cap (1 or more). */
    void setLimits(TenantId tenant, int weight, int cap);

    List<DeadLetter> deadLetters(int limit);

    /** Puts dead letters back on the queue (one tenant's, or all when {@code tenant} is null); returns how many. */
    int redrive(TenantId tenant);

    /** The job types that can be submitted right now: those with a handler, and the remote types. */
    List<String> types();

    /**
     * Enqueues all or none for a tenant-bound caller: as {@link #submitAll(List)}, and HIGH jobs only within the tenant's
     * HIGH budget ({@link QueueFullException} beyond it).
     */
    List<Job> submitAllAsTenant(List<JobRequest> requests);

    /** Sets how many HIGH jobs a tenant's own callers may have open at once (0, the default: none). */
    void setHighBudget(TenantId tenant, int highBudget);

    /**
     * Declares or updates a remote job type (stored in the control schema, seen by every node within seconds). A push
     * type needs a {@code secret} ({@code whsec_} and base64 of 24-64 bytes) when it is created; null keeps the one set.
     * A remote type takes precedence over a handler of the same name.
     */
    RemoteType defineType(RemoteType type, String secret);

    /** Removes a remote type; its queued jobs stay queued until it is declared again. False if there was none. */
    boolean removeType(String name);

    List<RemoteType> remoteTypes();

    Optional<RemoteType> remoteType(String name);

    /**
     * Leases up to {@code max} jobs of a pull type, chosen by the fair scheduler, for {@code visibilitySeconds} each.
     * Completes as soon as at least one job is leased, or empty after {@code waitMillis}; no thread waits meanwhile.
     */
    CompletionStage<List<Lease>> lease(String type, int max, int visibilitySeconds, long waitMillis);

    /**
     * The job of the lease succeeded: it is deleted. Idempotent; {@link LeaseConflictException} when the lease expired
     * first (the job is not touched: it may be another worker's now), {@link java.util.NoSuchElementException} when no
     * such lease is known.
     */
    void ack(String leaseId);

    /** The attempt failed: retried after {@code delayMillis} (or the type's backoff when negative), or dead-lettered. */
    void nack(String leaseId, long delayMillis, String error);

    /** Extends a lease to {@code visibilitySeconds} from now. */
    Lease extend(String leaseId, int visibilitySeconds);

    /** A job's state, as far as the fleet knows it (the node that changed it last writes it to the control schema). */
    Optional<JobStatus> job(String id);

    /** Cancels a job still waiting (or delayed); false when it is not waiting any more. */
    boolean cancel(String id);
}
