package io.headroom.llm.internal;

import io.headroom.core.api.console.ConsolePanel;
import io.headroom.core.api.console.Html;
import io.headroom.core.api.metrics.Histogram;
import io.headroom.core.api.metrics.Metrics;
import io.headroom.llm.api.DeploymentStatus;
import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.RouteStatus;
import java.util.List;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The console's LLM panel: each deployment's health, smoothed latency and use of its limit; each route's capacity and
 * the median and 99th percentile of its answered calls (failovers included) since this node started, from
 * {@code headroom_llm_request_duration_seconds}.
 */
@Component(service = ConsolePanel.class)
public final class LlmPanel implements ConsolePanel {
    private final LlmAdmin llm;
    private final Histogram duration;

    @Activate
    public LlmPanel(@Reference LlmAdmin llm, @Reference Metrics metrics) {
        this.llm = llm;
        this.duration = GatewayRequestMeters.duration(metrics);
    }

    @Override
    public String id() {
        return "llm";
    }

    @Override
    public String title() {
        return "LLM gateway: deployments";
    }

    @Override
    public int order() {
        return 30;
    }

    @Override
    public String html() {
        List<DeploymentStatus> deployments = llm.deployments();
        if (deployments.isEmpty()) {
            return "<p class=\"empty\">No deployments configured.</p>";
        }
        StringBuilder b = new StringBuilder("<table><tr><th>Deployment</th><th>Model</th><th>State</th><th>Latency</th>"
                + "<th>Last minute</th><th>Failures</th></tr>");
        for (DeploymentStatus d : deployments) {
            boolean healthy = "healthy".equalsIgnoreCase(d.status());
            b.append("<tr><td>").append(Html.escape(d.name())).append("</td><td>").append(Html.escape(d.provider() + "/" + d.model()))
                    .append("</td><td>").append(Html.state(d.status() + (d.cooldownReason() == null ? "" : ": " + d.cooldownReason()),
                            healthy, !healthy)).append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%.0f ms", d.latencyMillis()))
                    .append("</td><td>").append(Html.progress(d.requestsLastMinute(), d.requestsPerMinute(),
                            d.requestsLastMinute() + (d.requestsPerMinute() > 0 ? " / " + d.requestsPerMinute() : "")))
                    .append("</td><td class=\"n\">").append(d.failures()).append("</td></tr>");
        }
        b.append("</table><table><tr><th>Route</th><th>Strategy</th><th>Capacity used, last minute</th><th>p50</th><th>p99</th></tr>");
        for (RouteStatus r : llm.routeStatuses()) {
            b.append("<tr><td>").append(Html.escape(r.name())).append(r.low() ? " " + Html.state("low", false, true) : "")
                    .append("</td><td>").append(Html.escape(r.strategy())).append("</td><td>")
                    .append(Html.progress(r.requestsLastMinute(), r.capacityPerMinute(), r.requestsLastMinute() + " / " + r.capacityPerMinute()))
                    .append("</td><td class=\"n\">").append(millis(duration.quantile(0.5, r.name(), GatewayRequestMeters.OK)))
                    .append("</td><td class=\"n\">").append(millis(duration.quantile(0.99, r.name(), GatewayRequestMeters.OK)))
                    .append("</td></tr>");
        }
        return b.append("</table>").toString();
    }

    /** Seconds from the histogram as milliseconds; "-" before the route's first answer (or with request metrics off). */
    static String millis(double seconds) {
        if (Double.isNaN(seconds)) {
            return "-";
        }
        double ms = seconds * 1000;
        return String.format(Locale.ROOT, ms < 10 ? "%.2f ms" : ms < 100 ? "%.1f ms" : "%.0f ms", ms);
    }
}
