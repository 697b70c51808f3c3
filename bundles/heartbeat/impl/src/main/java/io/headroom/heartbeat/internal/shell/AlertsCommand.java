package io.headroom.heartbeat.internal.shell;

import io.headroom.heartbeat.api.Heartbeat;
import java.util.Locale;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "heartbeat", name = "alerts", description = "Alert history, firing first")
@Service
public class AlertsCommand implements Action {
    @Reference
    Heartbeat heartbeat;

    @Option(name = "--limit", aliases = "-n", description = "How many alerts")
    int limit = 20;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        t.column("Id");
        t.column("Severity");
        t.column("Rule");
        t.column("Tenant");
        t.column("Job");
        t.column("Burn long/short");
        t.column("Fired");
        t.column("Resolved");
        heartbeat.alerts(limit).forEach(a -> t.addRow().addContent(a.id(), a.severity(), a.rule(),
                a.tenant() == null ? "(platform)" : a.tenant(), a.job(),
                String.format(Locale.ROOT, "%.1f/%.1f", a.longBurn(), a.shortBurn()), a.firedAt(),
                a.resolvedAt() == null ? "FIRING" : a.resolvedAt()));
        t.print(System.out);
        return null;
    }
}
