package io.headroom.llm.internal.shell;

import io.headroom.llm.api.LlmAdmin;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "llm", name = "deployment-remove", description = "Removes a deployment from the whole fleet")
@Service
public class DeploymentRemoveCommand implements Action {
    @Reference
    LlmAdmin admin;

    @Argument(index = 0, name = "name", required = true)
    @Completion(DeploymentCompleter.class)
    String name;

    @Override
    public Object execute() {
        admin.removeDeployment(name);
        System.out.println("deployment " + name + " removed");
        return null;
    }
}
