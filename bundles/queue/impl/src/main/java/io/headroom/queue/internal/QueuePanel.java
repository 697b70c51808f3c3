package io.headroom.queue.internal;

import io.headroom.core.api.console.ConsolePanel;
import io.headroom.core.api.console.Html;
import io.headroom.queue.api.FairQueue;
import io.headroom.queue.api.TenantStats;
import java.util.Comparator;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/** The console's queue panel: the backlog of the busiest tenants (main and overflow lanes), noisy tenants, dwell. */
@Component(service = ConsolePanel.class)
public final class QueuePanel implements ConsolePanel {
    private static final int SHOWN = 12;
    private final FairQueue queue;

    @Activate
    public QueuePanel(@Reference(policyOption = ReferencePolicyOption.GREEDY) FairQueue queue) {
        this.queue = queue;
    }

    @Override
    public String id() {
        return "queue";
    }

    @Override
    public String title() {
        return "Queue: backlog per tenant";
    }

    @Override
    public int order() {
        return 20;
    }

    @Override
    public String html() {
        List<TenantStats> busiest = queue.stats().stream()
                .sorted(Comparator.comparingInt((TenantStats t) -> t.backlog() + t.overflowBacklog() + t.inFlight()).reversed())
                .limit(SHOWN).toList();
        if (busiest.isEmpty()) {
            return "<p class=\"empty\">No jobs submitted yet.</p>";
        }
        double[] backlog = busiest.stream().mapToDouble(t -> t.backlog() + t.overflowBacklog()).toArray();
        List<String> labels = busiest.stream().map(t -> t.tenant() + (t.noisy() ? " (noisy)" : "") + (t.paused() ? " (paused)" : "")).toList();
        StringBuilder b = new StringBuilder(Html.bars(labels, backlog, "waiting"));
        b.append("<table><tr><th>Tenant</th><th>Overflow</th><th>In flight</th><th>Dwell p99</th><th>Done</th><th>Dead</th></tr>");
        for (TenantStats t : busiest) {
            b.append("<tr><td>").append(Html.escape(t.tenant())).append("</td><td class=\"n\">").append(t.overflowBacklog())
                    .append("</td><td class=\"n\">").append(t.inFlight()).append("</td><td class=\"n\">").append(t.dwellP99Millis())
                    .append(" ms</td><td class=\"n\">").append(t.completed()).append("</td><td class=\"n\">").append(t.deadLettered())
                    .append("</td></tr>");
        }
        return b.append("</table>").toString();
    }
}
