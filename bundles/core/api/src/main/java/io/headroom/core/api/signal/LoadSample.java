package io.headroom.core.api.signal;

import io.headroom.core.api.TenantId;
import java.time.Instant;
import java.util.Objects;

/**
 * Load that a tenant put on one layer ({@code capability}: sharding, queue, llm ...) for one resource
 * (a shard, a queue, a deployment), in that layer's unit (queries, jobs, tokens).
 */
public record LoadSample(TenantId tenant, String capability, String resource, double amount, Instant at) {
    public LoadSample {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(capability, "capability");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(at, "at");
    }
}
