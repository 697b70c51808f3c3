package io.headroom.llm.internal.shell;

import io.headroom.llm.api.LlmAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "llm", name = "routes", description = "Routes with their candidates, load and headroom")
@Service
public class RoutesCommand implements Action {
    @Reference
    LlmAdmin admin;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        t.column("Route");
        t.column("Strategy");
        t.column("Deployments");
        t.column("Requests/min").alignRight();
        t.column("Capacity/min").alignRight();
        t.column("Headroom");
        for (var r : admin.routeStatuses()) {
            t.addRow().addContent(r.name(), r.strategy(), String.join(", ", r.deployments()), r.requestsLastMinute(),
                    r.capacityPerMinute() > 1_000_000_000L ? "unlimited" : r.capacityPerMinute(), r.low() ? "LOW (< 2x load)" : "ok");
        }
        t.print(System.out);
        return null;
    }
}
