package io.headroom.core.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.load.TenantLoad;
import io.headroom.core.internal.load.TenantReport;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** One customer across every layer: its rate, share and baseline per layer, how its jobs fare, and its limits. */
@Command(scope = "headroom", name = "tenant", description = "One tenant across every layer: load, share, baseline, outcomes and limits")
@Service
public class TenantCommand implements Action {
    @Reference
    TenantLoad load;

    @Reference
    TenantLimits limits;

    @Argument(index = 0, name = "tenant", required = true, description = "Tenant id")
    @Completion(TenantCompleter.class)
    String tenant;

    @Override
    public Object execute() {
        TenantReport r = TenantReport.of(load, limits, TenantId.of(tenant));
        System.out.println("Tenant " + r.tenant());
        if (r.layers().isEmpty()) {
            System.out.println("No load tracked for it on any layer now (idle, or not among a layer's busiest).");
        } else {
            ShellTable table = new ShellTable();
            table.column("Layer");
            table.column("Rate/s").alignRight();
            table.column("Share").alignRight();
            table.column("Baseline/s").alignRight();
            table.column("x Baseline").alignRight();
            table.column("Spiking");
            r.layers().forEach(l -> table.addRow().addContent(l.layer(), TopCommand.rate(l.rate()),
                    String.format(Locale.ROOT, "%.1f%%", l.share() * 100), TopCommand.rate(l.baseline()),
                    String.format(Locale.ROOT, "%.1f", l.ratio()), l.spiking() ? "SPIKE" : ""));
            table.print(System.out);
        }
        System.out.println(String.format(Locale.ROOT, "Health: %s outcomes/s, %.1f%% failed", TopCommand.rate(r.outcomesPerSecond()),
                r.failedShare() * 100));
        System.out.println("Limits: " + (r.limit() == null ? "none" : LimitsCommand.describe(r.limit())));
        return null;
    }

}
