package io.headroom.core.internal.shell;

import io.headroom.core.api.fleet.Fleet;
import io.headroom.core.api.fleet.FleetNode;
import io.headroom.core.api.fleet.LeaseInfo;
import io.headroom.core.api.fleet.Leases;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "headroom", name = "fleet", description = "Lists the live nodes of the fleet and the leases (who runs which background work)")
@Service
public class FleetCommand implements Action {
    @Reference
    Fleet fleet;

    @Reference
    Leases leases;

    @Option(name = "--leases", description = "Only leases whose name starts with this")
    String prefix = "";

    @Override
    public Object execute() {
        System.out.println("this node: " + fleet.nodeId());
        ShellTable nodes = new ShellTable();
        nodes.column("Node");
        nodes.column("Host");
        nodes.column("Pid");
        nodes.column("Started");
        nodes.column("Last seen");
        for (FleetNode n : fleet.liveNodes()) {
            nodes.addRow().addContent(n.id(), n.host(), n.pid(), n.startedAt(), n.lastSeen());
        }
        nodes.print(System.out);
        ShellTable held = new ShellTable();
        held.column("Lease");
        held.column("Node");
        held.column("Epoch");
        held.column("Acquired");
        held.column("Expires");
        held.column("State");
        for (LeaseInfo l : leases.list(prefix)) {
            held.addRow().addContent(l.name(), l.node(), l.epoch(), l.acquiredAt(), l.expiresAt(), l.expired() ? "expired" : "held");
        }
        held.print(System.out);
        return null;
    }
}
