package io.headroom.heartbeat.internal.release;

import io.headroom.core.api.console.ConsolePanel;
import io.headroom.core.api.console.Html;
import io.headroom.heartbeat.api.Release;
import io.headroom.heartbeat.api.Releases;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The console's releases panel: the latest releases, their state and decision, and how many nodes run the new version. */
@Component(service = ConsolePanel.class)
public final class ReleasesPanel implements ConsolePanel {
    private final Releases releases;

    @Activate
    public ReleasesPanel(@Reference Releases releases) {
        this.releases = releases;
    }

    @Override
    public String id() {
        return "releases";
    }

    @Override
    public String title() {
        return "Releases across the fleet";
    }

    @Override
    public int order() {
        return 15;
    }

    @Override
    public String html() {
        List<Release> list = releases.releases(5);
        if (list.isEmpty()) {
            return "<p class=\"empty\">No releases yet.</p>";
        }
        StringBuilder b = new StringBuilder("<table><tr><th>Id</th><th>Bundle</th><th>Versions</th><th>Step</th>"
                + "<th>Nodes on new</th><th>State</th><th>Decision</th></tr>");
        for (Release r : list) {
            long live = r.nodes().stream().filter(n -> n.live()).count();
            long onNew = r.nodes().stream().filter(n -> n.live() && r.toVersion().equals(n.running())).count();
            boolean bad = r.state().startsWith("rolling_back") || r.state().equals("rolled_back");
            b.append("<tr><td class=\"n\">").append(r.id()).append("</td><td>").append(Html.escape(r.unit())).append("</td><td>")
                    .append(Html.escape(r.fromVersion())).append(" → ").append(Html.escape(r.toVersion())).append("</td><td>")
                    .append(r.step() + 1).append('/').append(r.steps().size()).append("</td><td>")
                    .append(Html.progress(onNew, Math.max(1, live), onNew + "/" + live)).append("</td><td>")
                    .append(Html.state(r.state(), r.state().equals("completed"), bad)).append("</td><td>")
                    .append(Html.escape(r.reason())).append("</td></tr>");
        }
        return b.append("</table>").toString();
    }
}
