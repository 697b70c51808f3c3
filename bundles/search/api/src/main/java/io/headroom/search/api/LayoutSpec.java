package io.headroom.search.api;

import io.headroom.core.api.TenantId;
import java.util.Set;

/**
 * How a collection is stored: {@code partitions} shared indexes where tenants are placed by a stable hash and routed
 * by tenant id, plus one dedicated index per tenant in {@code dedicated}; {@code mappings} (the JSON of an index's
 * "mappings" object) and {@code settings} (JSON of index settings, e.g. shards) apply to every index of the layout.
 */
public record LayoutSpec(int partitions, Set<TenantId> dedicated, String mappings, String settings) {
    public static final int MAX_PARTITIONS = 64;

    public LayoutSpec {
        if (partitions < 1 || partitions > MAX_PARTITIONS) {
            throw new IllegalArgumentException("partitions must be 1-" + MAX_PARTITIONS + ", not " + partitions);
        }
        dedicated = dedicated == null ? Set.of() : Set.copyOf(dedicated);
        mappings = mappings == null || mappings.isBlank() ? "{}" : mappings;
        settings = settings == null || settings.isBlank() ? "{}" : settings;
    }
}
