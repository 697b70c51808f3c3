package io.headroom.core.api.metrics;

import org.osgi.annotation.versioning.ProviderType;

/** A monotonic counter; label values in the order of the names it was registered with. */
@ProviderType
public interface Counter {
    void inc(String... labelValues);

    void add(double amount, String... labelValues);
}
