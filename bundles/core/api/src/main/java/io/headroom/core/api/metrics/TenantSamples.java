package io.headroom.core.api.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Per-tenant values read at scrape time with a bounded label set: the {@code n} largest under their tenant's name, the
 * rest summed under {@link TopTenants#OTHER}.
 */
public final class TenantSamples {
    private TenantSamples() {
    }

    /** Reports {@code value} of each row, the tenant label last after {@code labels}. */
    public static <T> void top(Metrics.Samples samples, int n, List<T> rows, Function<T, String> tenant,
            ToDoubleFunction<T> value, String... labels) {
        List<T> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingDouble(value).reversed());
        double other = 0;
        boolean anyOther = false;
        for (int i = 0; i < sorted.size(); i++) {
            if (i < n) {
                samples.sample(value.applyAsDouble(sorted.get(i)), with(labels, tenant.apply(sorted.get(i))));
            } else {
                other += value.applyAsDouble(sorted.get(i));
                anyOther = true;
            }
        }
        if (anyOther) {
            samples.sample(other, with(labels, TopTenants.OTHER));
        }
    }

    private static String[] with(String[] labels, String last) {
        String[] out = Arrays.copyOf(labels, labels.length + 1);
        out[labels.length] = last;
        return out;
    }
}
