package io.headroom.core.api.metrics;

import org.osgi.annotation.versioning.ProviderType;

/** A monotonic counter; label values in the order of the names it was registered with. */
@ProviderType
public interface Counter {
    void inc(String... labelValues);

    void add(double amount, String... labelValues);

    /**
     * Drops every series whose label {@code labelName} has {@code value} (a shard, deployment or route that was removed),
     * so a scrape no longer shows it; it starts from zero if that value is counted again. A label the counter does not
     * have drops nothing.
     */
    void forget(String labelName, String value);
}
