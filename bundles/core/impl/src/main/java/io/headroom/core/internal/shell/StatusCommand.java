package io.headroom.core.internal.shell;

import io.headroom.core.internal.status.PlatformStatus;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "headroom", name = "status", description = "Shows installed capabilities, their versions and states, and the control store")
@Service
public class StatusCommand implements Action {
    @Reference
    PlatformStatus status;

    @Override
    public Object execute() {
        PlatformStatus.Report r = status.report();
        System.out.println("Platform: " + r.status());
        System.out.println("Control store: " + r.controlStore().status() + " at " + r.controlStore().at()
                + (r.controlStore().error() == null ? "" : " (" + r.controlStore().error() + ")"));
        ShellTable table = new ShellTable();
        table.column("Capability");
        table.column("Bundle");
        table.column("Version");
        table.column("State");
        table.column("Ready");
        table.column("Endpoints");
        table.column("Detail");
        r.capabilities().forEach(c -> table.addRow().addContent(c.name(), c.bundle(), c.version(), c.state(), c.health(),
                String.join(" ", c.endpoints()), c.detail()));
        table.print(System.out);
        return null;
    }
}
