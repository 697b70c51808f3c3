package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.FleetState;
import io.headroom.heartbeat.api.Releases;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "release", name = "fleet", description = "The fleet's desired state and what every node runs")
@Service
public class FleetStateCommand implements Action {
    @Reference
    Releases releases;

    @Override
    public Object execute() {
        FleetState s = releases.fleetState();
        ShellTable d = new ShellTable();
        d.column("Bundle");
        d.column("Version");
        d.column("Source");
        d.column("Since");
        s.desired().forEach(x -> d.addRow().addContent(x.unit(), x.version(), x.source(), x.updatedAt()));
        d.print(System.out);
        ShellTable n = new ShellTable();
        n.column("Node");
        n.column("Live");
        n.column("Bundle");
        n.column("Desired");
        n.column("Running");
        n.column("Reported");
        n.column("Detail");
        s.nodes().forEach(r -> n.addRow().addContent(r.node(), r.live() ? "yes" : "no", r.unit(), r.desired(), r.running(),
                r.reportedAt(), r.detail()));
        n.print(System.out);
        return null;
    }
}
