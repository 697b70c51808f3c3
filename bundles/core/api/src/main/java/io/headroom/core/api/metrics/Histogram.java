package io.headroom.core.api.metrics;

import org.osgi.annotation.versioning.ProviderType;

/** A histogram of observations in the meter's unit (seconds for latencies). */
@ProviderType
public interface Histogram {
    void observe(double value, String... labelValues);

    /**
     * The {@code q}-quantile ({@code 0 <= q <= 1}) of what the series with these label values observed since it started,
     * from its buckets the way PromQL's {@code histogram_quantile} estimates it (linear within the bucket it falls in;
     * the highest finite bound when it falls above it); {@code NaN} when the series has no observation.
     */
    double quantile(double q, String... labelValues);

    /**
     * Drops every series whose label {@code labelName} has {@code value} (a shard, deployment or route that was removed),
     * so a scrape no longer shows it. A label the histogram does not have drops nothing.
     */
    void forget(String labelName, String value);
}
