package io.headroom.llm.internal;

import io.headroom.core.api.console.ConsolePanel;
import io.headroom.core.api.console.Html;
import io.headroom.llm.api.DeploymentStatus;
import io.headroom.llm.api.LlmAdmin;
import io.headroom.llm.api.RouteStatus;
import java.util.List;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The console's LLM panel: each deployment's health, latency and use of its limit; each route's capacity. */
@Component(service = ConsolePanel.class)
public final class LlmPanel implements ConsolePanel {
    private final LlmAdmin llm;

    @Activate
    public LlmPanel(@Reference LlmAdmin llm) {
        this.llm = llm;
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
        b.append("</table><table><tr><th>Route</th><th>Strategy</th><th>Capacity used, last minute</th></tr>");
        for (RouteStatus r : llm.routeStatuses()) {
            b.append("<tr><td>").append(Html.escape(r.name())).append(r.low() ? " " + Html.state("low", false, true) : "")
                    .append("</td><td>").append(Html.escape(r.strategy())).append("</td><td>")
                    .append(Html.progress(r.requestsLastMinute(), r.capacityPerMinute(), r.requestsLastMinute() + " / " + r.capacityPerMinute()))
                    .append("</td></tr>");
        }
        return b.append("</table>").toString();
    }
}
