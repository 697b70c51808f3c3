package io.headroom.heartbeat.internal;

import io.headroom.core.api.console.ConsolePanel;
import io.headroom.core.api.console.Html;
import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.JobHealth;
import java.util.List;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The console's heartbeat panel: each job's platform-wide burn rate over the last hour, per minute, and what is paging. */
@Component(service = ConsolePanel.class)
public final class HeartbeatPanel implements ConsolePanel {
    private static final int MINUTES = 60;
    private final HeartbeatService heartbeat;

    @Activate
    public HeartbeatPanel(@Reference HeartbeatService heartbeat) {
        this.heartbeat = heartbeat;
    }

    @Override
    public String id() {
        return "heartbeat";
    }

    @Override
    public String title() {
        return "Heartbeat: burn rate per job, last hour";
    }

    @Override
    public int order() {
        return 10;
    }

    @Override
    public String html() {
        List<JobHealth> jobs = heartbeat.platform();
        if (jobs.isEmpty()) {
            return "<p class=\"empty\">No outcome events yet.</p>";
        }
        StringBuilder b = new StringBuilder("<table><tr><th>Job</th><th>Burn, per minute (dashed: 1)</th><th>1h</th><th>State</th></tr>");
        for (JobHealth h : jobs) {
            b.append("<tr><td>").append(Html.escape(h.job())).append("</td><td>")
                    .append(Html.sparkline(heartbeat.burnPerMinute(h.job(), MINUTES), 2, 1)).append("</td><td class=\"n\">")
                    .append(Double.isNaN(h.burn1h()) ? "–" : String.format(Locale.ROOT, "%.2f", h.burn1h())).append("</td><td>")
                    .append(Html.state(h.paging() ? "paging" : "ok", !h.paging(), h.paging())).append("</td></tr>");
        }
        b.append("</table>");
        List<Alert> firing = heartbeat.alerts(50).stream().filter(Alert::firing).toList();
        b.append("<p>").append(firing.size()).append(" alert(s) firing");
        for (Alert a : firing) {
            b.append("<br>").append(Html.state(a.severity(), false, Alert.PAGE.equals(a.severity()))).append(' ')
                    .append(Html.escape(a.job())).append(a.tenant() == null ? " (platform)" : " tenant " + Html.escape(a.tenant()));
        }
        return b.append("</p>").toString();
    }
}
