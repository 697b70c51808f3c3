package io.headroom.core.api.load;

import io.headroom.core.api.TenantId;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The tenant load ledger: every layer's load per tenant, as reported by the capabilities through the core's signals,
 * added up over the fleet. A layer is one measure of a capability ({@code queue.dwell_ms}, {@code llm.tokens}), named
 * {@code capability.measure}, and is broken down by resource ({@code llm.tokens/gpt-4o}, {@code sharding.queries/shard-2}):
 * a bounded number of resources per measure by name, the rest as {@link #OTHER_RESOURCE}. Memory is bounded per layer
 * (the busiest tenants by name, the rest as {@link #OTHERS}), so a tenant that is not among a layer's busiest has no
 * figures of its own there. Figures lag by at most the flush interval across nodes.
 */
@ProviderType
public interface TenantLoad {
    /** The name the tenants not tracked by name are shown under. */
    String OTHERS = "*others*";

    /** The resource name the resources of a measure not tracked by name are shown under. */
    String OTHER_RESOURCE = "*other*";

    /** A measure's layer: {@code capability.measure}. */
    static String layer(String capability, String measure) {
        return capability + "." + measure;
    }

    /** One resource's part of a measure's layer: {@code capability.measure/resource}. */
    static String layer(String capability, String measure, String resource) {
        return layer(capability, measure) + "/" + resource;
    }

    /** The layers that reported load, sorted: each measure's layer followed by its resources' parts. */
    List<String> layers();

    /** The {@code n} tenants with the largest share of a layer now, largest first (the rest summed as {@link #OTHERS}). */
    List<TenantLayerLoad> top(String layer, int n);

    /** One tenant's load on every layer where it is tracked. */
    List<TenantLayerLoad> tenant(TenantId tenant);

    /** The tenants spiking against their own baseline now, fleet-wide. */
    List<TenantLayerLoad> spiking();
}
