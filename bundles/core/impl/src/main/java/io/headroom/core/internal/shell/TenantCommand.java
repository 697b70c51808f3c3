package io.headroom.core.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.core.api.load.TenantHealth;
import io.headroom.core.api.load.TenantLimits;
import io.headroom.core.api.load.TenantLoad;
import io.headroom.core.internal.load.TenantReport;
import java.util.List;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

/** One customer across every layer: its rate, share and baseline per layer, how its jobs fare, and its limits. */
@Command(scope = "headroom", name = "tenant", description = "One tenant across every layer: load, share, baseline, outcomes, SLOs and limits")
@Service
public class TenantCommand implements Action {
    @Reference
    TenantLoad load;

    @Reference
    TenantLimits limits;

    @Reference(optional = true)
    TenantHealth health;

    @Argument(index = 0, name = "tenant", required = true, description = "Tenant id")
    @Completion(TenantCompleter.class)
    String tenant;

    @Override
    public Object execute() {
        TenantReport r = TenantReport.of(load, limits, health, TenantId.of(tenant));
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
        printSlos(r.slos());
        System.out.println("Limits: " + (r.limit() == null ? "none" : LimitsCommand.describe(r.limit())));
        return null;
    }

    private static void printSlos(List<TenantHealth.JobStatus> slos) {
        if (slos == null) {
            System.out.println("SLOs: no capability judges outcomes (install headroom-heartbeat)");
            return;
        }
        if (slos.isEmpty()) {
            System.out.println("SLOs: no outcome events for it in the last hour");
            return;
        }
        ShellTable table = new ShellTable();
        table.column("Job");
        table.column("Events 1h").alignRight();
        table.column("Bad 1h").alignRight();
        table.column("Burn 1h").alignRight();
        table.column("Paging");
        slos.forEach(j -> table.addRow().addContent(j.job(), j.events1h(), j.bad1h(),
                j.burn1h() == null ? "-" : String.format(Locale.ROOT, "%.2f", j.burn1h()), j.paging() ? "PAGING" : ""));
        table.print(System.out);
    }
}
