package io.headroom.core.internal.load;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantHealth;
import io.headroom.core.api.load.TenantLayerLoad;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.load.TenantLoad;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One customer across every layer, as the shell and REST show it: its load and share per layer, how its jobs fare
 * (outcomes per second and the share that failed, from the same signals the heartbeat consumes; and, when a capability
 * judges outcomes, each job's SLO status: {@code slos} is null without one) and its limits.
 */
public record TenantReport(String tenant, List<TenantLayerLoad> layers, double outcomesPerSecond, double failedShare,
                           List<TenantHealth.JobStatus> slos, TenantLimit limit) {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})([smhd])");

    public static TenantReport of(TenantLoad load, TenantLimits limits, TenantHealth health, TenantId tenant) {
        List<TenantLayerLoad> all = load.tenant(tenant);
        double outcomes = rate(all, LedgerService.OUTCOMES);
        double failures = rate(all, LedgerService.FAILURES);
        return new TenantReport(tenant.value(), all.stream().filter(l -> !l.layer().startsWith(LoadView.HEALTH_PREFIX)).toList(),
                outcomes, outcomes > 0 ? Math.min(1, failures / outcomes) : 0, health == null ? null : health.jobs(tenant), limits == null ? null : limits.limit(tenant).orElse(null));
    }

    private static double rate(List<TenantLayerLoad> all, String layer) {
        return all.stream().filter(l -> l.layer().equals(layer)).mapToDouble(TenantLayerLoad::rate).sum();
    }

    /**
     * An expiry as an operator writes it: a duration from now ({@code 30s}, {@code 15m}, {@code 2h}, {@code 1d}) or an
     * ISO-8601 instant; null or blank: none.
     */
    public static Instant expiry(String text, Instant now) {
        if (text == null || text.isBlank()) {
            return null;
        }
        Matcher m = DURATION.matcher(text.trim());
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            Duration d = switch (m.group(2)) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
            return now.plus(d);
        }
        try {
            return Instant.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("an expiry is a duration (30s, 15m, 2h, 1d) or an ISO-8601 instant, not '" + text + "'");
        }
    }
}
