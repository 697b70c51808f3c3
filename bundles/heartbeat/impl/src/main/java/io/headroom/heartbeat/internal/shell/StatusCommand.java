package io.headroom.heartbeat.internal.shell;

import io.headroom.heartbeat.api.Alert;
import io.headroom.heartbeat.api.Heartbeat;
import io.headroom.heartbeat.api.JobHealth;
import java.util.List;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "heartbeat", name = "status", description = "Platform heartbeat per job, the worst tenants, and firing alerts")
@Service
public class StatusCommand implements Action {
    @Reference
    Heartbeat heartbeat;

    @Option(name = "--worst", aliases = "-w", description = "How many worst tenants to show")
    int worst = 10;

    @Override
    public Object execute() {
        List<Alert> firing = heartbeat.alerts(1000).stream().filter(Alert::firing).toList();
        System.out.println("Firing: " + firing.size() + (firing.isEmpty() ? "" : " " + firing.stream()
                .map(a -> a.severity() + ":" + (a.tenant() == null ? "platform" : a.tenant()) + "/" + a.job()).toList()));
        System.out.println("Platform:");
        print(heartbeat.platform(), false);
        System.out.println("Worst tenants:");
        print(heartbeat.worstTenants(worst), true);
        return null;
    }

    static void print(List<JobHealth> rows, boolean withTenant) {
        ShellTable t = new ShellTable();
        if (withTenant) {
            t.column("Tenant");
        }
        t.column("Job");
        t.column("Events 1h").alignRight();
        t.column("Bad 1h").alignRight();
        t.column("Burn 5m").alignRight();
        t.column("Burn 1h").alignRight();
        t.column("Burn 6h").alignRight();
        t.column("Burn 3d").alignRight();
        t.column("State");
        for (JobHealth h : rows) {
            var row = t.addRow();
            if (withTenant) {
                row.addContent(h.tenant());
            }
            row.addContent(h.job(), h.events1h(), h.bad1h(), burn(h.burn5m()), burn(h.burn1h()), burn(h.burn6h()),
                    burn(h.burn3d()), h.paging() ? "PAGING" : "ok");
        }
        t.print(System.out);
    }

    static String burn(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }
}
