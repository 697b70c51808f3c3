package io.headroom.heartbeat.internal.shell;

import io.headroom.heartbeat.api.DeployGuard;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "heartbeat", name = "deploys", description = "Guarded bundle updates: watching, kept, rolled back (with why), accepted")
@Service
public class DeploysCommand implements Action {
    @Reference
    DeployGuard guard;

    @Option(name = "--limit", aliases = "-n", description = "How many deploys")
    int limit = 20;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        t.column("Id");
        t.column("Bundle");
        t.column("From");
        t.column("To");
        t.column("Jobs");
        t.column("State");
        t.column("Started");
        t.column("Reason");
        guard.deploys(limit).forEach(d -> t.addRow().addContent(d.id(), d.bundle(), d.fromVersion(), d.toVersion(),
                String.join(",", d.jobs()), d.state(), d.startedAt(), d.reason()));
        t.print(System.out);
        return null;
    }
}
