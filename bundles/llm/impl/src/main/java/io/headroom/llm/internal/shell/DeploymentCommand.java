package io.headroom.llm.internal.shell;

import io.headroom.llm.internal.LlmRouterService;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "llm", name = "deployment", description = "Clears a deployment's cooldown, or drains (disable) and restores (enable) it")
@Service
public class DeploymentCommand implements Action {
    @Reference
    LlmRouterService service;

    @Argument(index = 0, name = "name", required = true, description = "Deployment name")
    String name;

    @Argument(index = 1, name = "action", required = true, description = "clear-cooldown, disable or enable")
    String action;

    @Override
    public Object execute() {
        boolean found = switch (action) {
            case "clear-cooldown" -> service.router().clearCooldown(name);
            case "disable" -> service.router().setDisabled(name, true);
            case "enable" -> service.router().setDisabled(name, false);
            default -> throw new IllegalArgumentException("action must be clear-cooldown, disable or enable");
        };
        if (!found) {
            throw new IllegalArgumentException("no deployment named " + name);
        }
        System.out.println(name + ": " + action + " done");
        return null;
    }
}
