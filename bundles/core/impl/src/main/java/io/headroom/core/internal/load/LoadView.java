package io.headroom.core.internal.load;

import io.headroom.core.api.load.TenantLayerLoad;
import io.headroom.core.api.load.TenantLoad;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fleet's load per layer and tenant at one moment: every node's figures added up (a tenant's rate is the sum of
 * its rates on the nodes; its share is that over the layer's summed total), and which tenants spike by the rule.
 * Immutable. Pure.
 */
final class LoadView {
    /** The row name under which a node writes a layer's total. */
    static final String TOTAL = "*total*";
    /**
     * Layers that are not load but the outcomes of tenants' jobs: shown, never a spike. Nor is a resource's part of a
     * measure: a tenant spiking on one shard spikes on the measure, and is reported once, there.
     */
    static final String HEALTH_PREFIX = "health.";
    /**
     * Measures of the time a tenant's work waited (queue.dwell_ms): what it suffers, often from another tenant's burst,
     * not what it asks for: shown, never its spike.
     */
    static final String WAIT_SUFFIX = ".dwell_ms";
    static final LoadView EMPTY = new LoadView(Map.of(), SpikeRule.NEVER);

    /**
     * A spike: a rate over {@code factor} times the baseline, at least {@code minShare} of the layer and at least
     * {@code minRate} per second (so an idle layer's first request is no spike).
     */
    record SpikeRule(double factor, double minShare, double minRate) {
        static final SpikeRule NEVER = new SpikeRule(Double.POSITIVE_INFINITY, 2, Double.POSITIVE_INFINITY);

        SpikeRule {
            if (!(factor > 1) || minShare < 0 || minRate < 0) {
                throw new IllegalArgumentException("a spike is more than 1× the baseline, with a share and a rate of at least 0");
            }
        }

        boolean spiking(double rate, double baseline, double share) {
            return rate >= minRate && share >= minShare && rate > factor * baseline;
        }
    }

    /** One row as a node wrote it. */
    record Row(String layer, String tenant, double rate, double baseline) {
    }

    private final Map<String, List<TenantLayerLoad>> byLayer; // largest rate first, OTHERS last
    private final SpikeRule rule;

    private LoadView(Map<String, List<TenantLayerLoad>> byLayer, SpikeRule rule) {
        this.byLayer = byLayer;
        this.rule = rule;
    }

    static LoadView of(List<Row> rows, SpikeRule rule) {
        Map<String, Map<String, double[]>> sums = new TreeMap<>();
        for (Row r : rows) {
            double[] s = sums.computeIfAbsent(r.layer(), l -> new HashMap<>()).computeIfAbsent(r.tenant(), t -> new double[2]);
            s[0] += r.rate();
            s[1] += r.baseline();
        }
        Map<String, List<TenantLayerLoad>> byLayer = new TreeMap<>();
        sums.forEach((layer, tenants) -> {
            double[] total = tenants.getOrDefault(TOTAL, new double[2]);
            double trackedRate = 0;
            double trackedBase = 0;
            for (Map.Entry<String, double[]> e : tenants.entrySet()) {
                if (!TOTAL.equals(e.getKey())) {
                    trackedRate += e.getValue()[0];
                    trackedBase += e.getValue()[1];
                }
            }
            double totalRate = Math.max(total[0], trackedRate);
            List<TenantLayerLoad> out = new ArrayList<>();
            for (Map.Entry<String, double[]> e : tenants.entrySet()) {
                if (!TOTAL.equals(e.getKey())) {
                    out.add(load(layer, e.getKey(), e.getValue()[0], e.getValue()[1], totalRate, rule));
                }
            }
            out.sort(Comparator.comparingDouble(TenantLayerLoad::rate).reversed().thenComparing(TenantLayerLoad::tenant));
            double otherRate = total[0] - trackedRate;
            if (otherRate > 1e-9) {
                out.add(new TenantLayerLoad(TenantLoad.OTHERS, layer, otherRate, share(otherRate, totalRate),
                        Math.max(0, total[1] - trackedBase), false));
            }
            byLayer.put(layer, List.copyOf(out));
        });
        return new LoadView(byLayer, rule);
    }

    private static TenantLayerLoad load(String layer, String tenant, double rate, double baseline, double total, SpikeRule rule) {
        double share = share(rate, total);
        return new TenantLayerLoad(tenant, layer, rate, share, baseline,
                judged(layer) && rule.spiking(rate, baseline, share));
    }

    /** Whether a spike is judged on the layer: a measure's whole layer, of what a tenant asks for. */
    static boolean judged(String layer) {
        return !layer.startsWith(HEALTH_PREFIX) && layer.indexOf('/') < 0 && !layer.endsWith(WAIT_SUFFIX);
    }

    private static double share(double rate, double total) {
        return total > 0 ? Math.min(1, rate / total) : 0;
    }

    List<String> layers() {
        return List.copyOf(byLayer.keySet());
    }

    List<TenantLayerLoad> top(String layer, int n) {
        List<TenantLayerLoad> all = byLayer.getOrDefault(layer, List.of());
        List<TenantLayerLoad> out = new ArrayList<>();
        double otherRate = 0;
        double otherShare = 0;
        double otherBase = 0;
        int named = 0;
        for (TenantLayerLoad l : all) {
            if (!TenantLoad.OTHERS.equals(l.tenant()) && named < n) {
                out.add(l);
                named++;
            } else {
                otherRate += l.rate();
                otherShare += l.share();
                otherBase += l.baseline();
            }
        }
        if (otherRate > 1e-9) {
            out.add(new TenantLayerLoad(TenantLoad.OTHERS, layer, otherRate, Math.min(1, otherShare), otherBase, false));
        }
        return out;
    }

    List<TenantLayerLoad> tenant(String tenant) {
        List<TenantLayerLoad> out = new ArrayList<>();
        byLayer.values().forEach(loads -> loads.stream().filter(l -> l.tenant().equals(tenant)).forEach(out::add));
        return out;
    }

    List<TenantLayerLoad> spiking() {
        List<TenantLayerLoad> out = new ArrayList<>();
        byLayer.values().forEach(loads -> loads.stream().filter(TenantLayerLoad::spiking).forEach(out::add));
        out.sort(Comparator.comparingDouble(TenantLayerLoad::ratio).reversed());
        return out;
    }

    SpikeRule rule() {
        return rule;
    }
}
