package io.headroom.core.api.load;

import io.headroom.core.api.TenantId;
import java.util.List;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The tenant load ledger: every layer's load per tenant, as reported by the capabilities through the core's signals,
 * added up over the fleet. Memory is bounded per layer (the busiest tenants by name, the rest as {@link #OTHERS}), so a
 * tenant that is not among a layer's busiest has no figures of its own there. Figures lag by at most the flush
 * interval across nodes.
 */
@ProviderType
public interface TenantLoad {
    /** The name the tenants not tracked by name are shown under. */
    String OTHERS = "*others*";

    /** The layers that reported load, sorted. */
    List<String> layers();

    /** The {@code n} tenants with the largest share of a layer now, largest first (the rest summed as {@link #OTHERS}). */
    List<TenantLayerLoad> top(String layer, int n);

    /** One tenant's load on every layer where it is tracked. */
    List<TenantLayerLoad> tenant(TenantId tenant);

    /** The tenants spiking against their own baseline now, fleet-wide. */
    List<TenantLayerLoad> spiking();
}
