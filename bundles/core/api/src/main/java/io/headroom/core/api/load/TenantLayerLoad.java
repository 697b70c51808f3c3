package io.headroom.core.api.load;

import java.util.Objects;

/**
 * One tenant's load on one layer, fleet-wide: its current rate (the layer's unit per second), that rate's share of the
 * layer's total, and its recent baseline (the same rate averaged over a longer window). {@code tenant} is
 * {@link TenantLoad#OTHERS} for the tenants not tracked by name.
 */
public record TenantLayerLoad(String tenant, String layer, double rate, double share, double baseline, boolean spiking) {
    public TenantLayerLoad {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(layer, "layer");
    }

    /** How many times its baseline the tenant's rate is now (the rate itself when there is no baseline yet). */
    public double ratio() {
        return baseline > 0 ? rate / baseline : rate;
    }
}
