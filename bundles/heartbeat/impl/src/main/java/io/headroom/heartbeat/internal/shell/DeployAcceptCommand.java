package io.headroom.heartbeat.internal.shell;

import io.headroom.heartbeat.api.DeployGuard;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "heartbeat", name = "deploy-accept", description = "Ends the watch of a deploy and keeps its version (overrides the guard)")
@Service
public class DeployAcceptCommand implements Action {
    @Reference
    DeployGuard guard;

    @Argument(index = 0, name = "id", required = true, description = "Deploy id, as heartbeat:deploys shows it")
    @Completion(DeployIdCompleter.class)
    long id;

    @Override
    public Object execute() {
        if (!guard.accept(id)) {
            throw new IllegalArgumentException("deploy " + id + " is not being watched");
        }
        System.out.println("deploy " + id + " accepted: its version stays");
        return null;
    }
}
