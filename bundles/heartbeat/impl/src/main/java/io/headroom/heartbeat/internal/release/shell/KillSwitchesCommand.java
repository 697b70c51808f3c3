package io.headroom.heartbeat.internal.release.shell;

import io.headroom.heartbeat.api.Releases;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "release", name = "kill-switches", description = "Flags used as kill switches, their jobs, and when they last acted")
@Service
public class KillSwitchesCommand implements Action {
    @Reference
    Releases releases;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        t.column("Flag");
        t.column("Jobs");
        t.column("Scope");
        t.column("Last fired");
        t.column("Reason");
        releases.killSwitches().forEach(k -> t.addRow().addContent(k.flag(), String.join(",", k.jobs()), k.scope(),
                k.lastFired() == null ? "never" : k.lastFired(), k.lastReason()));
        t.print(System.out);
        return null;
    }
}
