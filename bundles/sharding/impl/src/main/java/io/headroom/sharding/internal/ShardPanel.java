package io.headroom.sharding.internal;

import io.headroom.core.api.console.ConsolePanel;
import io.headroom.core.api.console.Html;
import io.headroom.sharding.api.KeyRange;
import io.headroom.sharding.api.MoveStatus;
import io.headroom.sharding.api.ShardAdmin;
import io.headroom.sharding.api.ShardInfo;
import io.headroom.sharding.api.TenantMoves;
import io.headroom.sharding.internal.core.LatencyText;
import io.headroom.sharding.internal.core.MoveState;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The console's sharding panel: the key-range map (each shard as wide as its share of the keyspace, as dark as its
 * share of the queries), dedicated shards, breakers and pools, and the moves and splits in progress.
 */
@Component(service = ConsolePanel.class)
public final class ShardPanel implements ConsolePanel {
    private static final double KEYSPACE = Math.pow(2, 64);
    private final ShardAdmin shards;
    private final TenantMoves moves;

    @Activate
    public ShardPanel(@Reference ShardAdmin shards, @Reference TenantMoves moves) {
        this.shards = shards;
        this.moves = moves;
    }

    @Override
    public String id() {
        return "sharding";
    }

    @Override
    public String title() {
        return "Sharding: key ranges and load";
    }

    @Override
    public int order() {
        return 40;
    }

    @Override
    public String html() {
        List<ShardInfo> all = shards.shards();
        if (all.isEmpty()) {
            return "<p class=\"empty\">No shards registered.</p>";
        }
        long totalQueries = Math.max(1, all.stream().mapToLong(ShardInfo::queries).sum());
        StringBuilder b = new StringBuilder("<div class=\"keyspace\">");
        all.stream().filter(s -> range(s) != null).sorted(Comparator.comparing(s -> Long.toUnsignedString(range(s).start()),
                Comparator.comparing((String v) -> v.length()).thenComparing(v -> v))).forEach(s -> {
                    KeyRange r = range(s);
                    double width = ((r.unboundedEnd() ? KEYSPACE : unsigned(r.end())) - unsigned(r.start())) / KEYSPACE;
                    double share = s.queries() / (double) totalQueries;
                    b.append("<div title=\"").append(Html.escape(s.name() + " " + s.keyRange() + ": " + s.queries() + " queries"))
                            .append("\" style=\"width:").append(String.format(Locale.ROOT, "%.2f%%", 100 * width))
                            .append(";background:rgba(26,115,232,").append(String.format(Locale.ROOT, "%.2f", 0.25 + 0.75 * share))
                            .append(")\">").append(Html.escape(s.name() + " " + s.keyRange())).append("</div>");
                });
        b.append("</div><table><tr><th>Shard</th><th>Range</th><th>Tenants</th><th>Breaker</th><th>Pool</th><th>Queries</th>"
                + "<th>p50</th><th>p99</th></tr>");
        for (ShardInfo s : all) {
            boolean healthy = "UP".equals(s.health());
            b.append("<tr><td>").append(Html.escape(s.name())).append("</td><td>").append(Html.escape(s.keyRange() == null ? "dedicated" : s.keyRange()))
                    .append("</td><td class=\"n\">").append(s.tenants()).append("</td><td>").append(Html.state(s.health(), healthy, !healthy))
                    .append("</td><td>").append(Html.progress(s.activeConnections(), s.poolSize(), s.activeConnections() + " / " + s.poolSize()))
                    .append("</td><td class=\"n\">").append(s.queries()).append("</td><td class=\"n\">")
                    .append(LatencyText.millis(s.p50LatencyMillis())).append("</td><td class=\"n\">")
                    .append(LatencyText.millis(s.p99LatencyMillis())).append("</td></tr>");
        }
        b.append("</table>");
        List<MoveStatus> active = moves.list().stream().filter(m -> !MoveState.valueOf(m.state()).terminal()).toList();
        b.append("<p>").append(active.size()).append(" move(s) or split(s) in progress");
        for (MoveStatus m : active) {
            b.append("<br>").append(Html.escape(m.kind() + " " + m.subject() + " " + m.source() + " → " + String.join(",", m.targets())))
                    .append(": ").append(Html.escape(m.state())).append(", ").append(m.copiedRows()).append(" rows copied, ")
                    .append(m.appliedEvents()).append(" binlog events applied");
            if (m.replayLagBytes() != null) {
                b.append(", replay ").append(m.replayLagBytes()).append(" bytes behind");
            }
        }
        return b.append("</p>").toString();
    }

    private static KeyRange range(ShardInfo s) {
        try {
            return s.keyRange() == null || s.keyRange().isBlank() ? null : KeyRange.parse(s.keyRange());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static double unsigned(long v) {
        return v >= 0 ? v : v + KEYSPACE;
    }
}
