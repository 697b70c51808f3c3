package io.headroom.heartbeat.internal.core;

import java.util.List;

/**
 * One multi-window burn-rate rule (Google SRE workbook, "Alerting on SLOs"): it holds when the burn rate exceeds
 * {@code factor} over both the long and the short window. {@code longMinutes} of 60 or less is read from the minute
 * ring, longer windows from the hour ring.
 */
public record BurnRule(String name, String severity, int longMinutes, int shortMinutes, double factor) {
    /** The workbook's recommended set: 2% of a 30-day budget in 1 h, 5% in 6 h, 10% in 3 days. */
    public static final List<BurnRule> STANDARD = List.of(
            new BurnRule("1h/5m", "page", 60, 5, 14.4),
            new BurnRule("6h/30m", "page", 360, 30, 6),
            new BurnRule("3d/6h", "ticket", 4320, 360, 1));
}
