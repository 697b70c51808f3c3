package io.headroom.core.internal.shell;

import io.headroom.core.api.store.ControlEndpoints;
import io.headroom.core.api.store.Switchover;
import java.util.List;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "headroom", name = "control-switchover",
        description = "Makes a replica of the control schema its primary (control writes are refused for about a second; reads keep serving)")
@Service
public class SwitchoverCommand implements Action {
    @Reference
    ControlEndpoints control;

    @Argument(index = 0, name = "replica", description = "host:port of the replica to promote (default: the first replica configured)")
    String target;

    @Override
    public Object execute() {
        print(List.of(control.switchover(target)));
        return null;
    }

    static void print(List<Switchover> switchovers) {
        ShellTable table = new ShellTable();
        table.column("Id");
        table.column("From");
        table.column("To");
        table.column("State");
        table.column("Writes fenced ms");
        table.column("Started");
        table.column("Detail");
        switchovers.forEach(s -> table.addRow().addContent(s.id(), s.from(), s.to(), s.state(), s.fencedMillis(), s.startedAt(), s.detail()));
        table.print(System.out);
    }
}
