package io.headroom.core.api.load;

import java.util.Objects;

/**
 * One tenant's load on one layer (a capability's measure, or one resource's part of it: see {@link TenantLoad}), fleet-wide: its current rate (the layer's unit per second), that rate's share of the
 * layer's total, and its recent baseline (the same rate averaged over a longer window). {@code tenant} is
 * {@link TenantLoad#OTHERS} for the tenants not tracked by name.
 */
public record TenantLayerLoad(String tenant, String layer, double rate, double share, double baseline, boolean spiking) {
    public TenantLayerLoad {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(layer, "layer");
    }

    /** The capability the layer belongs to ({@code llm} of {@code llm.tokens/gpt-4o}). */
    public String capability() {
        String head = head();
        int dot = head.indexOf('.');
        return dot < 0 ? head : head.substring(0, dot);
    }

    /** The measure ({@code tokens} of {@code llm.tokens/gpt-4o}; empty for a layer named without one). */
    public String measure() {
        String head = head();
        int dot = head.indexOf('.');
        return dot < 0 ? "" : head.substring(dot + 1);
    }

    /** The resource ({@code gpt-4o} of {@code llm.tokens/gpt-4o}); null for a measure's whole layer. */
    public String resource() {
        int slash = layer.indexOf('/');
        return slash < 0 ? null : layer.substring(slash + 1);
    }

    private String head() {
        int slash = layer.indexOf('/');
        return slash < 0 ? layer : layer.substring(0, slash);
    }

    /** How many times its baseline the tenant's rate is now (the rate itself when there is no baseline yet). */
    public double ratio() {
        return baseline > 0 ? rate / baseline : rate;
    }
}
