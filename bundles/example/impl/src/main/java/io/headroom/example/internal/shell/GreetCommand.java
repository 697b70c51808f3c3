package io.headroom.example.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.example.api.Greeting;
import io.headroom.example.api.Greetings;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "example", name = "greet", description = "Sets a tenant's greeting")
@Service
public class GreetCommand implements Action {
    @Reference
    Greetings greetings;

    @Argument(index = 0, name = "tenant", required = true, description = "Tenant id")
    @Completion(TenantCompleter.class)
    String tenant;

    @Argument(index = 1, name = "message", required = true, description = "The greeting, 1-200 characters (quote it)")
    String message;

    @Override
    public Object execute() {
        Greeting g = greetings.update(TenantId.of(tenant), message);
        System.out.println(g.tenant() + ": " + g.message() + " (update " + g.updates() + ")");
        return null;
    }
}
