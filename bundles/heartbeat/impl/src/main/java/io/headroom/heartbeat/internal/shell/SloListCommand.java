package io.headroom.heartbeat.internal.shell;

import io.headroom.heartbeat.api.Heartbeat;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "heartbeat", name = "slo-list", description = "Lists SLOs")
@Service
public class SloListCommand implements Action {
    @Reference
    Heartbeat heartbeat;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        t.column("Job");
        t.column("Target");
        t.column("Latency ms");
        t.column("Description");
        heartbeat.slos().forEach(s -> t.addRow().addContent(s.job(), s.target(),
                s.latencyThresholdMillis() == null ? "" : s.latencyThresholdMillis(), s.description()));
        t.print(System.out);
        return null;
    }
}
