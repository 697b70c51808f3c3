package io.headroom.llm.internal.shell;

import io.headroom.llm.api.LlmAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "llm", name = "route-remove", description = "Removes a route from the whole fleet")
@Service
public class RouteRemoveCommand implements Action {
    @Reference
    LlmAdmin admin;

    @Argument(index = 0, name = "name", required = true)
    @Completion(RouteCompleter.class)
    String name;

    @Override
    public Object execute() {
        admin.removeRoute(name);
        System.out.println("route " + name + " removed");
        return null;
    }
}
