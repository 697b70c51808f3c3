package io.headroom.heartbeat.internal.rest;

import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.JobHealth;
import java.util.List;
import java.util.Locale;

/**
 * Prometheus text exposition (format 0.0.4) of the platform-wide series per job and the worst tenants only, so the
 * number of series stays bounded however many tenants there are.
 */
final class PrometheusText {
    private PrometheusText() {
    }

    static String render(List<JobHealth> platform, List<JobHealth> worst, List<Alert> firing) {
        StringBuilder b = new StringBuilder(4096);
        header(b, "headroom_heartbeat_events_1h", "Outcome events in the last hour, platform-wide");
        platform.forEach(h -> line(b, "headroom_heartbeat_events_1h", "job=\"" + h.job() + "\"", h.events1h()));
        header(b, "headroom_heartbeat_bad_events_1h", "Failed or too slow outcome events in the last hour, platform-wide");
        platform.forEach(h -> line(b, "headroom_heartbeat_bad_events_1h", "job=\"" + h.job() + "\"", h.bad1h()));
        header(b, "headroom_heartbeat_burn_rate", "Error-budget burn rate over a window, platform-wide (1 = on budget)");
        for (JobHealth h : platform) {
            burn(b, "headroom_heartbeat_burn_rate", "job=\"" + h.job() + "\"", h);
        }
        header(b, "headroom_heartbeat_tenant_burn_rate", "Burn rate of the tenants burning fastest (bounded set)");
        for (JobHealth h : worst) {
            burn(b, "headroom_heartbeat_tenant_burn_rate", "job=\"" + h.job() + "\",tenant=\"" + h.tenant() + "\"", h);
        }
        header(b, "headroom_heartbeat_alerts_firing", "Burn-rate alerts firing now");
        for (String severity : List.of(Alert.PAGE, Alert.TICKET)) {
            line(b, "headroom_heartbeat_alerts_firing", "severity=\"" + severity + "\"",
                    firing.stream().filter(a -> a.severity().equals(severity)).count());
        }
        return b.toString();
    }

    private static void header(StringBuilder b, String name, String help) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n');
        b.append("# TYPE ").append(name).append(" gauge\n");
    }

    private static void burn(StringBuilder b, String name, String labels, JobHealth h) {
        double[] values = {h.burn5m(), h.burn1h(), h.burn6h(), h.burn3d()};
        String[] windows = {"5m", "1h", "6h", "3d"};
        for (int i = 0; i < values.length; i++) {
            if (!Double.isNaN(values[i])) {
                b.append(name).append('{').append(labels).append(",window=\"").append(windows[i]).append("\"} ")
                        .append(String.format(Locale.ROOT, "%.6g", values[i])).append('\n');
            }
        }
    }

    private static void line(StringBuilder b, String name, String labels, long value) {
        b.append(name).append('{').append(labels).append("} ").append(value).append('\n');
    }
}
