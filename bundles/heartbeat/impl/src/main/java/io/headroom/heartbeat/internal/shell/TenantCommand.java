package io.headroom.heartbeat.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.heartbeat.api.Heartbeat;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "heartbeat", name = "tenant", description = "One tenant's heartbeat per job")
@Service
public class TenantCommand implements Action {
    @Reference
    Heartbeat heartbeat;

    @Argument(index = 0, name = "tenant", required = true, description = "Tenant id")
    @Completion(TenantCompleter.class)
    String tenant;

    @Override
    public Object execute() {
        StatusCommand.print(heartbeat.tenant(TenantId.of(tenant)), false);
        return null;
    }
}
