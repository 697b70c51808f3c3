package io.headroom.heartbeat.internal.release;

import io.headroom.core.api.metrics.Metrics;
import io.headroom.heartbeat.api.DeliveryFigures;
import io.headroom.heartbeat.internal.core.ReleaseState;
import io.headroom.heartbeat.internal.store.ReleaseStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The four delivery figures per bundle, from the release history: deployment frequency (releases completed per day),
 * lead time (upload, or start for a Maven source, to every node running it), change failure rate (rolled back over
 * finished) and time to restore (the page that decided a rollback to every live node running the previous version).
 * Exposed over REST and as gauges over the last {@value #METRICS_WINDOW_DAYS} days.
 */
final class DeliveryMeters {
    static final int METRICS_WINDOW_DAYS = 30;

    private DeliveryMeters() {
    }

    static List<DeliveryFigures> figures(List<ReleaseStore.Row> rows, Duration window) {
        Map<String, List<ReleaseStore.Row>> byUnit = new TreeMap<>();
        rows.forEach(r -> byUnit.computeIfAbsent(r.unit(), u -> new ArrayList<>()).add(r));
        List<DeliveryFigures> out = new ArrayList<>();
        double days = Math.max(1e-9, window.toSeconds() / 86_400.0);
        byUnit.forEach((unit, list) -> {
            List<Double> lead = new ArrayList<>();
            List<Double> restore = new ArrayList<>();
            int completed = 0;
            int rolledBack = 0;
            for (ReleaseStore.Row r : list) {
                if (r.state() == ReleaseState.COMPLETED) {
                    completed++;
                    if (r.fleetWideAt() != null) {
                        lead.add(Duration.between(r.uploadedAt(), r.fleetWideAt()).toMillis() / 1000.0);
                    }
                } else if (r.state() == ReleaseState.ROLLED_BACK) {
                    rolledBack++;
                    if (r.failedAt() != null && r.endedAt() != null) {
                        restore.add(Duration.between(r.failedAt(), r.endedAt()).toMillis() / 1000.0);
                    }
                }
            }
            int finished = completed + rolledBack;
            out.add(new DeliveryFigures(unit, window.toSeconds(), completed, rolledBack, completed / days, median(lead),
                    finished == 0 ? 0 : rolledBack / (double) finished, median(restore)));
        });
        return out;
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    static void register(Metrics metrics, ReleaseService releases) {
        Duration window = Duration.ofDays(METRICS_WINDOW_DAYS);
        List<String> labels = List.of("unit");
        metrics.gauge("headroom_release_deployments_per_day", "Releases that reached the whole fleet per day, last 30 days",
                labels, s -> releases.figures(window).forEach(f -> s.sample(f.perDay(), f.unit())));
        metrics.gauge("headroom_release_lead_time_seconds", "Median time from upload to every node running a release, last 30 days",
                labels, s -> releases.figures(window).stream().filter(f -> f.leadTimeSeconds() >= 0)
                        .forEach(f -> s.sample(f.leadTimeSeconds(), f.unit())));
        metrics.gauge("headroom_release_change_failure_ratio", "Share of finished releases rolled back, last 30 days",
                labels, s -> releases.figures(window).forEach(f -> s.sample(f.changeFailureRate(), f.unit())));
        metrics.gauge("headroom_release_time_to_restore_seconds", "Median time from the deciding page to the previous version on every live node, last 30 days",
                labels, s -> releases.figures(window).stream().filter(f -> f.timeToRestoreSeconds() >= 0)
                        .forEach(f -> s.sample(f.timeToRestoreSeconds(), f.unit())));
    }
}
