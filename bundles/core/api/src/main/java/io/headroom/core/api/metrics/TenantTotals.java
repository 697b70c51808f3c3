package io.headroom.core.api.metrics;

import io.headroom.core.api.TenantId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Per-tenant running totals that a capability keeps (jobs dead-lettered, statements run), reported at scrape time as a
 * counter with a bounded tenant label from the one {@link TopTenants} tracker: each tenant's growth since the last
 * scrape is added to the series of its label now (its name while the tracker names it, else {@link TopTenants#OTHER}),
 * so every series, {@code other} included, only grows as a Prometheus counter must, however tenants move in and out of
 * the top. A total that went down (its source restarted) counts from zero again. One instance per meter.
 */
public final class TenantTotals {
    private final TopTenants top;
    private final Map<List<String>, Double> last = new HashMap<>();
    private final Map<List<String>, Double> series = new HashMap<>();

    public TenantTotals(TopTenants top) {
        this.top = top;
    }

    /** Reports the series labelled {@code labels} then the tenant label, after adding each row's growth to them. */
    public synchronized <T> void report(Metrics.Samples samples, List<T> rows, Function<T, String> tenant, ToDoubleFunction<T> value,
            String... labels) {
        for (T row : rows) {
            String t = tenant.apply(row);
            double v = value.applyAsDouble(row);
            Double before = last.put(with(labels, t), v);
            double growth = before == null || v < before ? v : v - before;
            if (growth > 0 || before == null) {
                series.merge(with(labels, label(t)), Math.max(0, growth), Double::sum);
            }
        }
        List<String> prefix = Arrays.asList(labels);
        series.forEach((key, total) -> {
            if (key.subList(0, key.size() - 1).equals(prefix)) {
                samples.sample(total, key.toArray(String[]::new));
            }
        });
    }

    private String label(String tenant) {
        return TenantId.isValid(tenant) ? top.label(TenantId.of(tenant), 0) : TopTenants.OTHER;
    }

    private static List<String> with(String[] labels, String last) {
        List<String> out = new ArrayList<>(labels.length + 1);
        out.addAll(Arrays.asList(labels));
        out.add(last);
        return List.copyOf(out);
    }
}
