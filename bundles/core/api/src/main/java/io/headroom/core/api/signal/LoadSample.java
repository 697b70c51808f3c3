package io.headroom.core.api.signal;

import io.headroom.core.api.TenantId;
import java.time.Instant;
import java.util.Objects;

/**
 * Load that a tenant put on one layer ({@code capability}: sharding, queue, llm ...) for one resource (a shard, a
 * queue, a route, a collection, a REST service), as an {@code amount} of one {@code measure} of that layer (queries,
 * pool_ms, jobs, dwell_ms, tokens, cost ...). Amounts of a measure add up over time: a level such as a backlog is
 * reported as its value times the seconds it was held, so its rate is its average.
 */
public record LoadSample(TenantId tenant, String capability, String resource, String measure, double amount, Instant at) {
    /** The measure of a sample that names none: one unit of the layer's work. */
    public static final String LOAD = "load";

    public LoadSample {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(capability, "capability");
        Objects.requireNonNull(resource, "resource");
        Objects.requireNonNull(measure, "measure");
        Objects.requireNonNull(at, "at");
    }

    /** A sample of the layer's {@value #LOAD} measure. */
    public LoadSample(TenantId tenant, String capability, String resource, double amount, Instant at) {
        this(tenant, capability, resource, LOAD, amount, at);
    }
}
