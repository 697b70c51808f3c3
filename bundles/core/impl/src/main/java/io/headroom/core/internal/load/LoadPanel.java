package io.headroom.core.internal.load;

import io.headroom.core.api.console.ConsolePanel;
import io.headroom.core.api.console.Html;
import io.headroom.core.api.load.TenantLayerLoad;
import io.headroom.core.api.load.TenantLimit;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.load.TenantLoad;
import java.util.List;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The console's tenant load panel: who spikes against their own baseline, each layer's largest shares, the limits in force. */
@Component(service = ConsolePanel.class)
public final class LoadPanel implements ConsolePanel {
    private static final int SHOWN = 5;
    private final TenantLoad load;
    private final TenantLimits limits;

    @Activate
    public LoadPanel(@Reference TenantLoad load, @Reference TenantLimits limits) {
        this.load = load;
        this.limits = limits;
    }

    @Override
    public String id() {
        return "tenant-load";
    }

    @Override
    public String title() {
        return "Tenant load: shares of each layer and spikes";
    }

    @Override
    public int order() {
        return 5;
    }

    @Override
    public String html() {
        List<String> all = load.layers().stream().filter(l -> !l.startsWith(LoadView.HEALTH_PREFIX)).toList();
        List<String> layers = all.stream().filter(l -> l.indexOf('/') < 0).toList();
        if (layers.isEmpty()) {
            return "<p class=\"empty\">No load reported yet.</p>";
        }
        StringBuilder b = new StringBuilder();
        List<TenantLayerLoad> spiking = load.spiking();
        if (spiking.isEmpty()) {
            b.append("<p>Nobody spikes against their own baseline.</p>");
        } else {
            b.append("<table><tr><th>Spiking</th><th>Layer</th><th>Rate/s</th><th>x Baseline</th><th>Share</th></tr>");
            for (TenantLayerLoad l : spiking) {
                b.append("<tr><td>").append(Html.state(l.tenant(), false, true)).append("</td><td>").append(Html.escape(l.layer()))
                        .append("</td><td class=\"n\">").append(fmt(l.rate())).append("</td><td class=\"n\">").append(fmt(l.ratio()))
                        .append("</td><td class=\"n\">").append(pct(l.share())).append("</td></tr>");
            }
            b.append("</table>");
        }
        for (String layer : layers) {
            List<TenantLayerLoad> top = load.top(layer, SHOWN);
            b.append("<h4>").append(Html.escape(layer)).append("</h4>");
            b.append(Html.bars(top.stream().map(l -> l.tenant() + (l.spiking() ? " (spiking)" : "")).toList(),
                    top.stream().mapToDouble(l -> l.share() * 100).toArray(), "% of the layer"));
            List<String> parts = all.stream().filter(l -> l.startsWith(layer + "/")).toList();
            if (!parts.isEmpty()) {
                b.append("<table><tr><th>").append(Html.escape(layer)).append(" by resource</th><th>Rate/s</th><th>Largest share</th></tr>");
                for (String part : parts) {
                    List<TenantLayerLoad> p = load.top(part, 1);
                    double rate = p.stream().mapToDouble(TenantLayerLoad::rate).sum();
                    TenantLayerLoad first = p.isEmpty() ? null : p.get(0);
                    b.append("<tr><td>").append(Html.escape(part.substring(layer.length() + 1))).append("</td><td class=\"n\">")
                            .append(fmt(rate)).append("</td><td>").append(first == null ? "" : Html.escape(first.tenant()) + " "
                                    + pct(first.share())).append("</td></tr>");
                }
                b.append("</table>");
            }
        }
        List<TenantLimit> in = limits.list();
        if (!in.isEmpty()) {
            b.append("<p>Limits in force: ");
            for (int i = 0; i < in.size(); i++) {
                b.append(i == 0 ? "" : "; ").append(Html.escape(in.get(i).tenant().value()));
            }
            b.append("</p>");
        }
        return b.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.0f%%", v * 100);
    }
}
