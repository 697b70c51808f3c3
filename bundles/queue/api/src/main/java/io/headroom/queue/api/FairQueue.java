package io.headroom.queue.api;

import io.headroom.core.api.TenantId;
import java.util.List;
import java.util.Optional;
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

    /** The job types that have a handler right now. */
    List<String> types();
}
