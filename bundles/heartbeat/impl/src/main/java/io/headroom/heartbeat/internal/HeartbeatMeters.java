package io.headroom.heartbeat.internal;

import io.headroom.core.api.metrics.Counter;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.core.api.metrics.TopTenants;
import io.headroom.core.api.signal.OutcomeEvent;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.Heartbeat;
import io.headroom.heartbeat.api.JobHealth;
import java.util.List;
import java.util.function.Supplier;

/**
 * The heartbeat's meters on the platform's Prometheus endpoint. Events are monotonic counters (rate them in PromQL);
 * burn rates and alerts are gauges read at the scrape from the fleet's counts. The job is labelled {@code slo_job}
 * (Prometheus keeps {@code job} for the scrape target), and only for jobs with an SLO: others count as {@code none},
 * tenants beyond the busiest as {@code other}, so the series stay bounded.
 */
final class HeartbeatMeters {
    static final String NO_SLO = "none";
    private static final String[] WINDOWS = {"5m", "1h", "6h", "3d"};

    private final Counter events;
    private final Counter tenantEvents;
    private final TopTenants top;
    private final Heartbeat heartbeat;

    HeartbeatMeters(Metrics metrics, TopTenants top, Heartbeat heartbeat, Supplier<List<Alert>> firing) {
        this.top = top;
        this.heartbeat = heartbeat;
        this.events = metrics.counter("headroom_heartbeat_events", "Outcome events received by this node", "slo_job", "result");
        this.tenantEvents = metrics.counter("headroom_heartbeat_tenant_events",
                "Outcome events received by this node per tenant (the busiest tenants by name, the rest as 'other')",
                "slo_job", "tenant", "result");
        metrics.gauge("headroom_heartbeat_burn_rate", "Error-budget burn rate platform-wide over a window (1 = on budget), fleet-wide counts",
                List.of("slo_job", "window"), s -> heartbeat.platform().forEach(h -> burn(s, h, h.job())));
        metrics.gauge("headroom_heartbeat_tenant_burn_rate", "Burn rate of the ten tenants burning fastest, fleet-wide counts",
                List.of("slo_job", "tenant", "window"), s -> heartbeat.worstTenants(10).forEach(h -> burn(s, h, h.job(), h.tenant())));
        metrics.gauge("headroom_heartbeat_alerts_firing", "Burn-rate alerts firing now, platform-wide", List.of("severity"), s -> {
            List<Alert> now = firing.get();
            for (String severity : List.of(Alert.PAGE, Alert.TICKET)) {
                s.sample(now.stream().filter(a -> a.severity().equals(severity)).count(), severity);
            }
        });
    }

    void record(OutcomeEvent e, boolean good) {
        String job = heartbeat.slo(e.job()).isPresent() ? e.job() : NO_SLO;
        String result = good ? "good" : "bad";
        events.inc(job, result);
        tenantEvents.inc(job, top.label(e.tenant(), 1), result);
    }

    private static void burn(io.headroom.core.api.metrics.Metrics.Samples s, JobHealth h, String... labels) {
        double[] values = {h.burn5m(), h.burn1h(), h.burn6h(), h.burn3d()};
        for (int i = 0; i < values.length; i++) {
            if (!Double.isNaN(values[i])) {
                String[] l = java.util.Arrays.copyOf(labels, labels.length + 1);
                l[labels.length] = WINDOWS[i];
                s.sample(values[i], l);
            }
        }
    }
}
