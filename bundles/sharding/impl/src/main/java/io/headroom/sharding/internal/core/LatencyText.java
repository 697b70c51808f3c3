package io.headroom.sharding.internal.core;

import java.util.Locale;

/**
 * A shard's statement latency as the shell and the console show it: the median and the 99th percentile from its query
 * duration histogram (a mean hides the slow statements an operator looks for), "-" before the shard's first statement.
 */
public final class LatencyText {
    private LatencyText() {
    }

    /** {@code 1.21 ms} with two decimals under 10 ms, one under 100 ms, none above; "-" for null. */
    public static String millis(Double ms) {
        if (ms == null || ms.isNaN()) {
            return "-";
        }
        String format = ms < 10 ? "%.2f ms" : ms < 100 ? "%.1f ms" : "%.0f ms";
        return String.format(Locale.ROOT, format, ms);
    }
}
