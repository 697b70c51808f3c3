package io.headroom.search.internal;

import io.headroom.core.api.console.ConsolePanel;
import io.headroom.core.api.console.Html;
import io.headroom.search.api.CollectionInfo;
import io.headroom.search.api.MigrationStatus;
import io.headroom.search.api.SearchAdmin;
import io.headroom.search.api.TenantProgress;
import io.headroom.search.internal.core.MigrationState;
import java.util.List;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/** The console's search panel: collections and their layouts, and each open migration's progress per step. */
@Component(service = ConsolePanel.class)
public final class SearchPanel implements ConsolePanel {
    private final SearchAdmin search;

    @Activate
    public SearchPanel(@Reference SearchAdmin search) {
        this.search = search;
    }

    @Override
    public String id() {
        return "search";
    }

    @Override
    public String title() {
        return "Search: collections and migrations";
    }

    @Override
    public int order() {
        return 50;
    }

    @Override
    public String html() {
        List<CollectionInfo> collections = search.collections();
        if (collections.isEmpty()) {
            return "<p class=\"empty\">No collections.</p>";
        }
        StringBuilder b = new StringBuilder("<table><tr><th>Collection</th><th>Layout</th><th>Tenants</th><th>Migration</th>"
                + "<th>Backfilled</th><th>Validated</th><th>Reads moved</th><th>Outbox</th></tr>");
        for (CollectionInfo c : collections) {
            List<MigrationStatus> open = search.migrations(c.name()).stream()
                    .filter(m -> MigrationState.valueOf(m.state()).open()).toList();
            b.append("<tr><td>").append(Html.escape(c.name())).append("</td><td class=\"n\">").append(c.layout())
                    .append("</td><td class=\"n\">").append(c.tenants()).append("</td>");
            if (open.isEmpty()) {
                b.append("<td colspan=\"5\" class=\"empty\">none open</td></tr>");
                continue;
            }
            MigrationStatus m = open.get(0);
            int n = m.tenants().size();
            long backfilled = m.tenants().stream().filter(t -> "COPIED".equals(t.backfill())).count();
            long validated = m.tenants().stream().filter(t -> "PASSED".equals(t.validation())).count();
            long moved = m.tenants().stream().filter(TenantProgress::readsOnTarget).count();
            b.append("<td>#").append(m.id()).append(' ').append(Html.escape(m.state())).append(" → layout ").append(m.targetLayout())
                    .append("</td><td>").append(Html.progress(backfilled, n, backfilled + "/" + n)).append("</td><td>")
                    .append(Html.progress(validated, n, validated + "/" + n)).append("</td><td>")
                    .append(Html.progress(moved, n, moved + "/" + n)).append("</td><td class=\"n\">").append(m.outboxPending())
                    .append("</td></tr>");
        }
        return b.append("</table>").toString();
    }
}
