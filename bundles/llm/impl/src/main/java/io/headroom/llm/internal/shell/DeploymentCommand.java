package io.headroom.llm.internal.shell;

import io.headroom.llm.api.LlmAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.support.completers.StringsCompleter;

@Command(scope = "llm", name = "deployment", description = "Clears a deployment's cooldown, or drains (disable) and restores (enable) it")
@Service
public class DeploymentCommand implements Action {
    @Reference
    LlmAdmin admin;

    @Argument(index = 0, name = "name", required = true, description = "Deployment name")
    @Completion(DeploymentCompleter.class)
    String name;

    @Argument(index = 1, name = "action", required = true, description = "clear-cooldown, disable or enable")
    @Completion(value = StringsCompleter.class, values = {"clear-cooldown", "disable", "enable"})
    String action;

    @Override
    public Object execute() {
        boolean found = switch (action) {
            case "clear-cooldown" -> admin.clearCooldown(name);
            case "disable" -> admin.setDisabled(name, true);
            case "enable" -> admin.setDisabled(name, false);
            default -> throw new IllegalArgumentException("action must be clear-cooldown, disable or enable");
        };
        if (!found) {
            throw new IllegalArgumentException("no deployment named " + name);
        }
        System.out.println(name + ": " + action + " done");
        return null;
    }
}
