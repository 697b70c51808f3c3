package io.headroom.core.api.metrics;

import java.util.List;
import java.util.function.Consumer;
import org.osgi.annotation.versioning.ProviderType;

/**
 * Registers meters with the platform's Prometheus endpoint. The service is per bundle: the meters a bundle registered go
 * away with it when it stops, so a stopped capability leaves no stale series behind.
 *
 * <p>Names follow Prometheus' conventions: {@code headroom_<capability>_<what>} with the base unit as a suffix
 * ({@code _seconds}, {@code _bytes}); a counter's name has no {@code _total}, the exposition adds it. Label values must
 * come from small sets: a tenant goes through {@link TopTenants#label} (the top tenants by name, the rest as
 * {@code other}). A name can be registered once per bundle; registering it again returns the same meter.
 */
@ProviderType
public interface Metrics {
    /** Buckets for request latencies in seconds, 1 ms to 60 s. */
    double[] LATENCY_SECONDS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

    Counter counter(String name, String help, String... labelNames);

    Histogram histogram(String name, String help, double[] buckets, String... labelNames);

    /**
     * A gauge read when the endpoint is scraped: {@code collect} reports each labelled value (none at all for a series
     * that does not exist right now).
     */
    void gauge(String name, String help, List<String> labelNames, Consumer<Samples> collect);

    /**
     * A counter read when the endpoint is scraped, for totals a capability already keeps (jobs completed, requests
     * served): {@code collect} reports each labelled running total, which must never go down while the bundle runs.
     */
    void counter(String name, String help, List<String> labelNames, Consumer<Samples> collect);

    /** Where a gauge or a counter read at scrape time reports its values. */
    @FunctionalInterface
    interface Samples {
        void sample(double value, String... labelValues);
    }
}
