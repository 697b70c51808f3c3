package io.headroom.core.internal.shell;

import io.headroom.core.api.store.ControlEndpoint;
import io.headroom.core.api.store.ControlEndpoints;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "headroom", name = "control", description = "Lists the control schema's servers (primary, replicas, replication lag) and past switchovers")
@Service
public class ControlCommand implements Action {
    @Reference
    ControlEndpoints control;

    @Override
    public Object execute() {
        ShellTable servers = new ShellTable();
        servers.column("Server");
        servers.column("Role");
        servers.column("This node");
        servers.column("Replicating");
        servers.column("Lag s");
        servers.column("Detail");
        for (ControlEndpoint e : control.endpoints()) {
            servers.addRow().addContent(e.name(), e.role(), e.current() ? "writes here" : "", e.replicating() ? "yes" : "",
                    e.lagSeconds() == null ? "" : e.lagSeconds(), e.detail());
        }
        servers.print(System.out);
        SwitchoverCommand.print(control.history(10));
        return null;
    }
}
