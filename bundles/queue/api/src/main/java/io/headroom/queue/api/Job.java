package io.headroom.queue.api;

import io.headroom.core.api.TenantId;
import java.time.Instant;

/** An enqueued job as handlers see it; {@code attempt} counts from 1. */
public record Job(String id, TenantId tenant, String type, String payload, Priority priority, String idempotencyKey,
                  int attempt, Instant enqueuedAt) {
    public Job nextAttempt() {
        return new Job(id, tenant, type, payload, priority, idempotencyKey, attempt + 1, enqueuedAt);
    }
}
