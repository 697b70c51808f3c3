package io.headroom.core.internal.console;

import io.headroom.core.api.console.ConsolePanel;
import io.headroom.core.api.console.Html;
import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.fleet.FleetNode;
import io.headroom.core.api.rest.Caller;
import io.headroom.core.api.rest.RestResource;
import io.headroom.core.internal.status.PlatformStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.annotation.security.RolesAllowed;
import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.core.MediaType;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /api/console: the operator console (operators; a browser asks for the operator's login). The platform's own
 * panel (readiness per capability, control store, nodes) first, then every capability's {@link ConsolePanel}; a panel
 * that fails shows its error instead of taking the page down. Refreshes itself every 15 seconds.
 */
@Component(service = RestResource.class, property = RestResource.PATH + "=/console")
@Path("/")
@RolesAllowed(Caller.OPERATOR)
public final class ConsoleResource implements RestResource {
    private static final Logger LOG = LoggerFactory.getLogger(ConsoleResource.class);
    private static final String STYLE = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#202124;background:#f8f9fa}"
            + "h1{margin:0 0 .6em}main{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1em}"
            + "section{background:#fff;border:1px solid #dadce0;border-radius:8px;padding:.8em 1em;overflow-x:auto}"
            + "h2{font-size:1.05em;margin:.1em 0 .6em}table{border-collapse:collapse;width:100%}"
            + "th,td{padding:.25em .5em;border-bottom:1px solid #eee;text-align:left;font-size:.9em}td.n{text-align:right}"
            + ".ok{color:#137333}.bad{color:#c5221f;font-weight:bold}.warn{color:#b06000}.empty{color:#5f6368}"
            + ".keyspace{display:flex;height:28px;border:1px solid #dadce0}.keyspace div{border-right:1px solid #fff;"
            + "font-size:.75em;color:#fff;overflow:hidden;white-space:nowrap;padding:6px 3px}";

    private final PlatformStatus status;
    private final Fleet fleet;
    private final List<ConsolePanel> panels = new CopyOnWriteArrayList<>();

    @Activate
    public ConsoleResource(@Reference PlatformStatus status, @Reference Fleet fleet) {
        this.status = status;
        this.fleet = fleet;
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void bindPanel(ConsolePanel panel) {
        panels.add(panel);
    }

    void unbindPanel(ConsolePanel panel) {
        panels.remove(panel);
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public String page() {
        StringBuilder b = new StringBuilder(16_384);
        b.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"15\">")
                .append("<title>Headroom console</title><style>").append(STYLE).append("</style></head><body>")
                .append("<h1>Headroom console</h1><p>Node ").append(Html.escape(fleet.nodeId())).append(" · ")
                .append(Html.escape(Instant.now().toString())).append("</p><main>");
        section(b, "platform", "Platform", this::platform);
        List<ConsolePanel> ordered = new ArrayList<>(panels);
        ordered.sort(Comparator.comparingInt(ConsolePanel::order).thenComparing(ConsolePanel::title));
        for (ConsolePanel p : ordered) {
            section(b, p.id(), p.title(), p::html);
        }
        return b.append("</main></body></html>").toString();
    }

    private static void section(StringBuilder b, String id, String title, java.util.function.Supplier<String> body) {
        String html;
        try {
            html = body.get();
        } catch (RuntimeException e) {
            LOG.warn("console: panel {} failed: {}", id, e.toString());
            html = "<p class=\"bad\">this panel failed: " + Html.escape(e.getMessage()) + "</p>";
        }
        b.append("<section id=\"panel-").append(Html.escape(id)).append("\"><h2>").append(Html.escape(title)).append("</h2>")
                .append(html).append("</section>");
    }

    private String platform() {
        PlatformStatus.Report report = status.report();
        StringBuilder b = new StringBuilder("<p>Status: ").append(Html.state(report.status(), "UP".equals(report.status()), "DOWN".equals(report.status())))
                .append(" · control store ").append(Html.state(report.controlStore().status(), "UP".equals(report.controlStore().status()), true))
                .append("</p><table><tr><th>Capability</th><th>Version</th><th>Bundle</th><th>Ready</th><th>Detail</th></tr>");
        for (PlatformStatus.Capability c : report.capabilities()) {
            b.append("<tr><td>").append(Html.escape(c.name())).append("</td><td>").append(Html.escape(c.version())).append("</td><td>")
                    .append(Html.escape(c.state())).append("</td><td>").append(Html.state(c.health(), "UP".equals(c.health()), "DOWN".equals(c.health())))
                    .append("</td><td>").append(Html.escape(c.detail())).append("</td></tr>");
        }
        b.append("</table><p>Nodes: ");
        for (FleetNode n : fleet.liveNodes()) {
            b.append(Html.escape(n.id())).append(" (").append(Html.escape(n.host())).append(") ");
        }
        return b.append("</p>").toString();
    }
}
