package io.headroom.queue.internal.shell;

import io.headroom.core.api.TenantId;
import io.headroom.queue.api.FairQueue;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Reference;
import org.apache.karaf.shell.api.action.lifecycle.Service;

@Command(scope = "queue", name = "limits", description = "Sets a tenant's weight (share of workers, 1-100) and concurrency cap")
@Service
public class LimitsCommand implements Action {
    @Reference
    FairQueue queue;

    @Argument(index = 0, name = "tenant", required = true, description = "Tenant id")
    @Completion(TenantCompleter.class)
    String tenant;

    @Argument(index = 1, name = "weight", required = true, description = "1-100")
    int weight;

    @Argument(index = 2, name = "cap", required = true, description = "Most jobs running at once")
    int cap;

    @Override
    public Object execute() {
        queue.setLimits(TenantId.of(tenant), weight, cap);
        System.out.println(tenant + ": weight " + weight + ", cap " + cap);
        return null;
    }
}
