package io.headroom.core.api.signal;

import io.headroom.core.api.TenantId;
import java.time.Instant;
import java.util.Objects;

/**
 * One attempt by a tenant at a job customers care about ({@code queue.job}, {@code llm.answer}, ...):
 * whether it succeeded and how long it took.
 */
public record OutcomeEvent(TenantId tenant, String job, boolean success, long latencyMillis, Instant at) {
    public OutcomeEvent {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(at, "at");
        if (latencyMillis < 0) {
            throw new IllegalArgumentException("latency must not be negative");
        }
    }
}
