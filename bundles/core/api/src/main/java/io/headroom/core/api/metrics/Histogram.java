package io.headroom.core.api.metrics;

import org.osgi.annotation.versioning.ProviderType;

/** A histogram of observations in the meter's unit (seconds for latencies). */
@ProviderType
public interface Histogram {
    void observe(double value, String... labelValues);
}
