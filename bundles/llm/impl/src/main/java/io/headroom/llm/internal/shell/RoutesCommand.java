package io.headroom.llm.internal.shell;

import io.headroom.llm.internal.LlmRouterService;
import io.headroom.llm.internal.core.Router;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.table.ShellTable;

@Command(scope = "llm", name = "routes", description = "Routes with their candidates, load and headroom")
@Service
public class RoutesCommand implements Action {
    @Reference
    LlmRouterService service;

    @Override
    public Object execute() {
        ShellTable t = new ShellTable();
        t.column("Route");
        t.column("Strategy");
        t.column("Deployments");
        t.column("Requests/min").alignRight();
        t.column("Capacity/min").alignRight();
        t.column("Headroom");
        for (var r : service.router().routes()) {
            Router.Headroom h = service.router().headroom(r.name());
            t.addRow().addContent(r.name(), r.strategy(), String.join(", ", r.deployments()), h.requestsLastMinute(),
                    h.capacityPerMinute() > 1_000_000_000L ? "unlimited" : h.capacityPerMinute(), h.low() ? "LOW (< 2x load)" : "ok");
        }
        t.print(System.out);
        return null;
    }
}
